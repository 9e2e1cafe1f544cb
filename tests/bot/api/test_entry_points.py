"""The REST API is what `python -m bot serve` (bot/http_app.py) and the Lambda image serve, next to Slack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from bot.http_app import SLACK_PATH, create_http_app
from bot.lambda_handler import build_lambda_handler
from bot.wiring import Services
from tests.bot.api.support import API_KEY, AUTH, make_services

SLACK = {"SLACK_SIGNING_SECRET": "signing-secret", "SLACK_BOT_TOKEN": "xoxb-test"}


def slack_services(tmp_path: Path, minilm: object) -> Services:
    return make_services(tmp_path, minilm, **SLACK)


def function_url_event(path: str, headers: dict[str, str]) -> dict:
    """A Lambda Function URL (payload format 2.0) GET."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.lambda-url.us-east-1.on.aws", **{k.lower(): v for k, v in headers.items()}},
        "requestContext": {
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
            "requestId": "req-1",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def test_serve_mounts_the_api_next_to_slack(tmp_path: Path, minilm: object) -> None:
    services = slack_services(tmp_path, minilm)
    client = TestClient(create_http_app(services.settings, services))
    assert client.get("/api/v1/stats", headers=AUTH).status_code == 200
    assert client.get("/api/v1/stats").status_code == 401
    # Slack's endpoint answers next to the API: unsigned requests are refused (401) before their shape is
    # looked at (bot/request_checks.py), and a signed body that is no Slack request is a 400, never a 500.
    assert client.post(SLACK_PATH, content=b"junk", headers={"content-type": "text/plain"}).status_code == 401
    now = str(int(time.time()))
    signed = {
        "content-type": "text/plain",
        "x-slack-request-timestamp": now,
        "x-slack-signature": SignatureVerifier(SLACK["SLACK_SIGNING_SECRET"]).generate_signature(
            timestamp=now, body="junk"
        ),
    }
    assert client.post(SLACK_PATH, content=b"junk", headers=signed).status_code == 400
    paths = client.get("/openapi.json", headers=AUTH).json()["paths"]
    assert SLACK_PATH not in paths  # Slack's endpoint is not part of the REST API


def test_lambda_routes_api_paths_through_mangum(tmp_path: Path, minilm: object) -> None:
    services = slack_services(tmp_path, minilm)
    handler = build_lambda_handler(services.settings, services, lambda_client=object())
    context = SimpleNamespace(function_name="docbot", invoked_function_arn="arn:aws:lambda:x", aws_request_id="r")
    answered = handler(function_url_event("/api/v1/training/schema", {"X-API-Key": API_KEY}), context)
    assert answered["statusCode"] == 200 and "orders" in {t["name"] for t in json.loads(answered["body"])["tables"]}
    refused = handler(function_url_event("/api/v1/training/schema", {}), context)
    assert refused["statusCode"] == 401 and refused["headers"]["content-type"] == "application/problem+json"
