"""Socket Mode: Slack pushes events over a WebSocket, so no public URL is needed (development)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.services import BotServices


class SocketModeNotConfigured(ValueError):
    """A setting Socket Mode needs is missing; the message names it."""


def run_socket_mode(settings: Settings, services: BotServices) -> None:
    """Connect and serve until interrupted."""
    if not settings.slack_app_token:
        raise SocketModeNotConfigured(
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with the "
            "connections:write scope (Slack app settings → Basic Information → App-Level Tokens)"
        )
    if not settings.slack_app_token.startswith("xapp-"):
        raise SocketModeNotConfigured("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if not settings.slack_bot_token:
        raise SocketModeNotConfigured("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) is needed to reply")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app

    # Socket Mode requests are not signed; Bolt skips verification for them, the secret is unused.
    app = build_app(settings.model_copy(update={"slack_signing_secret": settings.slack_signing_secret or "socket-mode"}), services)
    SocketModeHandler(app, app_token=settings.slack_app_token).start()
