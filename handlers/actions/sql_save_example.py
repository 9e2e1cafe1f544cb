"""Save as example under a result: the question -> SQL pair becomes training for next time."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.actions.sql_clicks import our_click, tell_user
from handlers.services import BotServices
from handlers.ui import ids as c
from handlers.ui.format import escape
from handlers.ui.progress import describe_failure


def register(app: App, services: BotServices) -> None:
    def save_example(body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        click = our_click(body, client, logger)
        if click is None:
            return
        try:
            outcome = services.sql.save_example(click.query_id, user=click.user)
        except Exception as exc:
            tell_user(
                client,
                click.channel,
                click.user,
                click.thread_ts,
                f"Could not save the example: {describe_failure(exc)}",
                logger,
            )
            return
        text = outcome.message if outcome.saved else f"Not saved: {outcome.message}"
        tell_user(client, click.channel, click.user, click.thread_ts, escape(text), logger)

    app.action(c.SQL_SAVE_EXAMPLE_ACTION_ID)(ack=acknowledge, lazy=[save_example])
