"""Dedup before the ack fails open within Slack's budget when Redis freezes or dies."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time

import redis
from slack_bolt import BoltRequest, BoltResponse

from core.cache.base import KeyValueUnavailable
from core.cache.redis_store import RedisKeyValueStore
from handlers.state.dedup import dedup_middleware

ACK_TIMEOUT_S = 0.3


def _request(body: dict) -> BoltRequest:
    return BoltRequest(body=json.dumps(body), headers={"content-type": "application/json"})


def _freeze(url: str, seconds: float) -> threading.Thread:
    """DEBUG SLEEP blocks the whole server, as a stalled disk or a long Lua script would."""

    def sleep() -> None:
        redis.Redis.from_url(url, socket_timeout=seconds + 5).execute_command("DEBUG", "SLEEP", seconds)

    thread = threading.Thread(target=sleep, daemon=True)
    thread.start()
    time.sleep(0.2)  # the server is now asleep
    return thread


def test_a_frozen_redis_costs_the_ack_a_fraction_of_a_second_and_the_event_is_processed(private_redis: str) -> None:
    kv = RedisKeyValueStore.from_url(private_redis, prefix="t:", timeout_s=ACK_TIMEOUT_S)
    assert kv.add("warm", "1")  # the connection exists before the freeze
    middleware = dedup_middleware(kv)
    body = {"type": "event_callback", "event_id": "EvFROZEN"}
    frozen = _freeze(private_redis, 3)
    started = time.perf_counter()
    response = middleware(_request(body), body, logging.getLogger("test"), lambda: BoltResponse(status=200, body="ok"))
    elapsed = time.perf_counter() - started
    frozen.join()
    assert response.body == "ok", "fails open: processed, not dropped"
    assert elapsed < 1.0, f"the ack waited {elapsed:.2f} s on a frozen Redis"


def test_a_paused_redis_fails_open_too(private_redis: str) -> None:
    kv = RedisKeyValueStore.from_url(private_redis, prefix="t:", timeout_s=ACK_TIMEOUT_S)
    kv.get("warm")
    redis.Redis.from_url(private_redis).execute_command("CLIENT", "PAUSE", 3000, "ALL")
    middleware = dedup_middleware(kv)
    body = {"type": "event_callback", "event_id": "EvPAUSED"}
    started = time.perf_counter()
    response = middleware(_request(body), body, logging.getLogger("test"), lambda: BoltResponse(status=200, body="ok"))
    assert response.body == "ok" and time.perf_counter() - started < 1.0


def test_services_use_short_timeouts_before_the_ack(tmp_path, private_redis: str) -> None:
    from bot.settings import Settings
    from bot.wiring import Services

    services = Services(Settings(DATA_DIR=str(tmp_path), REDIS_URL=private_redis))
    assert services.ack_kv is not services.kv
    frozen = _freeze(private_redis, 2)
    started = time.perf_counter()
    with contextlib.suppress(KeyValueUnavailable):
        services.ack_kv.get("anything")
    assert time.perf_counter() - started < 1.0
    frozen.join()
