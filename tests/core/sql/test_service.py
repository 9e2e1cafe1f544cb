"""SqlService end to end on a real SQLite file (and a real, unreachable PostgreSQL address)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from core.sql.approvals import ApprovalStore
from core.sql.databases.base import PostgresDatabase, SqliteDatabase
from core.sql.generate.base import SqlProposal
from core.sql.guard import SqlGuard
from core.sql.knowledge import Example, example_id
from core.sql.service import SqlService
from tests.conftest import free_port

APPROVER = "UBOSS"


class FixedGenerator:
    """A generator with canned answers: the real ones live in core/sql/generate/."""

    def __init__(self, answers: dict[str, SqlProposal]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def generate(self, question: str, history: list[dict] | None = None) -> SqlProposal:
        self.calls.append(question)
        if question == "explode":
            raise RuntimeError("the LLM is unreachable")
        return self.answers.get(question) or SqlProposal("abstain", None, "I don't know how to answer that.")


class RecordedExamples:
    """An example store that keeps what it is given (or fails like a store that is down)."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.saved: list[tuple[str, str]] = []
        self.failure = failure

    def add_example(self, question: str, sql: str) -> str:
        if self.failure is not None:
            raise self.failure
        self.saved.append((question, sql))
        return question

    def examples(self) -> list[Example]:
        if self.failure is not None:
            raise self.failure
        return [Example(question, sql, source="saved") for question, sql in self.saved]


def sql(text: str, source: str = "pattern") -> SqlProposal:
    return SqlProposal("sql", text, "", tables=["orders"], source=source)


ANSWERS = {
    "how many orders": sql("SELECT count(*) AS n FROM orders"),
    "count them": sql("SELECT COUNT(*), SUM(total) FROM orders"),
    "all orders": sql("SELECT id, total FROM orders ORDER BY id"),
    "orders and then some": sql("SELECT 1; DROP TABLE orders"),
    "broken": sql("SELECT no_such_column FROM orders"),
    "forever": sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"),
    "which customer?": SqlProposal("clarification", None, "Which customer do you mean: Zoë or Bob?"),
}


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL, note TEXT);")
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(i, i * 1.5, f"note {i}") for i in range(1, 121)])
    conn.commit()
    conn.close()
    return path


def make_service(
    db, kv, *, examples=None, max_rows: int = 1000, timeout_s: float = 5.0, tables: set[str] | None = None
) -> SqlService:
    guard = SqlGuard(db.dialect, tables or {t.name for t in db.tables()}, default_limit=1000)
    return SqlService(
        db=db,
        guard=guard,
        generator=FixedGenerator(ANSWERS),
        approvals=ApprovalStore(kv),
        examples=examples,
        approvers=frozenset({APPROVER}),
        max_rows=max_rows,
        timeout_s=timeout_s,
    )


@pytest.fixture
def service(shop: Path, local_kv) -> SqlService:
    return make_service(SqliteDatabase(shop), local_kv)


def test_question_to_result(service: SqlService) -> None:
    proposal = service.propose("how many orders", requester="U1", channel="C1", thread_ts="1.1")
    assert proposal.kind == "sql" and proposal.pending is not None
    assert proposal.sql == "SELECT count(*) AS n FROM orders LIMIT 1000" == proposal.pending.sql
    assert proposal.pending.id in proposal.message and proposal.source == "pattern"
    assert (proposal.pending.channel, proposal.pending.thread_ts) == ("C1", "1.1")

    run = service.approve(proposal.pending.id, user="U1")
    assert run.status == "done" and run.result.rows == [(120,)]
    assert run.message == "1 row · " + run.message.split(" · ")[1]
    assert run.query.status == "done" and run.query.approved_by == "U1" and run.query.result_summary == run.message

    again = service.approve(proposal.pending.id, user="U1")
    assert again.status == "refused" and "already ran" in again.message and again.result is None


def test_only_the_requester_or_an_approver(service: SqlService) -> None:
    pending = service.propose("how many orders", requester="U1").pending
    stranger = service.approve(pending.id, user="U2")
    assert stranger.status == "refused" and "Only the person who asked (U1) or an approver" in stranger.message
    refused = service.reject(pending.id, user="U2")
    assert not refused.rejected and "or an approver" in refused.message
    assert service.edit(pending.id, "SELECT 1 FROM orders", user="U2").kind == "refused"
    assert service.get(pending.id).status == "pending"
    assert service.approve(pending.id, user=APPROVER).status == "done"


def test_concurrent_approvals_run_once(service: SqlService) -> None:
    pending = service.propose("all orders", requester="U1").pending
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        outcomes.append(service.approve(pending.id, user=APPROVER).status)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done"] + ["refused"] * 5


