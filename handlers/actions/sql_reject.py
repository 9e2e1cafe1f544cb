"""Reject on a SQL proposal: it will never run; the proposal says who rejected it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.actions.sql_clicks import mark_proposal, our_click, tell_user
from handlers.services import BotServices
from handlers.state.thread_memory import record_activity
from handlers.ui import ids as c
from handlers.ui.format import escape
from handlers.ui.progress import post_failure


def register(app: App, services: BotServices) -> None:
    def reject_query(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        click = our_click(body, client, logger)
        if click is None:
            return
        try:
            rejection = services.sql.reject(click.query_id, user=click.user)
        except Exception as exc:
            post_failure(client, click.channel, click.thread_ts, "reject the query", exc, logger)
            return
        if not rejection.rejected:  # not allowed, already run, expired: the clicker hears why
            tell_user(
                client,
                click.channel,
                click.user,
                click.thread_ts,
                f"Could not reject: {escape(rejection.message)}",
                logger,
            )
            return
        mark_proposal(client, click, "Rejected", logger)
        question = rejection.query.question if rejection.query else "query"
        record_activity(services, "rejected", question, channel=click.channel, user=click.user)

    app.action(c.SQL_REJECT_ACTION_ID)(ack=acknowledge, lazy=[reject_query])
