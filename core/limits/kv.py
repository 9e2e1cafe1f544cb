"""Limits counted in the key-value store (Redis, or the local SQLite file): every process of a
deployment shares the counters, and each count is one atomic increment.

A store that fails is logged and the question goes ahead: limits guard the service, and an outage
of their counters must not become an outage of the bot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.limits.base import DailyUsage, LimitPolicy, RateKind, RateRefusal

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

log = logging.getLogger(__name__)

WINDOW_S = 60.0
DAY_S = 86400.0
RATE_PREFIX = "limits:rate:"
USAGE_PREFIX = "usage:"
# Usage counters outlive their day by a week, so stats and App Home can show the last seven days.
USAGE_KEPT_S = 8 * DAY_S


def utc_day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


class KeyValueLimits:
    def __init__(self, kv: KeyValueStore, policy: LimitPolicy, *, clock: Callable[[], float] = time.time) -> None:
        self._kv = kv
        self.policy = policy
        self._clock = clock

    # --- rates --------------------------------------------------------------------------------

    def admit(self, user: str, channel: str | None) -> RateRefusal | None:
        now = self._clock()
        window = int(now // WINDOW_S)
        retry_after = (window + 1) * WINDOW_S - now
        counted: list[str] = []
        checks: list[tuple[RateKind, str, int]] = [
            ("user", user, self.policy.user_per_min),
            ("channel", channel or "", self.policy.channel_per_min),
        ]
        try:
            for kind, who, limit in checks:
                if not limit or not who:  # no limit, or nobody to count (a CLI call without a channel)
                    continue
                key = f"{RATE_PREFIX}{kind}:{who}:{window}"
                if self._kv.increment(key, ttl_s=WINDOW_S + 1) > limit:
                    # Give back what this refused question took from the earlier counters: a busy
                    # channel must not use up the minute of the person it refused.
                    for taken in counted:
                        self._kv.increment(taken, -1)
                    self._count("refused", now)
                    return RateRefusal(kind, limit, retry_after)
                counted.append(key)
            self._count("questions", now)
        except Exception as exc:
            log.warning("question limits unavailable (%s): the question goes ahead uncounted", exc)
        return None

    # --- the token budget ---------------------------------------------------------------------

    def budget_spent(self) -> bool:
        if not self.policy.daily_tokens:
            return False
        try:
            used = int(self._kv.get(self._usage_key(utc_day(self._clock()), "tokens")) or 0)
        except Exception as exc:
            log.warning("token budget unavailable (%s): the language model stays in use", exc)
            return False
        return used >= self.policy.daily_tokens

    def record_tokens(self, tokens: int) -> None:
        if tokens > 0:
            self._count("tokens", self._clock(), tokens)

    def record_offline(self) -> None:
        self._count("offline", self._clock())

    def seconds_until_reset(self) -> float:
        now = self._clock()
        return (now // DAY_S + 1) * DAY_S - now

    # --- usage --------------------------------------------------------------------------------

    def usage(self, days: int = 7) -> list[DailyUsage]:
        now = self._clock()
        out = []
        for back in range(days):
            day = utc_day(now - back * DAY_S)
            counts = {
                field: int(self._kv.get(self._usage_key(day, field)) or 0)
                for field in ("questions", "refused", "tokens", "offline")
            }
            out.append(DailyUsage(day, **counts))
        return out

    @staticmethod
    def _usage_key(day: str, field: str) -> str:
        return f"{USAGE_PREFIX}{day}:{field}"

    def _count(self, field: str, at: float, amount: int = 1) -> None:
        try:
            self._kv.increment(self._usage_key(utc_day(at), field), amount, ttl_s=USAGE_KEPT_S)
        except Exception as exc:
            log.warning("could not count %s usage (%s)", field, exc)
