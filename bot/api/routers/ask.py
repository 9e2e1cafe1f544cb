"""/api/v1/ask: the same assistant as a Slack mention (core/assistant), and documents only."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter

from bot.api.problems import problem_responses
from bot.api.schemas import AskRequest
from bot.api.security import ActingUser, ServicesDep
from bot.wiring import Services
from core.answers.base import Answer
from core.assistant import Reply, Scope
from core.feedback.base import AnsweredQuestion

# 429: the asker or the channel is over its question rate (Retry-After says when to ask again).
router = APIRouter(prefix="/ask", tags=["ask"], responses=problem_responses(429))
log = logging.getLogger("bot.api")

REPLY_DESCRIPTION = (
    "The assistant's reply: `kind` (documents, sql, both, clarification, nothing_found), `route` (which "
    "sources were asked and why), `documents` (the question asked of them and the answer with citations, or "
    "the failure), `sql` (the proposal, whose `id` is the pending query to approve, or the failure), "
    "`known_tables` when nothing was found, `answer_id`: rate the documents answer with POST /api/v1/feedback, "
    "and `notice` when the reply was made without the language model (the daily token budget is spent)."
)


def reply_body(services: Services, reply: Reply, question: str, channel: str | None, user: str) -> dict[str, Any]:
    """The reply as JSON; a documents answer is kept for rating, as Slack keeps it for its buttons."""
    answer = reply.documents.outcome if reply.documents else None
    answer_id = None
    if isinstance(answer, Answer) and answer.mode != "none":
        shown = AnsweredQuestion.shown(question, answer, channel=channel or "", asked_by=user)
        try:
            services.feedback.remember(shown)
            answer_id = shown.answer_id
        except Exception:  # the answer matters more than rating it
            log.warning("could not keep the answer for feedback", exc_info=True)
    return {**reply.to_dict(), "answer_id": answer_id}


@router.post("", summary="Ask a question, routed like a Slack mention", response_description=REPLY_DESCRIPTION)
def ask(body: AskRequest, services: ServicesDep, user: ActingUser) -> dict[str, Any]:
    """Answered from the documents, the database (a SQL proposal filed under X-User-Id), or both."""
    reply = services.assistant.ask(body.question, Scope(user=user, channel=body.channel))
    return reply_body(services, reply, body.question, body.channel, user)


@router.post("/documents", summary="Ask the documents only", response_description=REPLY_DESCRIPTION)
def ask_documents(body: AskRequest, services: ServicesDep, user: ActingUser) -> dict[str, Any]:
    """A cited answer from the documents the channel sees (all documents without a channel)."""
    reply = services.assistant.ask_documents(body.question, Scope(user=user, channel=body.channel))
    return reply_body(services, reply, body.question, body.channel, user)
