"""A saved question picked on a near miss: its approved SQL is proposed in the thread, to approve again."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from core.assistant import SqlPart
from handlers.ack import acknowledge
from handlers.actions.sql_clicks import tell_foreign_click
from handlers.services import BotServices
from handlers.state.thread_memory import record_activity, remember_thread
from handlers.ui import ids as c
from handlers.ui.blocks import decode_saved_ref
from handlers.ui.progress import post_failure
from handlers.ui.reply import sql_message

# One action id per button of the block (Slack wants them distinct): the id, then _1, _2, …
SAVED_QUESTION_ACTIONS = re.compile(rf"^{c.SQL_SAVED_QUESTION_ACTION_ID}(_\d+)?$")


def register(app: App, services: BotServices) -> None:
    def propose_saved(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        try:
            saved_id = decode_saved_ref((body.get("actions") or [{}])[0].get("value"))
        except ValueError as exc:
            tell_foreign_click(body, client, logger, exc)
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        thread_ts = str(
            message.get("thread_ts") or message.get("ts") or (body.get("container") or {}).get("message_ts") or ""
        )
        user = (body.get("user") or {}).get("id", "")
        try:
            proposal = services.sql.propose_saved(saved_id, requester=user, channel=channel, thread_ts=thread_ts)
        except Exception as exc:
            post_failure(client, channel, thread_ts, "propose the saved question", exc, logger)
            return
        question = proposal.pending.question if proposal.pending else ""
        shown = sql_message(SqlPart(question, proposal), user)
        remember_thread(services, channel, thread_ts, "sql")  # "and in 2024?" next follows this query
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=shown.fallback, blocks=shown.blocks, unfurl_links=False
        )
        record_activity(services, "saved question", question, channel=channel, user=user)

    app.action(SAVED_QUESTION_ACTIONS)(ack=acknowledge, lazy=[propose_saved])
