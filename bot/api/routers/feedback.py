"""/api/v1/feedback: a 👍 or 👎 on a documents answer, as Slack's buttons give (core/feedback).

The answer is named by the `answer_id` that /api/v1/ask returned; each person's first rating of
an answer counts (X-User-Id names the person).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from bot.api.problems import problem_responses
from bot.api.schemas import FeedbackIn, FeedbackOut
from bot.api.security import DecidingUser, ServicesDep

router = APIRouter(prefix="/feedback", tags=["feedback"])


@router.post(
    "",
    status_code=201,
    response_model=FeedbackOut,
    summary="Rate a documents answer",
    responses=problem_responses(409, 422),
)
def rate_answer(body: FeedbackIn, services: ServicesDep, user: DecidingUser) -> FeedbackOut:
    recorded = services.feedback.rate(body.answer_id, user, body.rating)  # FeedbackError: 422 with the reason
    if recorded is None:
        raise HTTPException(409, "You already rated this answer; each person's first rating counts.")
    return FeedbackOut(
        answer_id=body.answer_id, rating=recorded.rating, user=recorded.user, question=recorded.answer.question
    )
