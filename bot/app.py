"""The Bolt app: one factory for every entry point (HTTP, Lambda, Socket Mode, the emulator)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from handlers import register_listeners
from handlers.state.dedup import dedup_middleware

if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.services import BotServices

RATE_LIMIT_RETRIES = 3  # each waits the Retry-After Slack sends with its 429
SERVER_ERROR_RETRIES = 3  # 5xx: Slack's own advice is to retry with backoff
CONNECTION_RETRIES = 2  # refused, reset or timed-out connections
# 0.5 s, 1 s, 2 s (+ jitter): a blip passes, an outage fails within seconds rather than minutes.
BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.5)
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
AUTH_TEST_TIMEOUT_S = 2
UNAUTHORISED_STATUS = 503  # auth.test failed: not acknowledged, so Slack delivers the event again


class GatewayErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's server-error handler retries 500 and 503; a proxy in front of Slack also answers 502 and 504."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in RETRYABLE_STATUSES


def retry_handlers() -> list[RetryHandler]:
    connection_errors: list[type[Exception]] = [URLError, ConnectionResetError, RemoteDisconnected, TimeoutError]
    return [
        ConnectionErrorRetryHandler(
            max_retry_count=CONNECTION_RETRIES, interval_calculator=BACKOFF, error_types=connection_errors
        ),
        GatewayErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=BACKOFF),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def build_client(settings: Settings) -> WebClient:
    """Every Web API call goes to SLACK_API_URL; 5xx, timeouts and dropped connections are retried with
    backoff, and a 429 waits Retry-After."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        timeout=int(settings.slack_timeout_s),
        retry_handlers=retry_handlers(),
    )


def require_auth_test(client: WebClient) -> Callable[..., BoltResponse]:
    """Runs auth.test once before Bolt's authorization, answering 503 while it fails.

    Bolt's own single-workspace authorization answers a failed auth.test with a 200 (meant for
    users of a slash command), so Slack would count the event as delivered and never retry it.
    """
    verified: list[bool] = []
    # Inside the 3-second ack budget: one quick try, no backoff; Slack's own retry is the next try.
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=AUTH_TEST_TIMEOUT_S, retry_handlers=[])

    def authorised_or_retry_later(
        body: dict[str, Any], logger: logging.Logger, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if not verified and body.get("type") != "url_verification" and "ssl_check" not in body:
            try:
                quick.auth_test()
            except Exception as exc:  # Slack down, token revoked: do not acknowledge what we cannot answer
                logger.error("auth.test failed (%s); answering %s so Slack delivers again", exc, UNAUTHORISED_STATUS)
                return BoltResponse(status=UNAUTHORISED_STATUS, body="")
            verified.append(True)
        return next()

    return authorised_or_retry_later


def build_app(
    settings: Settings,
    services: BotServices,
    *,
    client: WebClient | None = None,
    token_verification: bool = False,
    verify_requests: bool = True,
) -> App:
    """A Bolt App with every listener registered.

    process_before_response: the HTTP response waits for the acknowledgement, which every
    listener gives at once; the work runs in lazy listeners (threads here, a self-invocation on
    Lambda). auth.test runs on the first request instead of at start-up (token_verification=False),
    so building the app never needs the network. verify_requests=False only in queue workers: their
    requests come from the queue, verified by `serve` when they arrived (the signature's timestamp
    may be older than Slack's five minutes by the time a redelivered task runs).
    """
    if not settings.slack_signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified without it")
    if client is None and not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) is needed to reply in Slack")
    client = client or build_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        request_verification_enabled=verify_requests,
        process_before_response=True,
        token_verification_enabled=token_verification,
        before_authorize=require_auth_test(client),
        logger=logging.getLogger("bot.slack"),
        name="bot",
    )
    # Bolt logs the full body of a request whose signature fails at INFO; the HTTP edge refuses those
    # before Bolt, and this keeps any that reach it (another entry point) out of the logs.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    # Before the ack: the store with short timeouts (Services.ack_kv), failing open past them.
    app.use(dedup_middleware(getattr(services, "ack_kv", None) or services.kv))
    register_listeners(app, services)
    return app
