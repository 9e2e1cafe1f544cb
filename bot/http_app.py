"""The HTTP entry point: the REST API (bot/api) plus Slack's events, interactivity and slash commands.

`POST /slack/events` takes all three kinds of Slack request; `/api/v1/…` is the REST API (its
OpenAPI at /docs and /openapi.json), `GET /healthz` liveness and `GET /readyz` readiness.
A body that is neither JSON nor Slack's form encoding gets 400 before Bolt sees it: Bolt's adapter
answers 500 to such a body, and Slack retries 5xx answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bot.request_checks import body_problem

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.settings import Settings
    from bot.wiring import Services

SLACK_PATH = "/slack/events"


def create_http_app(settings: Settings, services: Services, *, bolt_app: App | None = None) -> FastAPI:
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from starlette.concurrency import run_in_threadpool

    from bot.api import create_api
    from bot.app import build_app

    bolt = bolt_app or build_app(settings, services)
    api = create_api(services)

    @api.post(SLACK_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        problem = body_problem(await request.body(), request.headers.get("content-type", ""))
        if problem:
            return JSONResponse({"error": f"not a Slack request: {problem}"}, status_code=400)
        # Under Mangum on Lambda, Bolt's Lambda lazy runner needs the original event to re-invoke.
        event, context = request.scope.get("aws.event"), request.scope.get("aws.context")
        extra = (
            {"lambda_request": event, "aws_lambda_invoked_function_arn": context.invoked_function_arn}
            if event is not None and context is not None
            else None
        )
        bolt_request = to_bolt_request(request, await request.body(), extra)
        # Bolt is synchronous: dispatch in a worker thread so one slow ack never stalls the others.
        return to_starlette_response(await run_in_threadpool(bolt.dispatch, bolt_request))

    api.state.bolt_app = bolt
    return api
