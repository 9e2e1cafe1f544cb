"""Data questions end to end: generate SQL, guard it, hold it for approval, run it once, learn from it.

Slack buttons, the CLI and the REST API call only this. Every outcome of asking and deciding
(unknown id, not allowed, already decided, a refused or failing query, a timeout, the database
down) comes back as a value with a message for the person; exceptions mean a broken dependency
this service cannot describe (the approval store down).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from core.sql.approvals import ApprovalStore, PendingQuery
from core.sql.changes import change_requested, read_only_refusal
from core.sql.explain import LARGE_TABLE_ROWS, PlanEstimate
from core.sql.headers import readable_headers
from core.sql.models import DatabaseUnavailable, QueryResult, SqlError, SqlTimeout
from core.sql.render import summary
from core.sql.results import ResultStore, StoredResult

if TYPE_CHECKING:
    from core.llm.base import ChatMessage
    from core.sql.databases.base import Database
    from core.sql.generate.base import SqlGenerator, SqlProposal
    from core.sql.guard import SqlGuard
    from core.sql.knowledge import Example

log = logging.getLogger(__name__)

# A run still marked "running" this long after its statement timeout must have died.
STALE_MARGIN_S = 60.0
# Shown with the result table; matches render.TABLE_ROWS.
SHOWN_ROWS = 100


@dataclass
class Proposal:
    """What to show after a question or an edit.

    kind "sql": `pending` awaits approval and `sql` is exactly what will run; "clarification" /
    "abstain": the generator's message, nothing to run; "refused": the guard refused `sql`
    (`reason` says why).
    """

    kind: Literal["sql", "clarification", "abstain", "refused"]
    message: str
    sql: str | None = None
    pending: PendingQuery | None = None
    reason: str | None = None
    source: str = "none"  # the generator's source ("saved", "pattern", "llm"), or "edit"
    tables: list[str] = field(default_factory=list)
    similar: list[str] = field(default_factory=list)
    estimate: PlanEstimate | None = None  # the planner's, for kind "sql" on PostgreSQL

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "sql": self.sql,
            "reason": self.reason,
            "id": self.pending.id if self.pending else None,
            "source": self.source,
            "tables": self.tables,
            "similar": self.similar,
        }


# Why a decision on a query was refused (nothing ran, nothing changed): "not_found" (wrong id or
# expired), "not_allowed" (neither the requester nor an approver), "conflict" (already decided,
# running or replaced), "unsafe" (the guard refuses the SQL now).
Refusal = Literal["not_found", "not_allowed", "conflict", "unsafe"]


@dataclass
class Execution:
    """The outcome of an approval. status "refused": nothing ran (`refusal` says why, `message` in words)."""

    status: Literal["done", "failed", "refused"]
    message: str
    result: QueryResult | None = None
    query: PendingQuery | None = None
    can_edit: bool = False  # offer "Edit SQL": the SQL itself was the problem
    replayed: bool = False  # the stored result of an earlier run whose showing failed; nothing ran now
    refusal: Refusal | None = None


@dataclass
class Rejection:
    """The outcome of a reject: done, or why not (then nothing changed)."""

    rejected: bool
    message: str
    query: PendingQuery | None = None
    refusal: Refusal | None = None


@dataclass
class SaveOutcome:
    """Whether a query became a saved example, and the sentence to show either way."""

    saved: bool
    message: str


class ExampleStore(Protocol):
    """Where approved question → SQL pairs are kept for later generation (SqlKnowledge)."""

    def add_example(self, question: str, sql: str) -> str: ...

    def examples(self) -> list[Example]: ...


class SqlService:
    def __init__(
        self,
        *,
        db: Database,
        guard: SqlGuard,
        generator: SqlGenerator,
        approvals: ApprovalStore,
        examples: ExampleStore | None = None,
        approvers: frozenset[str] = frozenset(),
        max_rows: int = 1000,
        timeout_s: float = 15.0,
        large_table_rows: int = LARGE_TABLE_ROWS,
        results: ResultStore | None = None,
    ) -> None:
        """examples: where "Save as example" puts a query that ran well; None disables saving."""
        self.db = db
        self.guard = guard
        self.generator = generator
        self.approvals = approvals
        self.examples = examples
        self.approvers = frozenset(approvers)
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.stale_running_s = timeout_s + STALE_MARGIN_S
        self.large_table_rows = large_table_rows
        self.results = results

    # ---- asking ------------------------------------------------------------------------------

    def propose(
        self,
        question: str,
        *,
        requester: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        history: list[ChatMessage] | None = None,
    ) -> Proposal:
        question = " ".join((question or "").split())
        if not any(ch.isalnum() for ch in question):
            return Proposal(
                "abstain", "Ask a question about the data, for example “How many orders were placed last month?”"
            )
        verb = change_requested(question)
        if verb is not None:  # no query is written for it: a guessed SELECT would mislead, a write would be refused
            return Proposal("refused", read_only_refusal(verb), reason="asks to change the data")
        try:
            generated: SqlProposal = self.generator.generate(question, history)
        except Exception as exc:  # an LLM outage must not break the conversation
            log.warning("SQL generation failed: %s", exc)
            return Proposal("abstain", f"I could not write SQL for that right now: {exc}")
        if generated.kind != "sql" or generated.sql is None or not generated.sql.strip():
            return Proposal(
                "clarification" if generated.kind == "clarification" else "abstain",
                generated.message,
                source=generated.source,
                tables=list(generated.tables),
                similar=list(generated.similar),
            )
        proposal = self._hold(
            generated.sql,
            question=question,
            requester=requester,
            channel=channel,
            thread_ts=thread_ts,
            parent_id=None,
            source=generated.source,
        )
        proposal.similar = list(generated.similar)
        if proposal.kind == "sql" and generated.message:
            proposal.message = f"{generated.message}\n{proposal.message}"
        return proposal

    def propose_saved(
        self, example_id: str, *, requester: str, channel: str | None = None, thread_ts: str | None = None
    ) -> Proposal:
        """A saved question's own SQL, guarded and held for approval like any proposal (a person
        picked it from the saved questions offered on a near miss)."""
        try:
            saved = next((e for e in (self.examples.examples() if self.examples else []) if e.id == example_id), None)
        except Exception as exc:
            log.warning("saved questions unavailable: %s", exc)
            return Proposal("abstain", f"I can't read the saved questions right now: {exc}")
        if saved is None:
            return Proposal("abstain", "That saved question no longer exists; ask your question again.")
        proposal = self._hold(
            saved.sql,
            question=saved.question,
            requester=requester,
            channel=channel,
            thread_ts=thread_ts,
            parent_id=None,
            source="saved",
        )
        if proposal.kind == "sql":
            proposal.message = f"The saved question “{saved.question}”, as it was approved.\n{proposal.message}"
        return proposal

    def edit(self, query_id: str, new_sql: str, *, user: str) -> Proposal:
        """Guard the edited SQL again; it becomes a new pending query linked to the old one."""
        old = self.get(query_id)
        if old is None:
            return Proposal("refused", self._not_found(query_id), reason="unknown query")
        if not self._may_act(old, user):
            return Proposal("refused", self._not_allowed(old, "edit"), reason="not allowed")
        if old.status == "running":
            return Proposal(
                "refused", "This query is running; wait for its result before editing it.", reason="running"
            )
        if old.status == "superseded":
            return Proposal(
                "refused", f"This query was already replaced by {old.replaced_by}; edit that one.", reason="superseded"
            )
        # The asker stays the requester, so they can still approve an approver's correction.
        proposal = self._hold(
            new_sql,
            question=old.question,
            requester=old.requester,
            channel=old.channel,
            thread_ts=old.thread_ts,
            parent_id=old.id,
            source="edit",
        )
        new = proposal.pending
        if (
            new is not None
            and old.status == "pending"
            and not self.approvals.transition(old.id, "pending", "superseded", replaced_by=new.id)
        ):
            # Someone approved the old one meanwhile; both exist, each runs at most once.
            log.info("query %s changed state while being edited", old.id)
        return proposal

    def _hold(
        self,
        sql: str,
        *,
        question: str,
        requester: str,
        channel: str | None,
        thread_ts: str | None,
        parent_id: str | None,
        source: str,
    ) -> Proposal:
        verdict = self.guard.check(sql)
        if not verdict.allowed:
            return Proposal(
                "refused",
                f"This SQL cannot run: {verdict.reason}",
                sql=sql,
                reason=verdict.reason,
                source=source,
                tables=verdict.tables,
            )
        pending = self.approvals.create(
            sql=verdict.sql,
            question=question,
            requester=requester,
            channel=channel,
            thread_ts=thread_ts,
            parent_id=parent_id,
            tables=verdict.tables,
            proposed_sql=sql.strip(),
        )
        message = (
            f"Review this SQL; it runs only when approved (read-only, at most {self.max_rows:,} rows, "
            f"{self.timeout_s:g} s). Query id: {pending.id}"
        )
        estimate, estimate_note = self._estimate(verdict.sql)
        if estimate_note:
            message = f"{estimate_note}\n{message}"
        return Proposal(
            "sql", message, sql=verdict.sql, pending=pending, source=source, tables=verdict.tables, estimate=estimate
        )

    def _estimate(self, sql: str) -> tuple[PlanEstimate | None, str | None]:
        """The planner's estimate and the lines saying it, through the guarded read-only path.
        The proposal stands without it: a failure only says why there is no estimate."""
        try:
            estimate = self.db.explain(sql, timeout_s=min(self.timeout_s, 5.0))
        except SqlError as exc:
            return None, f"No estimate from the database: {_sentence(exc)}"
        if estimate is None:
            return None, None
        return estimate, estimate.describe(self.max_rows, self.large_table_rows)

    # ---- deciding ----------------------------------------------------------------------------

    def get(self, query_id: str) -> PendingQuery | None:
        return self.approvals.get(query_id, stale_running_s=self.stale_running_s)

    def approve(self, query_id: str, *, user: str) -> Execution:
        query = self.get(query_id)
        if query is None:
            return Execution("refused", self._not_found(query_id), refusal="not_found")
        if not self._may_act(query, user):
            return Execution("refused", self._not_allowed(query, "run"), query=query, refusal="not_allowed")
        unshown = self._unshown_result(query)
        if unshown is not None:  # it ran, but nobody saw the result: show it again, never run it again
            return Execution("done", unshown.summary, result=unshown.result, query=query, replayed=True)
        if query.status not in ("pending", "failed"):
            return Execution("refused", _status_message(query), query=query, refusal="conflict")
        verdict = self.guard.check(query.sql)  # again: the schema or the rules may have changed
        if not verdict.allowed:
            self.approvals.transition(query.id, query.status, "failed", error=verdict.reason)
            message = f"This SQL cannot run: {verdict.reason}"
            return Execution("refused", message, query=self.get(query.id), can_edit=True, refusal="unsafe")
        token = secrets.token_hex(8)
        if not self.approvals.transition(
            query.id, query.status, "running", approved_by=user, run_token=token, error=None
        ):
            current = self.get(query.id)
            if current is None:
                return Execution("refused", self._not_found(query_id), refusal="not_found")
            return Execution("refused", _status_message(current), query=current, refusal="conflict")
        return self._run(query.id, verdict.sql, token)

    def _run(self, query_id: str, sql: str, token: str) -> Execution:
        mine = {"run_token": token}
        try:
            result = self.db.run_readonly(sql, max_rows=self.max_rows, timeout_s=self.timeout_s)
        except SqlTimeout as exc:
            return self._failed(
                query_id, mine, f"{_sentence(exc)} Narrow it down (filters, fewer rows) and edit it.", True
            )
        except DatabaseUnavailable as exc:
            return self._failed(
                query_id, mine, f"{_sentence(exc)} Nothing ran; approve it again when the database is back.", False
            )
        except SqlError as exc:
            message = f"The database refused the query: {_sentence(exc)} You can edit the SQL."
            return self._failed(query_id, mine, message, True)
        except BaseException as exc:
            self.approvals.transition(query_id, "running", "failed", where=mine, error=f"Internal error: {exc}")
            raise
        result = replace(result, columns=readable_headers(result.columns, sql, self.db.dialect))
        line = summary(result, shown_rows=SHOWN_ROWS)
        if self.results is not None:  # stored before anyone is told, so a failed post is re-posted, not re-run
            try:
                self.results.save(query_id, line, result)
            except Exception:  # the store being down must not hide a result we hold
                log.warning("could not store the result of query %s", query_id, exc_info=True)
        if not self.approvals.transition(query_id, "running", "done", where=mine, result_summary=line):
            log.warning("query %s finished but its record had changed (expired or marked stale)", query_id)
        return Execution("done", line, result=result, query=self.get(query_id))

    def stored_result(self, query_id: str) -> StoredResult | None:
        """The result of a query that ran, as stored after its run (None: never ran, or expired)."""
        return self.results.get(query_id) if self.results is not None else None

    def result_shown(self, query_id: str) -> None:
        """Someone has now seen the result: a later Approve says "already ran" instead of showing it."""
        if self.results is not None:
            self.results.mark_posted(query_id)

    def _unshown_result(self, query: PendingQuery) -> StoredResult | None:
        if query.status != "done":
            return None
        stored = self.stored_result(query.id)
        return stored if stored is not None and not stored.posted else None

    def _failed(self, query_id: str, mine: dict[str, Any], message: str, can_edit: bool) -> Execution:
        self.approvals.transition(query_id, "running", "failed", where=mine, error=message)
        return Execution("failed", message, query=self.get(query_id), can_edit=can_edit)

    def reject(self, query_id: str, *, user: str) -> Rejection:
        """Mark a pending (or failed) query rejected, so it never runs; or say why that is not possible."""
        query = self.get(query_id)
        if query is None:
            return Rejection(False, self._not_found(query_id), refusal="not_found")
        if not self._may_act(query, user):
            return Rejection(False, self._not_allowed(query, "reject"), query=query, refusal="not_allowed")
        if query.status not in ("pending", "failed") or not self.approvals.transition(
            query.id, query.status, "rejected", approved_by=user
        ):
            current = self.get(query.id) or query
            return Rejection(False, _status_message(current), query=current, refusal="conflict")
        rejected = self.get(query.id) or query
        return Rejection(True, _status_message(rejected), query=rejected)

    # ---- learning ----------------------------------------------------------------------------

    def save_example(self, query_id: str, *, user: str) -> SaveOutcome:
        """Store the question → SQL of a query that ran well, for later generation.

        Only the requester or an approver may teach the generator: a saved example is reused for
        everyone's later questions."""
        query = self.get(query_id)
        if query is None:
            return SaveOutcome(False, self._not_found(query_id))
        if not self._may_act(query, user):
            return SaveOutcome(False, self._not_allowed(query, "save"))
        if self.examples is None:
            return SaveOutcome(False, "Saving examples is not configured for this bot.")
        if query.status != "done" or not query.question.strip():
            return SaveOutcome(
                False, "Only a query that ran successfully can become an example. " + _status_message(query)
            )
        if query.saved_example:
            return SaveOutcome(True, "This example is already saved.")
        sql = query.proposed_sql or query.sql
        try:
            self.examples.add_example(query.question, sql)
        except Exception as exc:  # an embedding or vector-store outage: not saved, say so
            log.warning("could not save query %s as an example: %s", query.id, exc)
            return SaveOutcome(False, f"The example store is unavailable right now ({exc}); try again later.")
        self.approvals.update(query.id, saved_example=True)
        return SaveOutcome(True, "Saved: next time this question (or a close paraphrase) gets this SQL.")

    # ---- rules -------------------------------------------------------------------------------

    def _may_act(self, query: PendingQuery, user: str) -> bool:
        return bool(user) and (user == query.requester or user in self.approvers)

    def _not_found(self, query_id: str) -> str:
        hours = self.approvals.ttl_s / 3600
        return f"There is no query {query_id!r}: the id is wrong, or it expired (pending queries last {hours:g} hours)."

    def _not_allowed(self, query: PendingQuery, verb: str) -> str:
        return f"Only the person who asked ({query.requester}) or an approver can {verb} this query."


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _status_message(query: PendingQuery) -> str:
    by = f" by {query.approved_by}" if query.approved_by else ""
    return {
        "pending": "This query is waiting for approval.",
        "running": f"This query is already running (approved{by}).",
        "done": f"This query already ran (approved{by}): {query.result_summary or 'done'}.",
        "failed": f"This query failed: {query.error}",
        "rejected": f"This query was rejected{by}.",
        "superseded": f"This query was replaced by an edited version ({query.replaced_by}).",
    }[query.status]
