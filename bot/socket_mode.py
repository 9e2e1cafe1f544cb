"""Socket Mode: Slack pushes events over a WebSocket, so no public URL is needed (development)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pydantic import SecretStr

from core.errors import DocBotError

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.settings import Settings
    from handlers.services import BotServices


class SocketModeNotConfigured(DocBotError, ValueError):
    """A setting Socket Mode needs is missing or Slack refused it; the message names it."""

    what = "Socket Mode cannot start"


def start_socket_mode(settings: Settings, services: BotServices) -> SocketModeHandler:
    """Connects and returns the handler; events are served on its threads until `handler.close()`.

    The WebSocket URL comes from apps.connections.open on the app's Web API client, so
    SLACK_API_URL points Socket Mode at another Slack (the local emulator) too.
    """
    if not settings.slack_app_token:
        raise SocketModeNotConfigured(
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with the "
            "connections:write scope (Slack app settings → Basic Information → App-Level Tokens)"
        )
    if not settings.slack_app_token.get_secret_value().startswith("xapp-"):
        raise SocketModeNotConfigured("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if not settings.slack_bot_token:
        raise SocketModeNotConfigured("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) is needed to reply")
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import build_app

    # Socket Mode requests are not signed; Bolt skips verification for them, the secret is unused.
    secret = settings.slack_signing_secret or SecretStr("socket-mode")
    app = build_app(settings.model_copy(update={"slack_signing_secret": secret}), services)
    handler = SocketModeHandler(app, app_token=settings.slack_app_token.get_secret_value())
    try:
        handler.connect()
    except SlackApiError as exc:
        handler.close()
        raise SocketModeNotConfigured(
            f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}): check the app-level token "
            "and that Socket Mode is enabled for the app"
        ) from None
    return handler


def run_socket_mode(settings: Settings, services: BotServices) -> None:
    """Connect and serve until interrupted."""
    handler = start_socket_mode(settings, services)
    try:
        threading.Event().wait()
    finally:
        handler.close()
