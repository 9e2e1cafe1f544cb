"""Attack corpus against real databases: nothing may change and nothing may hang.

Each attack goes (1) through the full path — the generator proposes it, the guard must refuse it
with a reason, and anything that got through would be approved and run — and (2) straight into
run_readonly, bypassing the guard, to prove the second line of defence: PostgreSQL as the
read-only role the README recommends (and the write attacks also as the database owner, where only
the READ ONLY transaction stands in the way); SQLite through its read-only connection. A
fingerprint of the database (canary rows, relations, sequence, large objects, role settings,
advisory locks) and of the file system (marker files) is compared before and after.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from core.sql.approvals import ApprovalStore
from core.sql.databases.base import PostgresDatabase, SqliteDatabase
from core.sql.generate.base import SqlProposal
from core.sql.guard import SqlGuard
from core.sql.models import SqlError, SqlTimeout
from core.sql.service import SqlService

TIMEOUT_S = 1.0  # statement timeout for the attacks: pg_sleep(10) must stop after this
HANG_LIMIT_S = 30.0  # an attack still running after this is a hang


@dataclass(frozen=True)
class Attack:
    category: str
    sql: str
    reason: str  # words the guard's refusal must contain
    writes: bool = False  # tries to change data or schema: also run as the owner, bypassing the guard

    def render(self, **values: str) -> str:
        return self.sql.format(**values)


PG_ATTACKS = [
    # one statement only
    Attack("multiple statements", "SELECT * FROM canary; DROP TABLE canary", "one statement", True),
    Attack("multiple statements", "SELECT 1; COMMIT; DELETE FROM canary", "one statement", True),
    Attack(
        "multiple statements",
        "SELECT 1; ROLLBACK; BEGIN READ WRITE; UPDATE canary SET secret = 'x'",
        "one statement",
        True,
    ),
    # not a query: DML, DDL, permissions
    Attack("data modification", "DELETE FROM canary", "DELETE", True),
    Attack("data modification", "UPDATE canary SET secret = 'pwned'", "UPDATE", True),
    Attack("data modification", "INSERT INTO canary VALUES (1000, 'x')", "INSERT", True),
    Attack(
        "data modification", "MERGE INTO canary c USING orders o ON c.id = o.id WHEN MATCHED THEN DELETE", "MERGE", True
    ),
    Attack("data modification", "TRUNCATE canary", "TRUNCATE", True),
    Attack("DDL", "DROP TABLE canary", "DROP", True),
    Attack("DDL", "CREATE TABLE pwned (x int)", "CREATE", True),
    Attack("DDL", "ALTER TABLE canary ADD COLUMN pwned int", "ALTER", True),
    Attack("DDL", "CREATE ROLE pwned SUPERUSER", "CREATE", True),
    Attack("DDL", "GRANT ALL ON canary TO PUBLIC", "GRANT", True),
    Attack("DDL", "COMMENT ON TABLE canary IS 'pwned'", "COMMENT", True),
    # data-modifying CTEs
    Attack(
        "data-modifying CTE", "WITH d AS (DELETE FROM canary RETURNING *) SELECT count(*) FROM d", "WITH clause", True
    ),
    Attack(
        "data-modifying CTE",
        "WITH u AS (UPDATE canary SET secret = 'x' RETURNING id) SELECT * FROM u",
        "WITH clause",
        True,
    ),
    Attack(
        "data-modifying CTE",
        "WITH i AS (INSERT INTO canary VALUES (2000, 'x') RETURNING id) SELECT * FROM i",
        "WITH clause",
        True,
    ),
    # SELECT INTO and locking clauses
    Attack("SELECT INTO", "SELECT * INTO pwned FROM canary", "SELECT INTO", True),
    Attack("SELECT INTO", "SELECT * INTO TEMP pwned FROM canary", "SELECT INTO", True),
    Attack("locking clause", "SELECT * FROM canary FOR UPDATE", "Locking"),
    Attack("locking clause", "SELECT * FROM canary FOR NO KEY UPDATE NOWAIT", "Locking"),
    Attack("locking clause", "SELECT * FROM orders WHERE id IN (SELECT id FROM canary FOR SHARE)", "Locking"),
    # transaction and session control
    Attack("transaction control", "COMMIT", "transaction"),
    Attack("transaction control", "BEGIN", "transaction"),
    Attack("transaction control", "SET TRANSACTION READ WRITE", "SET"),
    Attack("session control", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET"),
    Attack("session control", "SET statement_timeout = 0", "SET"),
    Attack("session control", "SET ROLE postgres", "SET"),
    Attack("session control", "SET SESSION AUTHORIZATION postgres", "SET"),
    Attack("session control", "RESET ALL", "RESET"),
    Attack("session control", "ALTER ROLE CURRENT_USER SET default_transaction_read_only = off", "ALTER", True),
    Attack("lock", "LOCK TABLE canary IN ACCESS EXCLUSIVE MODE", "LOCK"),
    Attack("COPY", "COPY canary FROM PROGRAM 'echo 1,x'", "COPY", True),
    Attack("COPY", "COPY (SELECT 1) TO PROGRAM 'touch {marker}'", "COPY"),
    Attack("COPY", "COPY canary TO '{marker}'", "COPY"),
    Attack("procedural", "DO $$BEGIN DELETE FROM canary; END$$", "DO", True),
    Attack("procedural", "CALL pwn()", "CALL"),
    Attack("procedural", "PREPARE p AS DELETE FROM canary", "PREPARE", True),
    Attack("procedural", "EXECUTE p", "EXECUTE"),
    Attack("procedural", "EXPLAIN ANALYZE DELETE FROM canary", "EXPLAIN", True),
    Attack("procedural", "VACUUM FULL canary", "VACUUM"),
    Attack("procedural", "NOTIFY pwned", "not a query"),
    # dangerous functions
    Attack("sleep", "SELECT pg_sleep(10)", "sleeps"),
    Attack("sleep", "SELECT id FROM canary WHERE pg_catalog.pg_sleep_for('10 seconds') IS NOT NULL", "sleeps"),
    Attack("file access", "SELECT pg_read_file('/etc/passwd')", "server files"),
    Attack("file access", "SELECT * FROM pg_read_binary_file('/etc/hostname')", "server files"),
    Attack("file access", "SELECT * FROM pg_ls_dir('.')", "server files"),
    Attack("file access", "SELECT pg_stat_file('postgresql.conf')", "server files"),
    Attack("large objects", "SELECT lo_import('/etc/passwd')", "large objects", True),
    Attack("large objects", "SELECT lo_from_bytea(0, 'pwned')", "large objects", True),
    Attack("large objects", "SELECT lo_export(lo_from_bytea(0, 'x'), '{marker}')", "large objects", True),
    Attack("dblink", "SELECT * FROM dblink('dbname=postgres', 'DROP TABLE canary') AS t(x text)", "other databases"),
    Attack("dblink", "SELECT dblink_exec('dbname=postgres', 'DROP TABLE canary')", "other databases"),
    Attack("configuration", "SELECT set_config('default_transaction_read_only', 'off', false)", "configuration"),
    Attack("configuration", "SELECT set_config('transaction_read_only', 'off', true)", "configuration"),
    Attack("configuration", "SELECT pg_reload_conf()", "configuration"),
    Attack("configuration", "SELECT pg_rotate_logfile()", "configuration"),
    Attack("signalling", "SELECT pg_terminate_backend({victim})", "signals"),
    Attack("signalling", "SELECT pg_cancel_backend({victim})", "signals"),
    Attack("advisory locks", "SELECT pg_advisory_lock(4242)", "advisory"),
    Attack("advisory locks", "SELECT pg_try_advisory_lock(id) FROM canary", "advisory"),
    Attack("sequences", "SELECT nextval('canary_seq')", "sequence", True),
    Attack("sequences", "SELECT setval('canary_seq', 999)", "sequence", True),
    Attack(
        "query strings", "SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, true, '')", "query string", True
    ),
    Attack("query strings", "SELECT table_to_xml('canary', true, true, '')", "query string"),
    Attack("query strings", "SELECT * FROM ts_stat('SELECT to_tsvector(secret) FROM canary')", "query string"),
    # system catalogs and tables outside the trained schema
    Attack("system catalog", "SELECT rolname, rolpassword FROM pg_authid", "System catalog"),
    Attack("system catalog", "SELECT * FROM pg_catalog.pg_shadow", "System catalog"),
    Attack("system catalog", "SELECT * FROM information_schema.role_table_grants", "System catalog"),
    Attack("unknown table", "SELECT * FROM payroll", "not part of the trained schema"),
]

SQLITE_ATTACKS = [
    Attack("multiple statements", "SELECT * FROM canary; DELETE FROM canary", "one statement", True),
    Attack("data modification", "DELETE FROM canary", "DELETE", True),
    Attack("data modification", "UPDATE canary SET secret = 'x'", "UPDATE", True),
    Attack("data modification", "INSERT INTO canary VALUES (1000, 'x')", "INSERT", True),
    Attack("data modification", "REPLACE INTO canary VALUES (1, 'x')", "REPLACE", True),
    Attack("data modification", "INSERT OR REPLACE INTO canary VALUES (1, 'x')", "INSERT", True),
    Attack("DDL", "DROP TABLE canary", "DROP", True),
    Attack("DDL", "CREATE TABLE pwned (x)", "CREATE", True),
    Attack("DDL", "ALTER TABLE canary RENAME TO pwned", "ALTER", True),
    Attack("DDL", "CREATE TEMP TABLE pwned AS SELECT * FROM canary", "CREATE", True),
    Attack("data-modifying CTE", "WITH d AS (SELECT 1) DELETE FROM canary", "DELETE", True),
    Attack("data-modifying CTE", "WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d", "WITH clause", True),
    Attack("SELECT INTO", "SELECT * INTO pwned FROM canary", "SELECT INTO", True),
    Attack("locking clause", "SELECT * FROM canary FOR UPDATE", "Locking"),
    Attack("transaction control", "BEGIN IMMEDIATE", "transaction"),
    Attack("transaction control", "COMMIT", "transaction"),
    Attack("transaction control", "SAVEPOINT a", "SAVEPOINT"),
    Attack("session control", "PRAGMA query_only = OFF", "PRAGMA"),
    Attack("session control", "PRAGMA writable_schema = ON", "PRAGMA"),
    Attack("session control", "PRAGMA journal_mode = DELETE", "PRAGMA"),
    Attack("file access", "ATTACH DATABASE '{marker}' AS evil", "ATTACH"),
    Attack("file access", "VACUUM INTO '{marker}'", "VACUUM"),
    Attack("file access", "VACUUM", "VACUUM", True),
    Attack("file access", "SELECT writefile('{marker}', 'x')", "files"),
    Attack("file access", "SELECT readfile('/etc/passwd')", "files"),
    Attack("native code", "SELECT load_extension('{marker}')", "native code"),
    Attack("native code", "SELECT fts3_tokenizer('simple')", "native code"),
    Attack("system catalog", "SELECT * FROM sqlite_master", "System catalog"),
    Attack("system catalog", "SELECT * FROM sqlite_schema", "System catalog"),
    Attack("system catalog", "SELECT * FROM pragma_table_info('canary')", "PRAGMA"),
    Attack("unknown table", "SELECT * FROM payroll", "not part of the trained schema"),
]

# Legitimate-looking queries the guard lets through: the database's limits must stop them.
PG_HEAVY = [
    "SELECT count(*) FROM generate_series(1, 100000000000) g",
    "SELECT count(*) FROM canary a, canary b, canary c, canary d, canary e",
]
SQLITE_HEAVY = [
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
    "SELECT zeroblob(2000000000) AS z FROM canary",
]


class AttackGenerator:
    """Proposes whatever SQL the question is: the attacker controls the generator's output."""

    def generate(self, question: str, history: list[dict] | None = None) -> SqlProposal:
        return SqlProposal("sql", question, "", source="llm")


