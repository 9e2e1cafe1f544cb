"""Show result again: post a query's stored result once more (it never runs the query again)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.actions.sql_approve import post_result
from handlers.actions.sql_clicks import our_click, tell_user
from handlers.services import BotServices
from handlers.ui import ids as c
from handlers.ui.progress import post_failure


def register(app: App, services: BotServices) -> None:
    def show_result(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        click = our_click(body, client, logger)
        if click is None:
            return
        try:
            stored = services.sql.stored_result(click.query_id)
        except Exception as exc:
            post_failure(client, click.channel, click.thread_ts, "read the stored result", exc, logger)
            return
        if stored is None:
            tell_user(
                client,
                click.channel,
                click.user,
                click.thread_ts,
                "That result is no longer stored (results are kept as long as the query itself); "
                "ask the question again to run a fresh query.",
                logger,
            )
            return
        post_result(services, client, click, click.query_id, stored.summary, stored.result, logger)

    app.action(c.SQL_SHOW_RESULT_ACTION_ID)(ack=acknowledge, lazy=[show_result])