def test_reject(service: SqlService) -> None:
    pending = service.propose("how many orders", requester="U1").pending
    rejected = service.reject(pending.id, user=APPROVER)
    assert rejected.rejected and rejected.query.status == "rejected" and rejected.query.approved_by == APPROVER
    assert "rejected" in service.approve(pending.id, user="U1").message
    again = service.reject(pending.id, user="U1")
    assert not again.rejected and "rejected" in again.message
    missing = service.reject("missing", user="U1")
    assert not missing.rejected and "no query" in missing.message


def test_generated_attack_is_refused_and_nothing_is_pending(service: SqlService) -> None:
    proposal = service.propose("orders and then some", requester="U1")
    assert proposal.kind == "refused" and proposal.pending is None
    assert "one statement" in proposal.reason and proposal.reason in proposal.message
    assert service.approvals._kv.keys("sqlq:") == []


def test_a_request_to_change_the_data_is_refused_without_writing_a_query(service: SqlService) -> None:
    proposal = service.propose("please delete all orders from 2023", requester="U1")
    assert proposal.kind == "refused" and proposal.pending is None and proposal.sql is None
    assert "only read" in proposal.message and "delete" in proposal.message
    assert service.generator.calls == [] and service.approvals._kv.keys("sqlq:") == []


def test_non_sql_answers_and_bad_questions(service: SqlService) -> None:
    clarification = service.propose("which customer?", requester="U1")
    assert clarification.kind == "clarification" and "Zoë or Bob" in clarification.message
    assert clarification.pending is None
    abstain = service.propose("Wie viele Bestellungen gab es?", requester="U1")
    assert abstain.kind == "abstain" and abstain.pending is None
    for empty in ("", "   ", "?!"):
        assert service.propose(empty, requester="U1").kind == "abstain"
    assert service.generator.calls == ["which customer?", "Wie viele Bestellungen gab es?"]
    failed = service.propose("explode", requester="U1")
    assert failed.kind == "abstain" and "LLM is unreachable" in failed.message


def test_edit_makes_a_new_linked_pending_query(service: SqlService) -> None:
    old = service.propose("how many orders", requester="U1").pending
    edited = service.edit(old.id, "SELECT sum(total) AS revenue FROM orders", user=APPROVER)
    assert edited.kind == "sql" and edited.source == "edit"
    new = edited.pending
    assert new.parent_id == old.id and new.question == old.question and new.requester == "U1"
    assert new.sql.endswith("LIMIT 1000")
    assert service.get(old.id).status == "superseded" and service.get(old.id).replaced_by == new.id
    assert "replaced" in service.approve(old.id, user="U1").message
    assert service.approve(new.id, user="U1").result.rows == [(10890.0,)]

    again = service.propose("how many orders", requester="U1").pending
    refused = service.edit(again.id, "DELETE FROM orders", user="U1")
    assert refused.kind == "refused" and "DELETE" in refused.reason and refused.pending is None
    assert service.get(again.id).status == "pending"


def test_runtime_error_offers_an_edit_and_a_retry(service: SqlService) -> None:
    pending = service.propose("broken", requester="U1").pending
    run = service.approve(pending.id, user="U1")
    assert run.status == "failed" and run.can_edit
    assert "no such column: no_such_column." in run.message.lower()
    assert service.get(pending.id).status == "failed" and "no_such_column" in service.get(pending.id).error
    fixed = service.edit(pending.id, "SELECT count(note) FROM orders", user="U1")
    assert fixed.kind == "sql" and service.get(pending.id).status == "failed"  # history stays as it was
    assert service.approve(fixed.pending.id, user="U1").result.rows == [(120,)]


def test_timeout_is_reported(shop: Path, local_kv) -> None:
    service = make_service(SqliteDatabase(shop), local_kv, timeout_s=0.3)
    pending = service.propose("forever", requester="U1").pending
    run = service.approve(pending.id, user="U1")
    assert run.status == "failed" and "longer than 0.3 s" in run.message and run.can_edit
    assert service.get(pending.id).status == "failed"


def test_huge_results_are_truncated(shop: Path, local_kv) -> None:
    service = make_service(SqliteDatabase(shop), local_kv, max_rows=50)
    run = service.approve(service.propose("all orders", requester="U1").pending.id, user="U1")
    assert run.status == "done" and run.result.truncated and run.result.row_count == 50
    assert run.message.startswith("showing first 50 of 50+ rows")


def test_database_down_fails_cleanly_and_can_be_retried(redis_kv) -> None:
    db = PostgresDatabase(f"postgresql://postgres@127.0.0.1:{free_port()}/shop", connect_timeout_s=2)
    try:
        service = make_service(db, redis_kv, tables={"orders"})
        pending = service.propose("how many orders", requester="U1").pending
        run = service.approve(pending.id, user="U1")
        assert run.status == "failed" and not run.can_edit
        assert "Cannot reach the database" in run.message and "approve it again" in run.message
        assert service.get(pending.id).status == "failed"  # never left "running"
        assert service.approve(pending.id, user="U1").status == "failed"  # a retry is allowed, and fails again
    finally:
        db.close()


