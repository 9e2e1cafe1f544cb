"""The product's main use case: route a question, ask the documents and/or the database, decide
what to show.

Slack (mentions, thread follow-ups, direct messages, /ask), the CLI (`python -m bot ask`) and the
REST API all call `Assistant.ask` and render the Reply it returns, so they behave the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from core.answers.base import Answer
from core.assistant.base import DocumentsPart, Reply, ReplyKind, Scope, SourceFailure, SqlPart
from core.limits.base import QuestionLimited
from core.routing.base import Route, RouteKind
from core.sql.generate.followup import is_follow_up

if TYPE_CHECKING:
    from core.answers.answerer import Answerer
    from core.limits.base import QuestionLimits
    from core.llm.base import ChatMessage
    from core.routing.base import QuestionRouter
    from core.sql.databases.base import Database
    from core.sql.models import DatabaseUnavailable
    from core.sql.service import Proposal

log = logging.getLogger(__name__)


class SqlProposer(Protocol):
    """What the assistant asks of the SQL side (core/sql/service.SqlService has it)."""

    def propose(
        self,
        question: str,
        *,
        requester: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        history: list[ChatMessage] | None = None,
    ) -> Proposal: ...


@dataclass(frozen=True)
class Sources:
    """What answers a question: the router, the documents' answerer and the SQL service."""

    router: QuestionRouter
    answerer: Answerer
    sql: SqlProposer


class DatabaseDown:
    """Router and SQL side while the database cannot be reached (the SQL side needs its schema
    before it can be built): every question goes to both sources, so the documents still answer,
    and the SQL part fails with the reason, so the reply says the database is down."""

    def __init__(self, error: DatabaseUnavailable) -> None:
        self.error = error

    def route(self, question: str, channel: str | None) -> Route:
        return Route("both", 0.0, "the database cannot be reached; asked both sources")

    def propose(
        self,
        question: str,
        *,
        requester: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        history: list[ChatMessage] | None = None,
    ) -> Proposal:
        raise self.error


