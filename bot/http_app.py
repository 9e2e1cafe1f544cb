"""The HTTP entry point: the REST API (bot/api) plus Slack's events, interactivity and slash commands.

`POST /slack/events` takes all three kinds of Slack request; `/api/v1/…` is the REST API (its
OpenAPI at /docs and /openapi.json), `GET /healthz` liveness and `GET /readyz` readiness.
Before Bolt sees a Slack request it is read at most MAX_BODY_BYTES (413 past that, from Content-Length
and again while streaming, so a huge body is never buffered), its signature is checked (401) and
its shape (400): Bolt answers 500 to what it cannot read, and Slack retries 5xx answers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.request_checks import MAX_BODY_BYTES, Refusal, refuse_slack_request, size_refusal

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.metrics import Metrics
    from bot.settings import Settings
    from bot.wiring import Services
    from bot.work_queue import SlackTaskQueue

log = logging.getLogger("bot.http")

SLACK_PATH = "/slack/events"


def refusal_response(refusal: Refusal) -> Response:
    return JSONResponse({"error": refusal.reason}, status_code=refusal.status)


async def read_capped_body(request: Request) -> bytes | Refusal:
    """The body, read only up to MAX_BODY_BYTES: a liar's Content-Length is caught while streaming."""
    refusal = size_refusal(request.headers.get("content-length"))
    if refusal:
        return refusal
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return Refusal(413, f"body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def use_work_queue(bolt: App, queue: SlackTaskQueue, metrics: Metrics | None = None) -> None:
    """Lazy listeners go to the durable queue (python -m bot worker) instead of this process's threads."""
    from bot.work_queue import QueueLazyListenerRunner

    runner = bolt.listener_runner
    runner.lazy_listener_runner = QueueLazyListenerRunner(
        queue, runner.lazy_listener_runner, log, on_enqueued=metrics.task_enqueued if metrics is not None else None
    )


def create_http_app(settings: Settings, services: Services, *, bolt_app: App | None = None) -> FastAPI:
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from starlette.concurrency import run_in_threadpool

    from bot.api import create_api
    from bot.app import build_app

    metrics: Metrics | None = getattr(services, "metrics", None)
    if bolt_app is None:
        bolt = build_app(settings, services)
        queue = getattr(services, "work_queue", None)
        if queue is not None:
            use_work_queue(bolt, queue, metrics)
    else:
        bolt = bolt_app
    api = create_api(services)

    @api.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        if metrics is None:
            return JSONResponse({"error": "metrics are not configured"}, status_code=404)
        return Response(metrics.exposition(), media_type=METRICS_CONTENT_TYPE)

    def answered(response: Response) -> Response:
        if metrics is not None:
            metrics.request_answered(response.status_code)
        return response

    @api.post(SLACK_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return answered(await handle_slack(request))

    async def handle_slack(request: Request) -> Response:
        body = await read_capped_body(request)
        if isinstance(body, Refusal):
            return refusal_response(body)
        headers = {name.lower(): value for name, value in request.headers.items()}
        refusal = refuse_slack_request(body, headers, settings.slack_signing_secret.get_secret_value())
        if refusal:
            log.info("refused a request to %s: %s", SLACK_PATH, refusal.reason)  # never the body: it is unverified
            return refusal_response(refusal)
        # Under Mangum on Lambda, Bolt's Lambda lazy runner needs the original event to re-invoke.
        event, context = request.scope.get("aws.event"), request.scope.get("aws.context")
        extra = (
            {"lambda_request": event, "aws_lambda_invoked_function_arn": context.invoked_function_arn}
            if event is not None and context is not None
            else None
        )
        try:
            bolt_request = to_bolt_request(request, body, extra)
            # Bolt is synchronous: dispatch in a worker thread so one slow ack never stalls the others.
            return to_starlette_response(await run_in_threadpool(bolt.dispatch, bolt_request))
        except Exception:  # a signed body Bolt cannot read: Slack's fault or ours, never worth a retry
            log.warning("Bolt could not handle a signed request", exc_info=True)
            if metrics is not None:
                metrics.error("slack_dispatch")
            return refusal_response(Refusal(400, "the request could not be read"))

    api.state.bolt_app = bolt
    return api
