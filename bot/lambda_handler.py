"""AWS Lambda entry point: Slack through Bolt's Lambda adapter, everything else through Mangum.

Slack paths use lazy listeners that re-invoke this same function (`InvocationType=Event`; the
function needs `lambda:InvokeFunction` on itself). The re-invocation arrives with method "NONE"
and the same path, so it is dispatched here the same way. Other paths (the REST API) go to the
FastAPI app through Mangum, in the same image.

Importing this module loads only the standard library; the app, its services and any heavy
library are built on the first request and kept for the life of the instance.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.wiring import Services

log = logging.getLogger("bot.lambda")

SLACK_PATHS = ("/slack/events",)

# Events and responses are JSON objects; the context is Lambda's runtime object (read with getattr).
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def event_path(event: dict[str, Any]) -> str:
    """The request path of a Function URL / API Gateway v2 or v1 event."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return event.get("rawPath") or event.get("path") or http.get("path") or ""


def _event_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def slack_event_id(event: dict[str, Any]) -> str | None:
    """The Events API `event_id` of a Function URL event's body (also in its lazy re-invocation)."""
    try:
        body = json.loads(_event_body(event))
    except (ValueError, TypeError):  # form-encoded interactivity, junk: no event id
        return None
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return event_id if isinstance(event_id, str) else None


def _reply(status: int, message: str) -> dict[str, Any]:
    body = json.dumps({"error": message})
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


def build_lambda_handler(settings: Settings, services: Services, *, lambda_client: Any | None = None) -> LambdaHandler:
    """A handler(event, context) over one Bolt app; `lambda_client` replaces boto3's (tests)."""
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    from bot.app import build_app
    from bot.request_checks import refuse_slack_request

    bolt = build_app(settings, services)
    slack = SlackRequestHandler(bolt)
    if lambda_client is not None:
        bolt.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(slack.logger, lambda_client=lambda_client)
    rest: list[LambdaHandler] = []  # Mangum over FastAPI, built on the first non-Slack request

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if not isinstance(event, dict):
            return _reply(400, "not an HTTP event")
        from bot.logs import log_context

        with log_context(request_id=getattr(context, "aws_request_id", None), slack_event_id=slack_event_id(event)):
            return route(event, context)

    def route(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event_path(event) in SLACK_PATHS:
            headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
            # Bolt's own re-invocation (method "NONE", from Lambda itself, not a URL) is checked by Bolt.
            if event.get("method") != "NONE":
                try:
                    refusal = refuse_slack_request(
                        _event_body(event), headers, settings.slack_signing_secret.get_secret_value()
                    )
                except (ValueError, TypeError):
                    return _reply(400, "not a Slack request: body is not valid base64")
                if refusal:
                    return _reply(refusal.status, refusal.reason)
            event.setdefault("isBase64Encoded", False)
            response: dict[str, Any] = slack.handle(event, context)
            return response
        if not rest:
            from mangum import Mangum

            from bot.http_app import create_http_app

            rest.append(Mangum(create_http_app(settings, services, bolt_app=bolt), lifespan="off"))
        return rest[0](event, context)

    return handle


_handler: list[LambdaHandler] = []


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's configured handler: `bot.lambda_handler.handler`."""
    if not _handler:
        from bot.wiring import SettingsError, configure_logging, load_settings, services_factory

        try:
            configure_logging(load_settings())
            services = services_factory()
        except SettingsError as exc:
            # Refuse to start: the message names the variables to set; Lambda reports the error.
            log.error("%s", exc)
            raise
        seed_matplotlib_cache()
        _handler.append(build_lambda_handler(services.settings, services))
    return _handler[0](event, context)


def seed_matplotlib_cache() -> None:
    """Copy the font cache built into the image to MPLCONFIGDIR under /tmp (the only writable disk).

    matplotlib ignores a cache directory it cannot write to and rebuilds its font list in a
    temporary one, about a second on every cold start that draws a chart.
    """
    import os
    import shutil

    seed, target = os.environ.get("MPLCONFIGDIR_SEED"), os.environ.get("MPLCONFIGDIR")
    if seed and target and os.path.isdir(seed) and not os.path.exists(target):
        shutil.copytree(seed, target)