class Assistant:
    def __init__(
        self,
        *,
        router: QuestionRouter,
        answerer: Answerer,
        sql: SqlProposer,
        db: Database,
        limits: QuestionLimits | None = None,
        offline: Sources | None = None,
    ) -> None:
        """limits: question rates and the daily token budget (None: unlimited). offline: the same
        sources without the language model, used once the day's token budget is spent (None: the
        sources above never use one)."""
        self.router = router
        self.answerer = answerer
        self.sql = sql
        self.db = db
        self.limits = limits
        self.offline = offline

    def ask(
        self,
        question: str,
        scope: Scope,
        history: Sequence[ChatMessage] | None = None,
        *,
        addressed: bool = True,
        previous_route: RouteKind | None = None,
    ) -> Reply:
        """Answer from the sources routing picks; every failing source is said in the reply.

        addressed: the question was put to the bot (a mention, a direct message, /ask, the CLI or
        the API). An unaddressed thread follow-up gets a silent reply when nothing was found:
        people chat in threads the bot answered.
        previous_route: where the thread's last answer came from; an elliptical follow-up ("and in
        2024?", "only for Germany") goes there too, since it has no subject of its own to route by.

        Raises QuestionLimited when the asker or the channel is over its rate (an unaddressed
        follow-up gets a silent reply instead).
        """
        if not self._admitted(scope, addressed):
            return Reply(ReplyKind.NOTHING_FOUND, Route("both", 0.0, "not asked: over the question rate"), silent=True)
        sources, notice = self._sources()
        if previous_route is not None and is_follow_up(question):
            route = Route(previous_route, 0.8, f"a follow-up in a thread answered from {previous_route}")
        else:
            route = self._route(sources, question, scope)
        if route.missing:
            # Neither the schema nor the documents know what the question is about: asking them
            # anyway would quote unrelated passages or query the wrong table.
            if not addressed:
                return Reply(ReplyKind.NOTHING_FOUND, route, silent=True)
            missing = Reply(ReplyKind.NOTHING_FOUND, route, known_tables=self._known_tables(), missing=route.missing)
            return _noticed(missing, notice)
        # A two-part question sends each part to its own source.
        documents = sql = None
        if route.kind in ("docs", "both"):
            documents = self._ask_documents(sources, route.parts.get("docs", question), scope, history)
        if route.kind in ("sql", "both"):
            sql = self._ask_sql(sources, route.parts.get("sql", question), scope, history)
        return _noticed(self._compose(route, documents, sql, scope, addressed), notice)

    def ask_documents(self, question: str, scope: Scope, history: Sequence[ChatMessage] | None = None) -> Reply:
        """Answer from the documents only, without routing (rates and budget as for `ask`)."""
        self._admitted(scope, addressed=True)
        sources, notice = self._sources()
        route = Route("docs", 1.0, "asked of the documents only")
        reply = self._compose(route, self._ask_documents(sources, question, scope, history), None, scope, True)
        return _noticed(reply, notice)

    def ask_sql(self, question: str, scope: Scope, history: Sequence[ChatMessage] | None = None) -> Reply:
        """Propose SQL only, without routing (rates and budget as for `ask`); the reply always
        carries the SQL part, even an abstention, since the database was asked directly."""
        self._admitted(scope, addressed=True)
        sources, notice = self._sources()
        part = self._ask_sql(sources, question, scope, history)
        route = Route("sql", 1.0, "asked of the database only")
        return Reply(_kind(None, part), route, sql=part, notice=notice)

    # --- limits -------------------------------------------------------------------------------

    def _admitted(self, scope: Scope, addressed: bool) -> bool:
        """False for an unaddressed follow-up over the rate; raises QuestionLimited for an addressed one."""
        if self.limits is None:
            return True
        refusal = self.limits.admit(scope.user, scope.channel)
        if refusal is None:
            return True
        if not addressed:
            return False
        raise QuestionLimited(refusal)

    def _sources(self) -> tuple[Sources, str | None]:
        """The sources to ask, and what the reply must say about them: without the language model
        once today's token budget is spent."""
        online = Sources(self.router, self.answerer, self.sql)
        if self.limits is None or self.offline is None or not self.limits.budget_spent():
            return online, None
        self.limits.record_offline()
        return self.offline, budget_notice(self.limits.seconds_until_reset())

    # --- sources ------------------------------------------------------------------------------

    def _route(self, sources: Sources, question: str, scope: Scope) -> Route:
        try:
            return sources.router.route(question, scope.channel)
        except Exception as exc:  # routing is a guess; when it cannot guess, ask both
            log.warning("routing failed; answering from both sources", exc_info=True)
            return Route("both", 0.0, f"routing failed ({type(exc).__name__}); asked both sources")

    def _ask_documents(
        self, sources: Sources, question: str, scope: Scope, history: Sequence[ChatMessage] | None
    ) -> DocumentsPart:
        outcome: Answer | SourceFailure
        try:
            outcome = sources.answerer.answer(question, channel=scope.channel, history=_listed(history))
        except Exception as exc:
            log.error("document answer failed", exc_info=exc)
            outcome = SourceFailure(exc)
        degraded = outcome.degraded_by if isinstance(outcome, Answer) else None
        return DocumentsPart(question, outcome, SourceFailure(degraded) if degraded is not None else None)

    def _ask_sql(self, sources: Sources, question: str, scope: Scope, history: Sequence[ChatMessage] | None) -> SqlPart:
        try:
            proposal = sources.sql.propose(
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


def budget_notice(seconds_until_reset: float) -> str:
    minutes = max(1, round(seconds_until_reset / 60))
    hours, minutes = divmod(minutes, 60)
    wait = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return (
        "Today's language-model budget is used up, so this reply was made without the model "
        f"(extracted sentences, offline SQL). The budget resets at midnight UTC, in {wait}."
    )


def _noticed(reply: Reply, notice: str | None) -> Reply:
    return replace(reply, notice=notice) if notice and not reply.silent else reply


def _listed(history: Sequence[ChatMessage] | None) -> list[ChatMessage] | None:
    return list(history) if history is not None else None
