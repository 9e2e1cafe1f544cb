"""The Bolt app: one factory for every entry point (HTTP, Lambda, Socket Mode, the emulator)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from handlers import register_listeners
from handlers.state.dedup import dedup_middleware

if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.services import BotServices

RATE_LIMIT_RETRIES = 3  # each waits the Retry-After Slack sends with its 429


def build_client(settings: Settings) -> WebClient:
    """Every Web API call goes to SLACK_API_URL; a 429 waits Retry-After and tries again."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def build_app(settings: Settings, services: BotServices, *, client: WebClient | None = None, token_verification: bool = False) -> App:
    """A Bolt App with every listener registered.

    process_before_response: the HTTP response waits for the acknowledgement, which every
    listener gives at once; the work runs in lazy listeners (threads here, a self-invocation on
    Lambda). auth.test runs on the first request instead of at start-up (token_verification=False),
    so building the app never needs the network.
    """
    if not settings.slack_signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified without it")
    if client is None and not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) is needed to reply in Slack")
    app = App(
        client=client or build_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=True,
        token_verification_enabled=token_verification,
        logger=logging.getLogger("bot.slack"),
        name="bot",
    )
    app.use(dedup_middleware(services.kv))
    register_listeners(app, services)
    return app
