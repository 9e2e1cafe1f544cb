"""Feedback: the records and the store protocol.

An answer is remembered when it is given (question, answer text, citations, where it was
asked), under an id that the buttons carry; a rating copies all of it, so a 👎 can become a test
case later even if the documents have changed since.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from core.errors import DocBotError

if TYPE_CHECKING:
    from core.answers.base import Answer

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")


class FeedbackError(DocBotError):
    """A rating that cannot be recorded (unknown answer, bad rating); the message says why."""

    what = "The rating could not be recorded"


@dataclass
class AnsweredQuestion:
    answer_id: str
    question: str
    answer: str
    citations: list[dict[str, Any]]  # core.answers.base.Citation.to_dict()
    mode: str  # how the answer was made: llm, extractive
    channel: str
    asked_by: str
    created: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def shown(cls, question: str, answer: Answer, *, channel: str, asked_by: str) -> AnsweredQuestion:
        """A documents answer as shown with rating buttons, under a new id for them to carry."""
        citations = [c.to_dict() for c in answer.citations]
        return cls(uuid.uuid4().hex, question, answer.text, citations, answer.mode, channel, asked_by, time.time())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnsweredQuestion:
        return cls(
            answer_id=data["answer_id"],
            question=data["question"],
            answer=data["answer"],
            citations=list(data.get("citations") or []),
            mode=data.get("mode", ""),
            channel=data.get("channel", ""),
            asked_by=data.get("asked_by", ""),
            created=float(data.get("created", 0.0)),
        )


@dataclass
class Feedback:
    rating: Rating
    user: str
    rated_at: float
    answer: AnsweredQuestion
    comment: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rating": self.rating,
            "user": self.user,
            "rated_at": self.rated_at,
            "comment": self.comment,
            **self.answer.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Feedback:
        return cls(
            rating=data["rating"],
            user=data["user"],
            rated_at=float(data["rated_at"]),
            answer=AnsweredQuestion.from_dict(data),
            comment=data.get("comment", ""),
        )


class FeedbackStore(Protocol):
    def remember(self, answer: AnsweredQuestion) -> None:
        """Keep an answer that was shown with rating buttons."""
        ...

    def rate(self, answer_id: str, user: str, rating: Rating) -> Feedback | None:
        """Record one person's rating of an answer; None when that person already rated it.
        Raises FeedbackError for an unknown answer or rating."""
        ...

    def all(self) -> list[Feedback]:
        """Every rating, oldest first."""
        ...