def make_service(db, kv, tables: set[str]) -> SqlService:
    return SqlService(
        db=db,
        guard=SqlGuard(db.dialect, tables),
        generator=AttackGenerator(),
        approvals=ApprovalStore(kv),
        approvers=frozenset({"UADMIN"}),
        max_rows=100,
        timeout_s=TIMEOUT_S,
    )


def run_bounded(fn, sql: str) -> str:
    """Run fn(sql) in a thread; the outcome's class name, or fail when it hangs."""
    outcome: list[str] = []

    def target() -> None:
        try:
            fn(sql)
            outcome.append("ran")
        except SqlError as exc:
            outcome.append(type(exc).__name__)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT_S)
    assert not thread.is_alive(), f"hung past its timeout: {sql}"
    assert outcome, f"raised something other than SqlError: {sql}"
    return outcome[0]


def full_path(service: SqlService, sql: str) -> str | None:
    """Propose as the generator's SQL, and edit a harmless query into it; approve anything that got
    through. The guard's reason, or None if it let the attack through."""
    proposal = service.propose(sql, requester="UATTACKER")
    if proposal.pending is not None:
        service.approve(proposal.pending.id, user="UATTACKER")
        return None
    harmless = service.propose("SELECT id FROM canary", requester="UATTACKER").pending
    edited = service.edit(harmless.id, sql, user="UATTACKER")
    if edited.pending is not None:
        service.approve(edited.pending.id, user="UATTACKER")
        return None
    return proposal.reason


