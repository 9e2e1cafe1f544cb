"""/api/v1/feedback: a rating of an answer or a query.

Kept in the key-value store (FEEDBACK_PREFIX, FEEDBACK_TTL_S) until the durable feedback store
lands (issue 11, item 3); stats count the ratings.
"""

from __future__ import annotations

import json
import secrets
import time

from fastapi import APIRouter

from bot.api.schemas import FeedbackAdded, FeedbackIn
from bot.api.security import ActingUser, ServicesDep

router = APIRouter(prefix="/feedback", tags=["feedback"])

FEEDBACK_PREFIX = "feedback:"
FEEDBACK_TTL_S = 90 * 24 * 3600


@router.post("", status_code=201, response_model=FeedbackAdded, summary="Rate an answer or a query")
def add_feedback(body: FeedbackIn, services: ServicesDep, user: ActingUser) -> FeedbackAdded:
    feedback_id = f"{int(time.time())}-{secrets.token_hex(4)}"
    entry = {**body.model_dump(), "user": user, "at": time.time()}
    services.kv.set(FEEDBACK_PREFIX + feedback_id, json.dumps(entry), ttl_s=FEEDBACK_TTL_S)
    return FeedbackAdded(id=feedback_id)
