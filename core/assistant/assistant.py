"""The product's main use case: route a question, ask the documents and/or the database, decide
what to show.

Slack (mentions, thread follow-ups, direct messages, /ask), the CLI (`python -m bot ask`) and the
REST API all call `Assistant.ask` and render the Reply it returns, so they behave the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.answers.base import Answer
from core.assistant.base import DocumentsPart, Reply, ReplyKind, Scope, SourceFailure, SqlPart
from core.routing.base import Route

if TYPE_CHECKING:
    from core.answers.answerer import Answerer
    from core.llm.base import ChatMessage
    from core.routing.base import QuestionRouter
    from core.sql.databases.base import Database
    from core.sql.service import SqlService

log = logging.getLogger(__name__)


class Assistant:
    def __init__(self, *, router: QuestionRouter, answerer: Answerer, sql: SqlService, db: Database) -> None:
        self.router = router
        self.answerer = answerer
        self.sql = sql
        self.db = db

    def ask(
        self,
        question: str,
        scope: Scope,
        history: Sequence[ChatMessage] | None = None,
        *,
        addressed: bool = True,
    ) -> Reply:
        """Answer from the sources routing picks; every failing source is said in the reply.

        addressed: the question was put to the bot (a mention, a direct message, /ask, the CLI or
        the API). An unaddressed thread follow-up gets a silent reply when nothing was found:
        people chat in threads the bot answered.
        """
        route = self._route(question, scope)
        # A two-part question sends each part to its own source.
        documents = sql = None
        if route.kind in ("docs", "both"):
            documents = self._ask_documents(route.parts.get("docs", question), scope, history)
        if route.kind in ("sql", "both"):
            sql = self._ask_sql(route.parts.get("sql", question), scope, history)
        return self._compose(route, documents, sql, scope, addressed)

    def ask_documents(self, question: str, scope: Scope, history: Sequence[ChatMessage] | None = None) -> Reply:
        """Answer from the documents only, without routing."""
        route = Route("docs", 1.0, "asked of the documents only")
        return self._compose(route, self._ask_documents(question, scope, history), None, scope, True)

    # --- sources ------------------------------------------------------------------------------

    def _route(self, question: str, scope: Scope) -> Route:
        try:
            return self.router.route(question, scope.channel)
        except Exception as exc:  # routing is a guess; when it cannot guess, ask both
            log.warning("routing failed; answering from both sources", exc_info=True)
            return Route("both", 0.0, f"routing failed ({type(exc).__name__}); asked both sources")

    def _ask_documents(self, question: str, scope: Scope, history: Sequence[ChatMessage] | None) -> DocumentsPart:
        outcome: Answer | SourceFailure
        try:
            outcome = self.answerer.answer(question, channel=scope.channel, history=_listed(history))
        except Exception as exc:
            log.error("document answer failed", exc_info=exc)
            outcome = SourceFailure(exc)
        degraded = outcome.degraded_by if isinstance(outcome, Answer) else None
        return DocumentsPart(question, outcome, SourceFailure(degraded) if degraded is not None else None)

    def _ask_sql(self, question: str, scope: Scope, history: Sequence[ChatMessage] | None) -> SqlPart:
        try:
            proposal = self.sql.propose(
                question,
                requester=scope.user,
                channel=scope.channel,
                thread_ts=scope.thread_ts,
                history=_listed(history),
            )
        except Exception as exc:
            log.error("SQL proposal failed", exc_info=exc)
            return SqlPart(question, SourceFailure(exc))
        return SqlPart(question, proposal)

    def _known_tables(self) -> tuple[str, ...]:
        try:
            return tuple(table.name for table in self.db.tables())
        except Exception:  # a hint, not the answer: leave the tables out
            log.warning("could not list the database tables for a hint", exc_info=True)
            return ()

    # --- what to show -------------------------------------------------------------------------

    def _compose(
        self, route: Route, documents: DocumentsPart | None, sql: SqlPart | None, scope: Scope, addressed: bool
    ) -> Reply:
        asked = [part for part in (documents, sql) if part is not None]
        if not any(part.found for part in asked):
            if not addressed:
                return Reply(ReplyKind.NOTHING_FOUND, route, silent=True)
            scope_hint = scope.direct and documents is not None
            if route.kind == "both":  # one neutral reply rather than two "not found"s
                return Reply(ReplyKind.NOTHING_FOUND, route, known_tables=self._known_tables(), scope_hint=scope_hint)
            # One source asked: its own words say what it could not find.
            return Reply(ReplyKind.NOTHING_FOUND, route, documents=documents, sql=sql, scope_hint=scope_hint)
        shown_documents = documents if documents is not None and documents.found else None
        # Next to a documents answer, a SQL clarification (or failure) is noise; a proposal to approve is not.
        shown_sql = (
            sql if sql is not None and sql.found and (sql.awaiting_approval or shown_documents is None) else None
        )
        return Reply(_kind(shown_documents, shown_sql), route, documents=shown_documents, sql=shown_sql)


def _kind(documents: DocumentsPart | None, sql: SqlPart | None) -> ReplyKind:
    if documents is not None:
        return ReplyKind.BOTH if sql is not None else ReplyKind.DOCUMENTS
    if sql is not None and not isinstance(sql.outcome, SourceFailure) and sql.outcome.kind == "clarification":
        return ReplyKind.CLARIFICATION
    return ReplyKind.SQL


def _listed(history: Sequence[ChatMessage] | None) -> list[ChatMessage] | None:
    return list(history) if history is not None else None
