"""Start-up check: a Redis without persistence or with an eviction policy is reported (or refused)."""

from __future__ import annotations

import os
import subprocess
import sys

import redis

from bot.redis_checks import durability_problems


def test_a_redis_without_persistence_or_with_eviction_is_reported(private_redis: str) -> None:
    problems = durability_problems(private_redis)  # started with --save "" --appendonly no
    assert any("persistence is off" in p for p in problems)
    client = redis.Redis.from_url(private_redis)
    client.config_set("appendonly", "yes")
    client.config_set("maxmemory-policy", "allkeys-lru")
    problems = durability_problems(private_redis)
    assert not any("persistence" in p for p in problems)
    assert any("allkeys-lru" in p for p in problems)
    client.config_set("maxmemory-policy", "noeviction")
    assert durability_problems(private_redis) == []


def test_serve_refuses_a_forgetful_redis_when_told_to(tmp_path, private_redis: str) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "REDIS_URL": private_redis,
        "REDIS_REQUIRE_DURABLE": "true",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "9"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "persistence is off" in out.stderr
