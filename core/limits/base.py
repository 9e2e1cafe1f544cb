"""Question rates and the daily LLM token budget: the policy, what a refusal says, usage per day.

Rates are counted in fixed one-minute windows (a counter per user and per channel, expiring with
its window), so a refusal can say exactly when the next question is welcome. The token budget is
one counter per UTC day of the tokens the language model reported using; once it is spent the
assistant answers without the model (extracted sentences, offline SQL) and says so, rather than
refusing: a degraded answer is still worth more than none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from core.errors import DocBotError

RateKind = Literal["user", "channel"]


@dataclass(frozen=True)
class LimitPolicy:
    """0 means unlimited, for each of the three."""

    user_per_min: int = 0
    channel_per_min: int = 0
    daily_tokens: int = 0


@dataclass(frozen=True)
class RateRefusal:
    """A question refused for its rate: whose limit, how many per minute, when to try again."""

    kind: RateKind
    limit: int
    retry_after_s: float

    @property
    def retry_after_whole_s(self) -> int:
        """Seconds to wait, rounded up (what HTTP's Retry-After carries)."""
        return max(1, math.ceil(self.retry_after_s))

    @property
    def message(self) -> str:
        who = "You have" if self.kind == "user" else "This channel has"
        plural = "s" if self.limit != 1 else ""
        wait = self.retry_after_whole_s
        return (
            f"{who} asked {self.limit} question{plural} in the last minute, which is as many as I take per minute. "
            f"Please try again in {wait} second{'s' if wait != 1 else ''}."
        )


class QuestionLimited(DocBotError):
    """A question refused by a rate limit; the message says when to try again."""

    what = "Too many questions right now"

    def __init__(self, refusal: RateRefusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal

    @property
    def user_message(self) -> str:
        return self.refusal.message  # already a whole, friendly sentence


@dataclass(frozen=True)
class DailyUsage:
    """One UTC day: questions admitted, questions refused for their rate, LLM tokens used, and
    questions answered without the model because the token budget was spent."""

    day: str  # YYYY-MM-DD, UTC
    questions: int = 0
    refused: int = 0
    tokens: int = 0
    offline: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "questions": self.questions,
            "refused": self.refused,
            "tokens": self.tokens,
            "offline": self.offline,
        }


class QuestionLimits(Protocol):
    policy: LimitPolicy

    def admit(self, user: str, channel: str | None) -> RateRefusal | None:
        """Count one question from `user` in `channel`; None when it may be answered, else why not.
        A store that cannot be reached admits (the limits protect the service; they must not stop it)."""
        ...

    def budget_spent(self) -> bool:
        """Whether today's LLM tokens have reached the daily budget (never, without a budget)."""
        ...

    def record_tokens(self, tokens: int) -> None:
        """Count tokens the language model reported using (the token meter of core/llm)."""
        ...

    def record_offline(self) -> None:
        """Count a question answered without the model because the budget was spent."""
        ...

    def seconds_until_reset(self) -> float:
        """Until the budget's day ends (midnight UTC)."""
        ...

    def usage(self, days: int = 7) -> list[DailyUsage]:
        """The last `days` UTC days, today first."""
        ...