# ---- PostgreSQL ---------------------------------------------------------------------------------

PG_SETUP = """
CREATE TABLE canary (id int PRIMARY KEY, secret text NOT NULL);
INSERT INTO canary SELECT g, md5(g::text) FROM generate_series(1, 200) g;
CREATE TABLE orders (id int PRIMARY KEY, total numeric(10, 2));
INSERT INTO orders SELECT g, g * 2.5 FROM generate_series(1, 20) g;
CREATE SEQUENCE canary_seq;
"""

# The README's recipe for a read-only role, applied to the scratch database.
READ_ONLY_ROLE = """
CREATE ROLE {role} LOGIN;
ALTER ROLE {role} SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE {db} TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
"""


@dataclass
class PgTarget:
    owner_url: str
    reader_url: str
    role: str
    marker: Path


@pytest.fixture
def pg_target(pg_scratch_url: str, tmp_path: Path):
    role = f"ro_{uuid.uuid4().hex[:10]}"
    db_name = pg_scratch_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute(PG_SETUP)
        for statement in READ_ONLY_ROLE.format(role=role, db=f'"{db_name}"').strip().splitlines():
            conn.execute(statement)
    reader_url = pg_scratch_url.replace("postgres@", f"{role}@", 1)
    yield PgTarget(pg_scratch_url, reader_url, role, Path(f"/tmp/sqlguard-{uuid.uuid4().hex}"))
    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute(f'REVOKE CONNECT ON DATABASE "{db_name}" FROM {role}')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
            (role, db_name),
        )
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def pg_fingerprint(target: PgTarget) -> dict:
    with psycopg.connect(target.owner_url) as conn:

        def one(sql: str, *params):
            return conn.execute(sql, params).fetchall()

        return {
            "canary": one("SELECT count(*), md5(string_agg(id || ':' || secret, ',' ORDER BY id)) FROM canary"),
            "orders": one("SELECT count(*), sum(total) FROM orders"),
            "relations": one(
                "SELECT n.nspname, c.relname, c.relkind, c.relnatts FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%%' ORDER BY 1, 2"
            ),
            "comments": one("SELECT objoid, description FROM pg_description WHERE objoid = 'canary'::regclass"),
            "grants": one("SELECT relacl::text FROM pg_class WHERE relname IN ('canary', 'orders') ORDER BY relname"),
            "sequence": one("SELECT last_value, is_called FROM canary_seq"),
            "large_objects": one("SELECT count(*) FROM pg_largeobject_metadata"),
            "role": one(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolconfig FROM pg_roles WHERE rolname = %s", target.role
            ),
            # Only this test's role: other roles in the cluster belong to other test runs.
            "role_settings": one(
                "SELECT setdatabase, setconfig::text FROM pg_db_role_setting "
                "WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY 1, 2",
                target.role,
            ),
            "advisory_locks": one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            "pwned_roles": one("SELECT count(*) FROM pg_roles WHERE rolname = 'pwned'"),
            "marker_exists": target.marker.exists(),
        }


