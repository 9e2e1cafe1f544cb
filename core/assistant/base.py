"""What asking the assistant returns: a typed reply every front end (Slack, CLI, REST) renders.

A reply says which sources it shows and why: a documents answer, a SQL proposal, both, a
clarification the SQL side needs, or that nothing was found. Each shown part keeps the question
it answered (a two-part question sends each part to its own source) and either its result or
the failure that stopped it, so a front end can say exactly what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.answers.base import Answer
from core.errors import DocBotError
from core.routing.base import MissingConcept, Route
from core.sql.service import Proposal

# The neutral sentence when neither source found anything (front ends add their own suggestions).
NOTHING_FOUND = "I couldn't find that in the documents or the data."


def no_data_text(missing: MissingConcept, tables: list[str]) -> str:
    """The honest limit: the question's key concept is in neither the schema nor the documents."""
    known = f"; tables I know: {', '.join(tables)}" if tables else ""
    if missing.as_typed:
        return f"I couldn't find anything about “{missing.text}” in the documents or the data{known}."
    return f"I don't have data about {missing.text}{known}. The documents here don't mention it either."


class ReplyKind(StrEnum):
    DOCUMENTS = "documents"  # an answer from the documents (or why they could not be searched)
    SQL = "sql"  # a SQL proposal to approve, one the guard refused, or why none could be written
    BOTH = "both"  # a documents answer next to a SQL proposal awaiting approval
    CLARIFICATION = "clarification"  # the SQL side needs the question narrowed down
    NOTHING_FOUND = "nothing_found"  # neither source had anything relevant


@dataclass(frozen=True)
class Scope:
    """Who asks and where: what the documents answer may see, and where a SQL proposal is filed."""

    user: str = ""  # the requester: who may approve the proposal (with the approvers)
    channel: str | None = None  # documents of this channel (and workspace-wide ones); None: every document
    thread_ts: str | None = None  # the conversation a proposal belongs to
    direct: bool = False  # a direct message: it sees no channel's documents


@dataclass(frozen=True)
class SourceFailure:
    """A source that failed to answer; the reply says so instead of failing as a whole."""

    error: Exception

    @property
    def message(self) -> str:
        if isinstance(self.error, DocBotError):
            return self.error.user_message
        return f"Something unexpected went wrong ({type(self.error).__name__}: {self.error})."

    def to_dict(self) -> dict[str, str]:
        return {"error": type(self.error).__name__, "message": self.message}


@dataclass(frozen=True)
class DocumentsPart:
    question: str  # what the documents were asked
    outcome: Answer | SourceFailure
    # The answer came, but degraded (the vector index failed: keywords only); its text says so too.
    warning: SourceFailure | None = None

    @property
    def found(self) -> bool:
        """Something to show: an answer with content, or a failure worth reporting."""
        return not (isinstance(self.outcome, Answer) and self.outcome.mode == "none")

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.outcome, SourceFailure):
            return {"question": self.question, "failure": self.outcome.to_dict()}
        answer = self.outcome
        citations = [citation.to_dict() for citation in answer.citations]
        shown = {"question": self.question, "answer": answer.text, "mode": answer.mode, "citations": citations}
        return {**shown, "warning": self.warning.to_dict()} if self.warning else shown


@dataclass(frozen=True)
class SqlPart:
    question: str  # what the SQL side was asked
    outcome: Proposal | SourceFailure

    @property
    def found(self) -> bool:
        """Something to show: a proposal, a clarification, a refusal, or a failure (not an abstention)."""
        return not (isinstance(self.outcome, Proposal) and self.outcome.kind == "abstain")

    @property
    def awaiting_approval(self) -> bool:
        return isinstance(self.outcome, Proposal) and self.outcome.pending is not None

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.outcome, SourceFailure):
            return {"question": self.question, "failure": self.outcome.to_dict()}
        return {"question": self.question, "proposal": self.outcome.to_dict()}


@dataclass(frozen=True)
class Reply:
    """The assistant's reply to one question: what to show, and whether to speak at all."""

    kind: ReplyKind
    route: Route  # which sources were asked, and why
    documents: DocumentsPart | None = None  # shown; for NOTHING_FOUND, the one source's own "not found"
    sql: SqlPart | None = None  # shown (idem)
    known_tables: tuple[str, ...] = ()  # NOTHING_FOUND after asking both sources: what the data covers
    scope_hint: bool = False  # a direct message found nothing: documents shared in channels are not seen here
    missing: MissingConcept | None = None  # NOTHING_FOUND because no source knows this concept
    silent: bool = False  # an unaddressed follow-up found nothing: say nothing
    notice: str | None = None  # said above the reply: how it was made differs (the token budget is spent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "route": {"kind": self.route.kind, "confidence": self.route.confidence, "reason": self.route.reason},
            "documents": self.documents.to_dict() if self.documents else None,
            "sql": self.sql.to_dict() if self.sql else None,
            "known_tables": list(self.known_tables),
            "scope_hint": self.scope_hint,
            "silent": self.silent,
            "missing": self.missing.text if self.missing else None,
            "missing_as_typed": self.missing.as_typed if self.missing else None,
            "notice": self.notice,
        }
