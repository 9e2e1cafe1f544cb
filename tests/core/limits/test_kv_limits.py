"""Question rates and the token budget, counted in both real key-value stores (SQLite and Redis)."""

from __future__ import annotations

import threading

import pytest

from core.cache.redis_store import RedisKeyValueStore
from core.limits.base import LimitPolicy
from core.limits.kv import KeyValueLimits

# 2026-12-07 10:00:15 UTC: 15 s into a minute, 10 h into a day.
NOON_ISH = 1796637615.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.services)])
def kv(request):
    return request.getfixturevalue(f"{request.param}_kv")


def test_a_person_over_their_rate_is_told_when_the_minute_ends(kv):
    clock = Clock(NOON_ISH)
    limits = KeyValueLimits(kv, LimitPolicy(user_per_min=3), clock=clock)
    assert [limits.admit("U1", "C1") for _ in range(3)] == [None, None, None]
    refusal = limits.admit("U1", "C1")
    assert refusal is not None and refusal.kind == "user" and refusal.limit == 3
    assert refusal.retry_after_s == pytest.approx(45.0) and refusal.retry_after_whole_s == 45
    assert "3 questions in the last minute" in refusal.message and "try again in 45 seconds" in refusal.message
    assert limits.admit("U2", "C1") is None  # someone else is not held back
    clock.now += 45.0  # the next minute
    assert limits.admit("U1", "C1") is None


def test_a_busy_channel_refuses_everyone_in_it_but_not_elsewhere(kv):
    limits = KeyValueLimits(kv, LimitPolicy(user_per_min=2, channel_per_min=2), clock=Clock(NOON_ISH))
    assert limits.admit("U1", "C1") is None
    assert limits.admit("U2", "C1") is None
    refusal = limits.admit("U3", "C1")
    assert refusal is not None and refusal.kind == "channel" and "This channel has" in refusal.message
    # U1's question refused by the channel is given back: U1 still has its second question elsewhere.
    assert limits.admit("U1", "C1") is not None
    assert limits.admit("U1", "C2") is None
    assert limits.admit("U1", "C3") is not None  # now U1's own two are used


def test_without_limits_or_without_a_channel_nothing_is_refused(kv):
    unlimited = KeyValueLimits(kv, LimitPolicy(), clock=Clock(NOON_ISH))
    assert all(unlimited.admit("U1", "C1") is None for _ in range(20))
    per_channel = KeyValueLimits(kv, LimitPolicy(channel_per_min=1), clock=Clock(NOON_ISH))
    assert all(per_channel.admit("cli", None) is None for _ in range(5))


def test_concurrent_questions_never_exceed_the_rate(kv):
    limits = KeyValueLimits(kv, LimitPolicy(user_per_min=5), clock=Clock(NOON_ISH))
    admitted = []

    def ask() -> None:
        if limits.admit("U1", "C1") is None:
            admitted.append(1)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 5


def test_the_token_budget_is_spent_for_the_rest_of_the_utc_day(kv):
    clock = Clock(NOON_ISH)
    limits = KeyValueLimits(kv, LimitPolicy(daily_tokens=1000), clock=clock)
    limits.record_tokens(600)
    assert not limits.budget_spent()
    limits.record_tokens(400)
    assert limits.budget_spent()
    assert limits.seconds_until_reset() == pytest.approx(14 * 3600 - 15)
    clock.now += limits.seconds_until_reset()  # midnight UTC
    assert not limits.budget_spent()
    assert not KeyValueLimits(kv, LimitPolicy(), clock=clock).budget_spent()  # no budget: never spent


def test_usage_is_kept_per_day_today_first(kv):
    clock = Clock(NOON_ISH)
    limits = KeyValueLimits(kv, LimitPolicy(user_per_min=1), clock=clock)
    limits.admit("U1", "C1")
    limits.admit("U1", "C1")  # refused
    limits.record_tokens(250)
    clock.now += 86400.0
    limits.admit("U1", "C1")
    limits.record_offline()
    today, yesterday, *earlier = limits.usage(days=3)
    assert today.to_dict() == {"day": "2026-12-08", "questions": 1, "refused": 0, "tokens": 0, "offline": 1}
    assert yesterday.to_dict() == {"day": "2026-12-07", "questions": 1, "refused": 1, "tokens": 250, "offline": 0}
    assert [d.questions for d in earlier] == [0]


def test_a_store_that_cannot_be_reached_lets_questions_through(caplog):
    from tests.conftest import free_port

    dead = RedisKeyValueStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    limits = KeyValueLimits(dead, LimitPolicy(user_per_min=1, channel_per_min=1, daily_tokens=10))
    assert limits.admit("U1", "C1") is None and limits.admit("U1", "C1") is None
    limits.record_tokens(100)  # not counted, not raised
    assert not limits.budget_spent()
    assert "question limits unavailable" in caplog.text and "token budget unavailable" in caplog.text