def test_a_dead_run_does_not_stay_running(service: SqlService) -> None:
    pending = service.propose("how many orders", requester="U1").pending
    # A process took it and died: its "running" mark was written long ago.
    assert service.approvals.transition(pending.id, "pending", "running", run_token="dead", approved_by="U1")
    assert service.approve(pending.id, user="U1").status == "refused"  # still plausibly running
    service.stale_running_s = 0.05
    time.sleep(0.1)
    assert service.get(pending.id).status == "failed"
    assert service.approve(pending.id, user="U1").status == "done"


def test_save_example(shop: Path, local_kv) -> None:
    examples = RecordedExamples()
    saved = examples.saved
    service = make_service(SqliteDatabase(shop), local_kv, examples=examples)
    pending = service.propose("how many orders", requester="U1").pending
    not_run = service.save_example(pending.id, user="U1")
    assert not not_run.saved and "ran successfully" in not_run.message and "waiting for approval" in not_run.message
    service.approve(pending.id, user="U1")
    assert service.save_example(pending.id, user="U1").saved
    assert service.save_example(pending.id, user=APPROVER).saved  # idempotent: stored once
    assert saved == [("how many orders", "SELECT count(*) AS n FROM orders")]  # without the added LIMIT
    missing = service.save_example("missing", user="U1")
    assert not missing.saved and "expired" in missing.message
    unconfigured = make_service(SqliteDatabase(shop), local_kv).save_example(pending.id, user="U1")
    assert not unconfigured.saved and "not configured" in unconfigured.message


def test_only_the_requester_or_an_approver_may_save_an_example(shop: Path, local_kv) -> None:
    examples = RecordedExamples()
    saved = examples.saved
    service = make_service(SqliteDatabase(shop), local_kv, examples=examples)
    pending = service.propose("how many orders", requester="U1").pending
    service.approve(pending.id, user="U1")
    refused = service.save_example(pending.id, user="UOTHER")
    assert not refused.saved and "Only the person who asked (U1) or an approver can save" in refused.message
    assert saved == [] and not service.get(pending.id).saved_example
    assert service.save_example(pending.id, user=APPROVER).saved and len(saved) == 1


def test_save_example_into_sql_knowledge(shop: Path, local_kv, tmp_path: Path, minilm) -> None:
    from core.sql.knowledge import SqlKnowledge
    from core.vectors.local import LocalVectorStore

    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "vectors"), namespace="sql-test")
    service = make_service(SqliteDatabase(shop), local_kv, examples=knowledge)
    pending = service.propose("how many orders", requester="U1").pending
    service.approve(pending.id, user="U1")
    assert service.save_example(pending.id, user="U1").saved
    best = knowledge.similar_examples("number of orders", k=1)[0]
    assert (best.question, best.sql) == ("how many orders", "SELECT count(*) AS n FROM orders")


def test_save_example_when_the_store_is_down(shop: Path, local_kv) -> None:
    unavailable = RecordedExamples(failure=ConnectionError("vector store unreachable"))
    service = make_service(SqliteDatabase(shop), local_kv, examples=unavailable)
    pending = service.propose("how many orders", requester="U1").pending
    service.approve(pending.id, user="U1")
    outcome = service.save_example(pending.id, user="U1")
    assert not outcome.saved and "unavailable" in outcome.message and "vector store unreachable" in outcome.message
    assert not service.get(pending.id).saved_example


def test_results_are_headed_in_words(service: SqlService) -> None:
    proposal = service.propose("count them", requester="U1")
    assert proposal.pending is not None
    execution = service.approve(proposal.pending.id, user="U1")
    assert execution.result is not None and execution.result.columns == ["orders", "total"]


def test_a_saved_question_picked_on_a_near_miss_is_proposed_with_its_own_sql(shop: Path, local_kv) -> None:
    examples = RecordedExamples()
    examples.saved.append(("Which orders are the largest?", "SELECT id, total FROM orders ORDER BY total DESC"))
    service = make_service(SqliteDatabase(shop), local_kv, examples=examples)
    proposal = service.propose_saved(example_id("which orders are the largest"), requester="U1", thread_ts="1.0")
    assert proposal.kind == "sql" and proposal.source == "saved" and proposal.pending is not None
    assert proposal.pending.sql.startswith("SELECT id, total FROM orders ORDER BY total DESC")
    assert proposal.pending.question == "Which orders are the largest?" and "saved question" in proposal.message
    assert service.approve(proposal.pending.id, user="U1").status == "done"
    gone = service.propose_saved(example_id("something else"), requester="U1")
    assert gone.kind == "abstain" and "no longer exists" in gone.message
    down = make_service(SqliteDatabase(shop), local_kv, examples=RecordedExamples(failure=ConnectionError("down")))
    failed = down.propose_saved(example_id("which orders are the largest"), requester="U1")
    assert failed.kind == "abstain" and "down" in failed.message
