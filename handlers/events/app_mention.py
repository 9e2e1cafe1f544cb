"""@bot <question> in a channel: a threaded answer, a SQL proposal, or both."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.conversation import answer_message_event
from handlers.services import BotServices


def register(app: App, services: BotServices) -> None:
    def answer_mention_lazily(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        answer_message_event(services, event, context, client, logger)

    app.event("app_mention")(ack=acknowledge, lazy=[answer_mention_lazily])
