"""The Lambda entry point: Function URL events through Bolt's Lambda adapter with lazy listeners.

The self-invocation goes to a fake Lambda client (the one piece of AWS we cannot run here); the
test feeds what it received back into the handler, as Lambda would, and the Slack side is the
local emulator's Web API.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.parse
from types import SimpleNamespace

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.emulator.emulator import SlackEmulator
from handlers.ui import ids as c
from tests.slack_helpers import mention_envelope

SECRET = "lambda-signing-secret"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:docbot"


class FakeLambdaClient:
    """Records boto3 `lambda.invoke` calls instead of invoking anything."""

    def __init__(self) -> None:
        self.invocations: list[dict] = []

    def invoke(self, **kwargs) -> dict:
        self.invocations.append(kwargs)
        return {"StatusCode": 202}


def lambda_context() -> SimpleNamespace:
    return SimpleNamespace(function_name="docbot", invoked_function_arn=FUNCTION_ARN, aws_request_id="req-1")


def function_url_event(
    body: str, content_type: str, *, path: str = "/slack/events", sign: bool = True, base64_body: bool = False
) -> dict:
    """A Lambda Function URL (payload format 2.0) event, signed as Slack signs."""
    now = str(int(time.time()))
    headers = {"content-type": content_type, "host": "abc.lambda-url.us-east-1.on.aws", "user-agent": "Slackbot 1.0"}
    if sign:
        headers["x-slack-request-timestamp"] = now
        headers["x-slack-signature"] = SignatureVerifier(SECRET).generate_signature(timestamp=now, body=body)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc",
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": {
                "method": "POST" if path.startswith("/slack") else "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "Slackbot 1.0",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2025:00:00:00 +0000",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


@pytest.fixture(scope="module")
def lambda_stack(tmp_path_factory):
    from bot.lambda_handler import build_lambda_handler
    from bot.settings import Settings
    from bot.wiring import Services

    emulator = SlackEmulator(SECRET)
    emulator.start()
    settings = Settings(
        DATA_DIR=str(tmp_path_factory.mktemp("slack-lambda")),
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_API_URL=emulator.api_url,
    )
    services = Services(settings)
    services.train()
    fake = FakeLambdaClient()
    handler = build_lambda_handler(settings, services, lambda_client=fake)
    yield emulator, handler, fake, services
    emulator.stop()


def reinvoke(handler, invocation: dict) -> dict:
    """What Lambda does with an InvocationType=Event invoke: run the function with that payload."""
    return handler(json.loads(invocation["Payload"]), lambda_context())


@pytest.mark.e2e
def test_mention_acks_invokes_itself_once_and_the_reinvocation_answers(lambda_stack) -> None:
    emu, handler, fake, _ = lambda_stack
    fake.invocations.clear()
    ts = emu.user_message("C03DATA", "bob", "lunch?")  # a real message for the reaction to land on
    envelope = mention_envelope(emu, "C03DATA", "U01ALICE", ts, "<@UBOT> How many orders were placed in 2023?")
    calls_before = len(emu.calls("chat.postMessage"))

    response = handler(function_url_event(json.dumps(envelope), "application/json"), lambda_context())

    assert response["statusCode"] == 200
    assert len(fake.invocations) == 1
    invocation = fake.invocations[0]
    assert invocation["FunctionName"] == FUNCTION_ARN and invocation["InvocationType"] == "Event"
    payload = json.loads(invocation["Payload"])
    assert payload["headers"]["x-slack-bolt-lazy-only"] == "1"
    assert payload["headers"]["x-slack-bolt-lazy-function-name"] == "answer_mention_lazily"
    assert len(emu.calls("chat.postMessage")) == calls_before, "the ack does no work"

    assert reinvoke(handler, invocation)["statusCode"] == 200
    assert len(fake.invocations) == 1, "the re-invocation does not invoke again"
    replies = [m for m in emu.bot_messages("C03DATA", ts) if m["ts"] != ts]
    assert len(replies) == 1 and c.SQL_APPROVE_ACTION_ID in json.dumps(replies[0]["blocks"])


@pytest.mark.e2e
def test_approve_click_through_lambda_runs_the_query(lambda_stack) -> None:
    emu, handler, fake, services = lambda_stack
    fake.invocations.clear()
    ts = emu.user_message("C03DATA", "alice", "lunch?")
    envelope = mention_envelope(emu, "C03DATA", "U01ALICE", ts, "<@UBOT> How many orders were placed in 2023?")
    handler(function_url_event(json.dumps(envelope), "application/json"), lambda_context())
    reinvoke(handler, fake.invocations.pop())
    proposal = next(m for m in emu.bot_messages("C03DATA", ts) if m["ts"] != ts)

    # The click, as Slack sends it: form-encoded payload, base64 body on a Function URL.
    from bot.emulator import payloads

    button = next(b for b in proposal["blocks"] if b["type"] == "actions")["elements"][0]
    click = payloads.block_actions(
        emu.ws,
        user=emu.user("alice"),
        channel=emu.channel("C03DATA"),
        message=proposal,
        action=button,
        block_id=c.PROPOSAL_ACTIONS_BLOCK_ID,
        response_url=f"{emu.base_url}actions/T1/x",
        trigger_id="1.2.3",
        is_ephemeral=False,
    )
    body = urllib.parse.urlencode({"payload": json.dumps(click)})
    response = handler(
        function_url_event(body, "application/x-www-form-urlencoded", base64_body=True), lambda_context()
    )
    assert response["statusCode"] == 200 and len(fake.invocations) == 1
    reinvoke(handler, fake.invocations.pop())
    results = [m for m in emu.bot_messages("C03DATA", ts) if "Result:" in m.get("text", "")]
    assert len(results) == 1 and any(b["type"] == "table" for b in results[0]["blocks"])
    query_id = button["value"].split(":", 1)[1]
    assert services.sql.get(query_id).status == "done"


@pytest.mark.e2e
def test_bad_signature_is_401_and_junk_is_400(lambda_stack) -> None:
    emu, handler, fake, _ = lambda_stack
    fake.invocations.clear()
    envelope = json.dumps(mention_envelope(emu, "C03DATA", "U01ALICE", "1.0", "<@UBOT> hi"))
    assert handler(function_url_event(envelope, "application/json", sign=False), lambda_context())["statusCode"] == 401
    for junk in ("", "not json", "payload=%7Bbroken"):
        content_type = "application/x-www-form-urlencoded" if junk.startswith("payload") else "application/json"
        assert handler(function_url_event(junk, content_type), lambda_context())["statusCode"] == 400
    # Unsigned junk: refused at the signature (401) before its body is even decoded.
    assert handler({"rawPath": "/slack/events", "body": "!!!", "isBase64Encoded": True}, lambda_context())[
        "statusCode"
    ] in (400, 401)
    assert handler("not an event", lambda_context())["statusCode"] == 400
    assert fake.invocations == []


@pytest.mark.e2e
def test_other_paths_go_through_mangum_to_fastapi(lambda_stack) -> None:
    _, handler, _, _ = lambda_stack
    event = function_url_event("", "application/json", path="/healthz", sign=False)
    response = handler(event, lambda_context())
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"ok": True}


def test_importing_the_handler_loads_no_heavy_library() -> None:
    heavy = ("docling", "onnxruntime", "pandas", "vanna", "matplotlib", "numpy", "boto3", "fastapi", "slack_bolt")
    code = f"import sys, bot.lambda_handler; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".").stdout
    assert out.strip() == "[]"


@pytest.mark.e2e
def test_fastapi_under_mangum_hands_the_lambda_event_to_bolt(lambda_stack) -> None:
    """The same FastAPI app, deployed alone behind Mangum, still self-invokes instead of threading."""
    from mangum import Mangum
    from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

    from bot.app import build_app
    from bot.http_app import create_http_app

    emu, _, _, services = lambda_stack
    bolt = build_app(services.settings, services)
    fake = FakeLambdaClient()
    bolt.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(bolt.logger, lambda_client=fake)
    asgi = Mangum(create_http_app(services.settings, services, bolt_app=bolt), lifespan="off")
    ts = emu.user_message("C03DATA", "carol", "coffee?")
    envelope = mention_envelope(emu, "C03DATA", "U03CAROL", ts, "<@UBOT> How many orders were placed in 2023?")

    assert asgi(function_url_event(json.dumps(envelope), "application/json"), lambda_context())["statusCode"] == 200
    assert len(fake.invocations) == 1 and [m for m in emu.bot_messages("C03DATA", ts) if m["ts"] != ts] == []
    assert asgi(json.loads(fake.invocations[0]["Payload"]), lambda_context())["statusCode"] == 200
    assert len([m for m in emu.bot_messages("C03DATA", ts) if m["ts"] != ts]) == 1
