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

LambdaHandler = Callable[[dict, Any], dict]


def event_path(event: dict) -> str:
    """The request path of a Function URL / API Gateway v2 or v1 event."""
    return (
        event.get("rawPath")
        or event.get("path")
        or ((event.get("requestContext") or {}).get("http") or {}).get("path")
        or ""
    )


def _event_body(event: dict) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def _reply(status: int, message: str) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"error": message}),
    }


def build_lambda_handler(settings: Settings, services: Services, *, lambda_client: Any | None = None) -> LambdaHandler:
    """A handler(event, context) over one Bolt app; `lambda_client` replaces boto3's (tests)."""
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    from bot.app import build_app
    from bot.request_checks import body_problem

    bolt = build_app(settings, services)
    slack = SlackRequestHandler(bolt)
    if lambda_client is not None:
        bolt.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(slack.logger, lambda_client=lambda_client)
    rest: list[Callable] = []  # Mangum over FastAPI, built on the first non-Slack request

    def handle(event: dict, context: Any) -> dict:
        if not isinstance(event, dict):
            return _reply(400, "not an HTTP event")
        if event_path(event) in SLACK_PATHS:
            headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
            try:
                problem = body_problem(_event_body(event), headers.get("content-type", ""))
            except (ValueError, TypeError):
                problem = "body is not valid base64"
            if problem:
                return _reply(400, f"not a Slack request: {problem}")
            event.setdefault("isBase64Encoded", False)
            return slack.handle(event, context)
        if not rest:
            from mangum import Mangum

            from bot.http_app import create_http_app

            rest.append(Mangum(create_http_app(settings, services, bolt_app=bolt), lifespan="off"))
        return rest[0](event, context)

    return handle


_handler: list[LambdaHandler] = []


def handler(event: dict, context: Any) -> dict:
    """The function's configured handler: `bot.lambda_handler.handler`."""
    if not _handler:
        from bot.wiring import configure_logging, services_factory

        services = services_factory()
        configure_logging(services.settings)
        _handler.append(build_lambda_handler(services.settings, services))
    return _handler[0](event, context)
