"""Limits that protect the service and its bill: question rates per user and channel, a daily LLM token budget."""

from core.limits.base import DailyUsage, LimitPolicy, QuestionLimited, QuestionLimits, RateRefusal

__all__ = ["DailyUsage", "LimitPolicy", "QuestionLimited", "QuestionLimits", "RateRefusal"]
