"""The app factory and its edges: configuration errors, dedup keys, request checks, failure text."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from slack_bolt import BoltRequest, BoltResponse

from bot.request_checks import body_problem
from bot.settings import Settings
from handlers.state.dedup import claim_file, dedup_middleware, delivery_key, finish_file, release_file, wait_for_file
from handlers.ui.progress import describe_failure


def _settings(**values) -> Settings:
    return Settings(**{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", **values})


def test_build_app_names_missing_configuration(local_kv) -> None:
    from bot.app import build_app

    services = SimpleNamespace(kv=local_kv)
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        build_app(_settings(SLACK_SIGNING_SECRET=""), services)
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        build_app(_settings(SLACK_BOT_TOKEN=""), services)


def test_client_goes_to_the_configured_api_url_and_retries_429() -> None:
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.app import build_client

    client = build_client(_settings(SLACK_API_URL="http://127.0.0.1:9/api/"))
    assert client.base_url == "http://127.0.0.1:9/api/"
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)


def test_delivery_keys() -> None:
    assert delivery_key({"type": "event_callback", "event_id": "Ev1"})[0] == "slack:event:Ev1"
    click = {
        "type": "block_actions",
        "actions": [{"action_id": "sql_approve"}],
        "container": {"message_ts": "1.2"},
        "user": {"id": "U1"},
    }
    assert delivery_key(click)[0] == "slack:click:sql_approve:1.2:U1"
    assert delivery_key({**click, "actions": [{"action_id": "sql_edit"}]}) is None, "reopening the editor is allowed"
    assert delivery_key({"type": "view_submission"}) is None
    assert delivery_key({"command": "/ask"}) is None


def _bolt_request(body: dict, **headers: str) -> BoltRequest:
    return BoltRequest(body=json.dumps(body), headers={"content-type": "application/json", **headers})


def test_duplicate_is_acknowledged_with_200_and_not_processed(local_kv) -> None:
    middleware = dedup_middleware(local_kv)
    calls = []

    def next_() -> BoltResponse:
        calls.append(1)
        return BoltResponse(status=200, body="processed")

    body = {"type": "event_callback", "event_id": "EvDUP"}
    logger = logging.getLogger("test")
    assert middleware(_bolt_request(body), body, logger, next_).body == "processed"
    duplicate = middleware(_bolt_request(body, **{"x-slack-retry-num": "1"}), body, logger, next_)
    assert duplicate.status == 200 and duplicate.body == "" and len(calls) == 1
    # Lambda's lazy re-invocation carries the same body: it must run.
    middleware(_bolt_request(body, **{"x-slack-bolt-lazy-only": "1"}), body, logger, next_)
    assert len(calls) == 2


def test_store_down_processes_rather_than_drops() -> None:
    from core.cache.redis_store import RedisKeyValueStore

    down = RedisKeyValueStore.from_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    middleware = dedup_middleware(down)
    body = {"type": "event_callback", "event_id": "EvDOWN"}
    response = middleware(
        _bolt_request(body), body, logging.getLogger("test"), lambda: BoltResponse(status=200, body="ok")
    )
    assert response.body == "ok"


def test_the_two_file_events_claim_a_file_once_per_channel(local_kv) -> None:
    assert claim_file(local_kv, "C1", "F1") is not None
    assert claim_file(local_kv, "C1", "F1") is None
    assert claim_file(local_kv, "C2", "F1") is not None, "the same file shared in another channel is linked there"


def test_a_question_waits_for_the_file_another_event_is_indexing(local_kv) -> None:
    lease = claim_file(local_kv, "C1", "F1")
    assert wait_for_file(local_kv, "C1", "F1", timeout_s=0.3) is False, "still being indexed by the claimant"
    finish_file(lease)
    assert wait_for_file(local_kv, "C1", "F1", timeout_s=0.3) is True
    assert claim_file(local_kv, "C1", "F1") is None, "an indexed file is not indexed again"


def test_a_failed_file_is_released_but_its_twin_event_is_still_dropped(local_kv) -> None:
    release_file(claim_file(local_kv, "C1", "F2"))
    assert wait_for_file(local_kv, "C1", "F2", timeout_s=0.3) is True, "a waiting question goes on"
    assert claim_file(local_kv, "C1", "F2") is None, "the other announcement of the same share"


def test_a_claim_whose_holder_died_expires_with_its_lease(local_kv) -> None:
    """A SIGKILL during ingestion used to leave the file "ingesting" for 24 h."""
    assert claim_file(local_kv, "C1", "F3", lease_s=0.5) is not None  # the holder dies: nobody renews
    assert wait_for_file(local_kv, "C1", "F3", timeout_s=3) is True
    assert claim_file(local_kv, "C1", "F3") is not None, "sharing it again indexes it"


def test_a_live_holder_keeps_its_claim_past_the_lease(local_kv) -> None:
    lease = claim_file(local_kv, "C1", "F4", lease_s=0.6)
    with lease.kept_alive():
        time.sleep(1.5)
        assert claim_file(local_kv, "C1", "F4") is None, "renewed while working"
    finish_file(lease)
    assert claim_file(local_kv, "C1", "F4") is None


@pytest.mark.parametrize(
    ("body", "content_type", "ok"),
    [
        (b'{"type": "event_callback"}', "application/json", True),
        (b"payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded", True),
        (b"command=%2Fask&text=hi", "application/x-www-form-urlencoded", True),
        (b"", "application/json", False),
        (b"{broken", "application/json", False),
        (b'"a string"', "application/json", False),
        (b"\xff\xfe", "application/json", False),
        (b"a=b", "application/x-www-form-urlencoded", False),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded", False),
    ],
)
def test_body_problem(body, content_type, ok) -> None:
    assert (body_problem(body, content_type) is None) == ok


def test_failures_are_described_specifically() -> None:
    from slack_sdk.errors import SlackApiError

    from core.llm.base import LlmUnavailable
    from core.sql.models import DatabaseUnavailable

    assert describe_failure(LlmUnavailable("timeout after 30 s")).startswith("The language model is not reachable")
    assert "database is not reachable" in describe_failure(DatabaseUnavailable("connection refused"))
    slack = SlackApiError("failed", SimpleNamespace(get=lambda key, default=None: "ratelimited"))
    assert "ratelimited" in describe_failure(slack)
    assert "<script>" not in describe_failure(RuntimeError("<script>"))


def test_socket_mode_needs_an_app_token(local_kv) -> None:
    from bot.socket_mode import SocketModeNotConfigured, run_socket_mode

    with pytest.raises(SocketModeNotConfigured, match="SLACK_APP_TOKEN"):
        run_socket_mode(_settings(), SimpleNamespace(kv=local_kv))
    with pytest.raises(SocketModeNotConfigured, match="xapp-"):
        run_socket_mode(_settings(SLACK_APP_TOKEN="xoxb-wrong"), SimpleNamespace(kv=local_kv))


def test_socket_command_exits_2_with_the_reason(tmp_path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "SLACK_APP_TOKEN": "", "SLACK_SIGNING_SECRET": "s"}
    out = subprocess.run([sys.executable, "-m", "bot", "socket"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "SLACK_APP_TOKEN" in out.stderr