@pytest.mark.parametrize("attack", PG_ATTACKS, ids=lambda a: f"{a.category}: {a.sql[:40]}")
def test_pg_guard_refuses_with_a_reason(attack: Attack) -> None:
    guard = SqlGuard("postgres", {"canary", "orders"})
    verdict = guard.check(attack.render(marker="/tmp/x", victim="12345"))
    assert not verdict.allowed
    assert attack.reason.lower() in verdict.reason.lower(), verdict.reason


@pytest.mark.parametrize("attack", SQLITE_ATTACKS, ids=lambda a: f"{a.category}: {a.sql[:40]}")
def test_sqlite_guard_refuses_with_a_reason(attack: Attack) -> None:
    guard = SqlGuard("sqlite", {"canary", "orders"})
    verdict = guard.check(attack.render(marker="/tmp/x"))
    assert not verdict.allowed
    assert attack.reason.lower() in verdict.reason.lower(), verdict.reason


@pytest.mark.slow  # the SQLite run of the same corpus stays in the fast lane
def test_pg_attack_corpus_changes_nothing(pg_target: PgTarget, local_kv) -> None:
    before = pg_fingerprint(pg_target)
    reader = PostgresDatabase(pg_target.reader_url, lock_timeout_s=TIMEOUT_S)
    owner = PostgresDatabase(pg_target.owner_url, lock_timeout_s=TIMEOUT_S)
    victim = psycopg.connect(pg_target.owner_url, autocommit=True)
    try:
        values = {"marker": str(pg_target.marker), "victim": str(victim.info.backend_pid)}
        service = make_service(reader, local_kv, {"canary", "orders"})
        let_through = [a.sql for a in PG_ATTACKS if full_path(service, a.render(**values)) is None]
        assert let_through == []
        assert pg_fingerprint(pg_target) == before

        # Bypassing the guard: the read-only role and the READ ONLY transaction hold on their own.
        outcomes = {
            a.sql: run_bounded(lambda s: reader.run_readonly(s, timeout_s=TIMEOUT_S), a.render(**values))
            for a in PG_ATTACKS
        }
        assert outcomes["SELECT pg_sleep(10)"] == "SqlTimeout"
        assert outcomes["SELECT * FROM canary; DROP TABLE canary"] == "SqlError"
        # PostgreSQL lets large objects be created in a read-only transaction; the rollback that
        # ends every query removes them (the fingerprint counts them). Every other write fails.
        writes = [a for a in PG_ATTACKS if a.writes]
        assert {a.category for a in writes if outcomes[a.sql] != "SqlError"} <= {"large objects"}
        # As the owner too: only the READ ONLY transaction, always rolled back, stands in the way.
        ran = [
            a
            for a in writes
            if run_bounded(lambda s: owner.run_readonly(s, timeout_s=TIMEOUT_S), a.render(**values)) == "ran"
        ]
        assert {a.category for a in ran} <= {"large objects"}

        assert victim.execute("SELECT 1").fetchone() == (1,)  # not terminated
        assert pg_fingerprint(pg_target) == before
    finally:
        victim.close()
        reader.close()
        owner.close()


