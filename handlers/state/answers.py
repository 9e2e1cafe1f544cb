"""Answers kept for their 👍 / 👎 buttons (core/feedback stores them)."""

from __future__ import annotations

import logging

from core.answers.base import Answer
from core.feedback.base import AnsweredQuestion
from handlers.services import BotServices


def remember_answer(
    services: BotServices, question: str, answer: Answer, *, channel: str, user: str, logger: logging.Logger
) -> str | None:
    """Keep the answer; its id goes on the buttons (None: the answer is shown without them)."""
    shown = AnsweredQuestion.shown(question, answer, channel=channel, asked_by=user)
    try:
        services.feedback.remember(shown)
    except Exception:  # the answer matters more than the buttons under it
        logger.warning("could not store the answer for feedback", exc_info=True)
        return None
    return shown.answer_id
