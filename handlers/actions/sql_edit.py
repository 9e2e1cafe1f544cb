"""Edit on a SQL proposal: a modal with the SQL; the submission is guarded again and proposed anew.

The modal opens inside the acknowledgement: its trigger_id expires after 3 seconds, longer than a
Lambda self-invocation may take. A refused edit is answered in the modal itself (response_action
"errors"), so the person can fix the SQL without losing it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.actions.sql_clicks import our_click, tell_user
from handlers.services import BotServices
from handlers.state.thread_memory import remember_thread
from handlers.ui import ids as c
from handlers.ui.blocks import (
    MODAL_SQL_LIMIT,
    decide_outcome_text,
    edit_modal,
    pending_view,
    proposal_blocks,
    proposal_decided_blocks,
)
from handlers.ui.progress import describe_failure, post_failure

EDIT_HANDOFF_TTL_S = 3600


def _handoff_key(view_id: str) -> str:
    return f"slack:edit:{view_id}"


def open_editor(
    services: BotServices, ack: Ack, body: dict[str, Any], client: WebClient, logger: logging.Logger
) -> None:
    ack()
    click = our_click(body, client, logger)
    if click is None:
        return
    pending = services.sql.get(click.query_id)
    if pending is None or pending.status not in ("pending", "failed"):
        state = "gone (expired)" if pending is None else f"already {pending.status}"
        tell_user(
            client,
            click.channel,
            click.user,
            click.thread_ts,
            f"This query can no longer be edited: it is {state}.",
            logger,
        )
        return
    if len(pending.sql) > MODAL_SQL_LIMIT:  # cut SQL in the box would be proposed as if it were whole
        tell_user(
            client,
            click.channel,
            click.user,
            click.thread_ts,
            f"This SQL is {len(pending.sql):,} characters long; Slack's edit box holds {MODAL_SQL_LIMIT:,}, "
            "so it cannot be edited here. Ask again with a narrower question instead.",
            logger,
        )
        return
    metadata = json.dumps({"q": click.query_id, "c": click.channel, "m": click.message_ts, "t": click.thread_ts})
    try:
        client.views_open(trigger_id=body["trigger_id"], view=edit_modal(pending.sql, metadata))
    except Exception as exc:  # an expired trigger (a slow click) or a Slack error: say so, never fail silently
        logger.warning("could not open the SQL editor", exc_info=exc)
        tell_user(
            client,
            click.channel,
            click.user,
            click.thread_ts,
            f"I could not open the SQL editor. {describe_failure(exc)} Click *Edit* again.",
            logger,
        )


def check_edit(
    services: BotServices, ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: logging.Logger
) -> None:
    """Guard the new SQL before closing the modal; hand the new proposal to the lazy half."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"][c.SQL_EDIT_BLOCK_ID][c.SQL_EDIT_INPUT_ACTION_ID]
    new_sql = (values.get("value") or "").strip()
    user = body["user"]["id"]
    try:
        proposal = services.sql.edit(metadata["q"], new_sql, user=user)
    except Exception as exc:
        ack(response_action="errors", errors={c.SQL_EDIT_BLOCK_ID: describe_failure(exc)[:150]})
        return
    if proposal.pending is None:
        ack(response_action="errors", errors={c.SQL_EDIT_BLOCK_ID: (proposal.message or "refused")[:150]})
        return
    services.kv.set(_handoff_key(view["id"]), proposal.pending.id, ttl_s=EDIT_HANDOFF_TTL_S)
    ack()


def post_edited_proposal(
    services: BotServices, body: dict[str, Any], view: dict[str, Any], client: WebClient, logger: logging.Logger
) -> None:
    metadata = json.loads(view.get("private_metadata") or "{}")
    channel, thread_ts = metadata.get("c", ""), metadata.get("t")
    user = body["user"]["id"]
    new_id = services.kv.get(_handoff_key(view["id"]))
    if not new_id:  # the submission was refused; the modal showed why and stays open
        return
    services.kv.delete(_handoff_key(view["id"]))  # a later submission of the same modal hands off anew
    try:
        pending = services.sql.get(new_id)
        if pending is None:
            raise LookupError("the edited query was not found (it may have expired)")
        old_pending = services.sql.get(metadata["q"])
        if old_pending is not None:
            outcome = decide_outcome_text("Edited", user, time.time(), "replaced by the proposal below")
            old_view = pending_view(old_pending, "")
            client.chat_update(
                channel=channel,
                ts=metadata.get("m", ""),
                text=outcome,
                blocks=proposal_decided_blocks(old_view, outcome),
            )
        new_view = pending_view(pending, "Edited SQL, checked again.")
        if thread_ts:
            remember_thread(services, channel, thread_ts)
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text="Edited SQL — approve to run it.",
            blocks=proposal_blocks(new_view),
        )
    except Exception as exc:
        post_failure(client, channel, thread_ts, "post the edited query", exc, logger)


def register(app: App, services: BotServices) -> None:
    def open_sql_editor(ack: Ack, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        open_editor(services, ack, body, client, logger)

    def check_sql_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any], logger: logging.Logger) -> None:
        check_edit(services, ack, body, view, logger)

    def post_sql_edit(body: dict[str, Any], view: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        post_edited_proposal(services, body, view, client, logger)

    app.action(c.SQL_EDIT_ACTION_ID)(open_sql_editor)
    app.view(c.SQL_EDIT_VIEW_CALLBACK_ID)(ack=check_sql_edit, lazy=[post_sql_edit])