@pytest.mark.slow
def test_pg_heavy_queries_stop_at_the_timeout(pg_target: PgTarget, local_kv) -> None:
    before = pg_fingerprint(pg_target)
    reader = PostgresDatabase(pg_target.reader_url)
    try:
        service = make_service(reader, local_kv, {"canary", "orders"})
        for sql in PG_HEAVY:
            proposal = service.propose(sql, requester="U1")
            assert proposal.kind == "sql"  # legitimate on its face
            run = service.approve(proposal.pending.id, user="U1")
            assert run.status == "failed" and "longer than 1 s" in run.message
            assert service.get(proposal.pending.id).status == "failed"
        assert run_bounded(lambda s: reader.run_readonly(s, timeout_s=TIMEOUT_S), PG_HEAVY[0]) == "SqlTimeout"
        assert pg_fingerprint(pg_target) == before
    finally:
        reader.close()


# ---- SQLite -------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Path:
    path = tmp_path / "canary.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE canary (id INTEGER PRIMARY KEY, secret TEXT NOT NULL)")
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    conn.executemany(
        "INSERT INTO canary VALUES (?, ?)", [(i, hashlib.md5(str(i).encode()).hexdigest()) for i in range(1, 201)]
    )
    conn.commit()
    conn.close()
    return path


def sqlite_fingerprint(path: Path, marker: Path) -> tuple:
    files = sorted(p.name for p in path.parent.iterdir())
    return hashlib.sha256(path.read_bytes()).hexdigest(), files, marker.exists()


def test_sqlite_attack_corpus_changes_nothing(sqlite_target: Path, local_kv, tmp_path: Path) -> None:
    marker = sqlite_target.parent / "marker.db"
    before = sqlite_fingerprint(sqlite_target, marker)
    db = SqliteDatabase(sqlite_target)
    service = make_service(db, local_kv, {"canary", "orders"})
    let_through = [a.sql for a in SQLITE_ATTACKS if full_path(service, a.render(marker=str(marker))) is None]
    assert let_through == []
    outcomes = {
        a.sql: run_bounded(lambda s: db.run_readonly(s, timeout_s=TIMEOUT_S), a.render(marker=str(marker)))
        for a in SQLITE_ATTACKS
    }
    # Only the harmless reads run without the guard; everything else is stopped by the connection.
    ran = {sql for sql, outcome in outcomes.items() if outcome == "ran"}
    assert ran <= {"SELECT * FROM sqlite_master", "SELECT * FROM sqlite_schema"}
    for attack in (a for a in SQLITE_ATTACKS if a.writes):
        assert outcomes[attack.sql] == "SqlError", attack.sql
    for sql in SQLITE_HEAVY:
        assert run_bounded(lambda s: db.run_readonly(s, timeout_s=TIMEOUT_S), sql) in ("SqlTimeout", "SqlError")
    timed = service.approve(service.propose(SQLITE_HEAVY[0], requester="U1").pending.id, user="U1")
    assert timed.status == "failed" and "longer than 1 s" in timed.message
    assert sqlite_fingerprint(sqlite_target, marker) == before
    assert db.run_readonly("SELECT count(*) FROM canary").rows == [(200,)]


def test_sqlite_timeout_error_type(sqlite_target: Path) -> None:
    with pytest.raises(SqlTimeout):
        SqliteDatabase(sqlite_target).run_readonly(SQLITE_HEAVY[0], timeout_s=0.2)
