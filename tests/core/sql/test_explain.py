"""The estimate shown before Approve: PostgreSQL's EXPLAIN through the read-only path, never run."""

from __future__ import annotations

import psycopg
import pytest

from core.sql.approvals import ApprovalStore
from core.sql.databases.base import PostgresDatabase, SqliteDatabase
from core.sql.generate.base import SqlProposal
from core.sql.guard import SqlGuard
from core.sql.service import SqlService

# Each test loads a 150,000-row table into PostgreSQL: seconds of server work.
pytestmark = pytest.mark.slow


class OneQuery:
    def __init__(self, sql: str) -> None:
        self.sql = sql

    def generate(self, question: str, history: list[dict] | None = None) -> SqlProposal:
        return SqlProposal("sql", self.sql, "", source="pattern")


@pytest.fixture
def big_db(pg_scratch_url: str):
    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id bigint PRIMARY KEY, kind text, n int)")
        conn.execute("INSERT INTO events SELECT g, 'k' || (g % 7), g % 100 FROM generate_series(1, 150000) g")
        conn.execute("CREATE TABLE kinds (code text PRIMARY KEY, label text)")
        conn.execute("INSERT INTO kinds VALUES ('k1', 'one'), ('k2', 'two')")
        conn.execute("ANALYZE")
    db = PostgresDatabase(pg_scratch_url)
    yield db
    db.close()


def propose(db, kv, sql: str, max_rows: int = 1000):
    guard = SqlGuard(db.dialect, {t.name for t in db.tables()}, default_limit=1000)
    service = SqlService(db=db, guard=guard, generator=OneQuery(sql), approvals=ApprovalStore(kv), max_rows=max_rows)
    return service.propose("q", requester="U1")


def test_the_estimate_warns_about_reading_a_large_table_whole(big_db, local_kv) -> None:
    proposal = propose(big_db, local_kv, "SELECT kind, count(*) FROM events GROUP BY kind")
    assert proposal.kind == "sql" and proposal.estimate is not None
    assert 1 <= proposal.estimate.rows <= 20
    assert "Estimate (PostgreSQL EXPLAIN; nothing ran): ~" in proposal.message
    assert "Reads all of events (~150,000 rows)" in proposal.message


def test_a_small_table_or_an_index_lookup_gets_no_warning(big_db, local_kv) -> None:
    proposal = propose(big_db, local_kv, "SELECT * FROM events WHERE id = 42")
    assert proposal.estimate is not None and proposal.estimate.rows == 1
    assert "⚠" not in proposal.message and "~1 row," in proposal.message
    assert "⚠" not in propose(big_db, local_kv, "SELECT * FROM kinds").message


def test_more_matching_rows_than_max_rows_are_flagged(big_db, local_kv) -> None:
    proposal = propose(big_db, local_kv, "SELECT id FROM events WHERE n < 50", max_rows=500)
    assert proposal.estimate is not None and (proposal.estimate.rows_before_limit or 0) > 50_000
    assert "only the first 500 are fetched" in proposal.message


def test_explain_never_runs_the_query(big_db, local_kv) -> None:
    # Running this divides by zero on the first row; planning it does not.
    proposal = propose(big_db, local_kv, "SELECT id / (n - n) FROM events")
    assert proposal.kind == "sql" and proposal.estimate is not None
    assert "No estimate" not in proposal.message


def test_sqlite_has_no_estimate_and_says_nothing(tmp_path, local_kv) -> None:
    import sqlite3

    path = tmp_path / "t.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
    proposal = propose(SqliteDatabase(path), local_kv, "SELECT a FROM t")
    assert proposal.kind == "sql" and proposal.estimate is None and "Estimate" not in proposal.message
