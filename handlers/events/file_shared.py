"""The `file_shared` event: one of the two announcements of a shared file."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.ack import acknowledge
from handlers.events.file_ingest import ingest_shared_file
from handlers.services import BotServices


def register(app: App, services: BotServices) -> None:
    def ingest_file_shared(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        channel = event.get("channel_id")
        if not channel:  # shared nowhere we can reply: nothing to index for a channel
            return
        ingest_shared_file(
            services, client, logger, file_id=event["file_id"], channel=channel, team_id=context.team_id or ""
        )

    def shared_by_someone_else(event: dict[str, Any], context: BoltContext) -> bool:
        # The bot's own uploads (result CSVs, charts) are answers, not documents.
        return event.get("user_id") != context.bot_user_id

    app.event("file_shared", matchers=[shared_by_someone_else])(ack=acknowledge, lazy=[ingest_file_shared])
    app.event("file_shared")(acknowledge)
