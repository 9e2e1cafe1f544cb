"""Feedback in the key-value store (the local SQLite file, or Redis in a deployment).

Keys: `feedback:answer:<answer_id>` holds the answered question; `feedback:rating:<answer_id>:<user>`
each rating, written with set-if-absent, so a person rates an answer exactly once even when two
clicks race (double clicks, Slack retries, two processes). No expiry: this is the record that
bad answers are turned into test cases from.
"""

from __future__ import annotations

import json
import time

from core.cache.base import KeyValueStore
from core.feedback.base import RATINGS, AnsweredQuestion, Feedback, FeedbackError, Rating

ANSWER_PREFIX = "feedback:answer:"
RATING_PREFIX = "feedback:rating:"


class KeyValueFeedbackStore:
    def __init__(self, kv: KeyValueStore) -> None:
        self.kv = kv

    def remember(self, answer: AnsweredQuestion) -> None:
        self.kv.set(ANSWER_PREFIX + answer.answer_id, json.dumps(answer.to_dict()))

    def rate(self, answer_id: str, user: str, rating: Rating) -> Feedback | None:
        if rating not in RATINGS:
            raise FeedbackError(f"unknown rating {rating!r}; use one of {', '.join(RATINGS)}")
        if not user or ":" in answer_id:
            raise FeedbackError("a rating needs a person and an answer id")
        raw = self.kv.get(ANSWER_PREFIX + answer_id)
        if raw is None:
            raise FeedbackError("this answer is not known (it may predate feedback buttons)")
        feedback = Feedback(rating, user, time.time(), AnsweredQuestion.from_dict(json.loads(raw)))
        if not self.kv.add(f"{RATING_PREFIX}{answer_id}:{user}", json.dumps(feedback.to_dict())):
            return None
        return feedback

    def all(self) -> list[Feedback]:
        found = []
        for key in self.kv.keys(RATING_PREFIX):
            raw = self.kv.get(key)
            if raw:
                found.append(Feedback.from_dict(json.loads(raw)))
        return sorted(found, key=lambda f: (f.rated_at, f.answer.answer_id, f.user))
