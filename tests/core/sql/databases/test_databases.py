"""The read-only runners against a real PostgreSQL and real SQLite files."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import psycopg
import pytest

from core.sql.databases.base import PostgresDatabase, SqliteDatabase, open_database
from core.sql.models import DatabaseUnavailable, SqlError, SqlTimeout
from tests.conftest import free_port

PG_SCHEMA = """
CREATE TABLE customers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    balance numeric(10, 2),
    born date,
    seen timestamptz,
    photo bytea,
    tags text[],
    meta jsonb
);
COMMENT ON TABLE customers IS 'People who bought something';
COMMENT ON COLUMN customers.name IS 'Full name as printed on invoices';
CREATE TABLE orders (
    id int PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers(id),
    total numeric(12, 2) NOT NULL
);
CREATE SCHEMA sales;
CREATE TABLE sales.leads (id int PRIMARY KEY, customer_id int REFERENCES customers(id));
INSERT INTO customers (name, balance, born, seen, photo, tags, meta) VALUES
    ('Zoë Ångström 東京', 12.34, '1990-01-02', '2024-03-04 05:06:07+00', '\\x0102ff', '{a,b}', '{"vip": true}'),
    ('Bob', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO orders SELECT g, 1 + g % 2, g * 1.5 FROM generate_series(1, 50) g;
"""


@pytest.fixture
def pg_url(pg_scratch_url: str) -> str:
    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute(PG_SCHEMA)
    return pg_scratch_url


@pytest.fixture
def pg_db(pg_url: str):
    db = PostgresDatabase(pg_url, lock_timeout_s=0.5)
    yield db
    db.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL,
                             placed TEXT, blob BLOB);
        INSERT INTO customers VALUES (1, 'Zoë', 'France'), (2, 'Bob', 'Germany'), (3, 'Ann', 'France');
        """
    )
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
        [(i, 1 + i % 3, i * 2.5, f"2024-01-{1 + i % 28:02d}", b"\x00\x01" if i == 1 else None) for i in range(1, 31)],
    )
    conn.commit()
    conn.close()
    return path


# ---- PostgreSQL ---------------------------------------------------------------------------------


def test_pg_values_are_display_safe(pg_db: PostgresDatabase) -> None:
    result = pg_db.run_readonly("SELECT name, balance, born, seen, photo, tags, meta FROM customers ORDER BY id")
    assert result.columns == ["name", "balance", "born", "seen", "photo", "tags", "meta"]
    assert result.rows[0] == (
        "Zoë Ångström 東京",
        12.34,
        "1990-01-02",
        "2024-03-04T05:06:07+00:00",
        "\\x0102ff",
        '["a", "b"]',
        '{"vip": true}',
    )
    assert result.rows[1] == ("Bob", None, None, None, None, None, None)
    assert result.row_count == 2 and not result.truncated
    total = pg_db.run_readonly("SELECT sum(total) AS s, count(*) AS n FROM orders").rows[0]
    assert total == (1912.5, 50)


def test_pg_row_cap_detects_truncation(pg_db: PostgresDatabase) -> None:
    result = pg_db.run_readonly("SELECT id FROM orders ORDER BY id", max_rows=10)
    assert [r[0] for r in result.rows] == list(range(1, 11))
    assert result.row_count == 10 and result.truncated
    exact = pg_db.run_readonly("SELECT id FROM orders", max_rows=50)
    assert exact.row_count == 50 and not exact.truncated
    # The connection stays usable after a result we stopped reading.
    assert pg_db.run_readonly("SELECT 1 AS one").rows == [(1,)]


def test_pg_is_read_only_and_one_statement(pg_db: PostgresDatabase, pg_url: str) -> None:
    with pytest.raises(SqlError, match="read-only"):
        pg_db.run_readonly("DELETE FROM orders")
    with pytest.raises(SqlError, match="multiple commands"):
        pg_db.run_readonly("SELECT 1; COMMIT; DELETE FROM orders")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (50,)


def test_pg_errors_carry_the_database_message(pg_db: PostgresDatabase) -> None:
    with pytest.raises(SqlError, match='"nope" does not exist') as caught:
        pg_db.run_readonly("SELECT * FROM nope")
    assert not isinstance(caught.value, (SqlTimeout, DatabaseUnavailable))
    with pytest.raises(SqlError, match="ivision by zero"):
        pg_db.run_readonly("SELECT 1 / 0")


def test_pg_statement_timeout(pg_db: PostgresDatabase) -> None:
    with pytest.raises(SqlTimeout, match=r"longer than 0\.5 s"):
        pg_db.run_readonly("SELECT pg_sleep(5)", timeout_s=0.5)
    assert pg_db.run_readonly("SELECT 2 AS two").rows == [(2,)]


def test_pg_lock_timeout(pg_db: PostgresDatabase, pg_url: str) -> None:
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(SqlTimeout, match="lock"):
            pg_db.run_readonly("SELECT count(*) FROM orders", timeout_s=10)
        holder.rollback()


def test_pg_session_state_does_not_outlive_a_query(pg_url: str) -> None:
    db = PostgresDatabase(pg_url, pool_size=1)
    try:
        db.run_readonly("SELECT pg_advisory_lock(7)")  # the guard refuses this; the runner cleans up anyway
        db.run_readonly("SELECT set_config('search_path', 'sales', false)")
        assert db.run_readonly("SELECT current_setting('search_path') AS p").rows[0][0] != "sales"
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone() == (0,)
    finally:
        db.close()


def test_pg_introspection(pg_db: PostgresDatabase) -> None:
    tables = {t.name: t for t in pg_db.tables()}
    assert set(tables) == {"customers", "orders", "sales.leads"}
    customers = tables["customers"]
    assert customers.comment == "People who bought something"
    columns = {c.name: c for c in customers.columns}
    assert columns["id"].primary_key and columns["id"].type == "integer"
    assert columns["name"].comment == "Full name as printed on invoices" and not columns["name"].nullable
    assert columns["balance"].type == "numeric(10,2)"
    orders = {c.name: c for c in tables["orders"].columns}
    assert orders["customer_id"].references == "customers.id"
    assert tables["sales.leads"].columns[1].references == "customers.id"
    ddl = customers.ddl()
    assert "CREATE TABLE customers" in ddl and "id integer PRIMARY KEY" in ddl and "-- Full name" in ddl


def test_pg_distinct_values(pg_db: PostgresDatabase) -> None:
    assert sorted(pg_db.distinct_values("customers", "name", 10)) == ["Bob", "Zoë Ångström 東京"]
    with pytest.raises(SqlError, match="Unknown column"):
        pg_db.distinct_values("customers", "nope", 10)


def test_pg_concurrent_queries_share_the_pool(pg_db: PostgresDatabase) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(pg_db.run_readonly("SELECT count(*) FROM orders").rows[0][0])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [50] * 30


def test_pg_server_down_is_a_clear_message() -> None:
    db = PostgresDatabase(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", connect_timeout_s=2)
    try:
        with pytest.raises(DatabaseUnavailable, match=r"Cannot reach the database at 127\.0\.0\.1"):
            db.run_readonly("SELECT 1")
    finally:
        db.close()


def test_pg_a_failed_try_is_remembered_for_a_while() -> None:
    """A database that does not answer is tried once per retry window, not by every query: each
    try against a host that accepts and then stays silent costs the whole connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)  # accepts connections (the kernel does) and never answers them
    db = PostgresDatabase(f"postgresql://nobody@127.0.0.1:{server.getsockname()[1]}/nowhere", connect_timeout_s=1)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="Cannot reach the database") as first:
            db.run_readonly("SELECT 1")
        assert time.monotonic() - started >= 0.9  # the try waited for the connect timeout
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as second:
            db.tables()
        assert time.monotonic() - started < 0.5 and str(second.value) == str(first.value)
        db.retry_after_s = 0.0  # the window is over: the next query tries again, and waits
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            db.run_readonly("SELECT 1")
        assert time.monotonic() - started >= 0.9
    finally:
        db.close()
        server.close()


def test_pg_url_options_pass_through(pg_url: str) -> None:
    db = open_database(pg_url + "?sslmode=disable&application_name=sqlbot")
    try:
        assert isinstance(db, PostgresDatabase) and db.dialect == "postgres"
        assert db.run_readonly("SELECT current_setting('application_name') AS a").rows == [("sqlbot",)]
    finally:
        db.close()


# ---- SQLite -------------------------------------------------------------------------------------


def test_sqlite_runs_read_only(sqlite_path: Path) -> None:
    db = SqliteDatabase(sqlite_path)
    result = db.run_readonly("SELECT id, name FROM customers ORDER BY id")
    assert result.rows == [(1, "Zoë"), (2, "Bob"), (3, "Ann")]
    assert db.run_readonly("SELECT blob FROM orders WHERE id = 1").rows == [("\\x0001",)]
    for attack in (
        "DELETE FROM orders",
        "PRAGMA writable_schema = 1",
        "ATTACH DATABASE ':memory:' AS x",
        "CREATE TEMP TABLE t (x)",
        "BEGIN IMMEDIATE",
    ):
        with pytest.raises(SqlError):
            db.run_readonly(attack)
    with pytest.raises(SqlError, match="one statement"):
        db.run_readonly("SELECT 1; DELETE FROM orders")
    assert db.run_readonly("SELECT count(*) FROM orders").rows == [(30,)]


def test_sqlite_truncation_timeout_and_errors(sqlite_path: Path) -> None:
    db = SqliteDatabase(sqlite_path)
    capped = db.run_readonly("SELECT id FROM orders ORDER BY id", max_rows=7)
    assert capped.row_count == 7 and capped.truncated
    with pytest.raises(SqlTimeout):
        db.run_readonly(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", timeout_s=0.3
        )
    with pytest.raises(SqlError, match=r"(?i)no such table"):
        db.run_readonly("SELECT * FROM nope")
    with pytest.raises(SqlError, match="too big"):
        db.run_readonly("SELECT zeroblob(2000000000)")


def test_sqlite_introspection_and_values(sqlite_path: Path) -> None:
    db = SqliteDatabase(sqlite_path)
    tables = {t.name: t for t in db.tables()}
    assert set(tables) == {"customers", "orders"}
    orders = {c.name: c for c in tables["orders"].columns}
    assert orders["id"].primary_key and orders["customer_id"].references == "customers.id"
    assert db.distinct_values("customers", "country", 5) == ["France", "Germany"]


def test_sqlite_missing_file(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "absent.sqlite"))
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        db.run_readonly("SELECT 1")


def test_open_database_routes_by_url(sqlite_path: Path) -> None:
    by_url = open_database(f"sqlite:///{sqlite_path}")  # sqlite:////abs/path (SQLAlchemy's convention)
    assert isinstance(by_url, SqliteDatabase) and by_url.path == sqlite_path
    assert by_url.run_readonly("SELECT count(*) FROM customers").rows == [(3,)]
    with pytest.raises(ValueError, match="Unsupported"):
        open_database("mysql://x")
    with pytest.raises(ValueError, match="No database"):
        open_database("  ")


def test_sample_shop_gives_the_same_answers_in_both_dialects(pg_scratch_url: str, tmp_path: Path) -> None:
    from core.sql.sample import ensure_sample_database, load_sample_into_postgres

    load_sample_into_postgres(pg_scratch_url)
    pg = PostgresDatabase(pg_scratch_url)
    lite = SqliteDatabase(ensure_sample_database(tmp_path))
    try:
        pg_tables = {t.name: {c.name for c in t.columns} for t in pg.tables()}
        assert pg_tables == {t.name: {c.name for c in t.columns} for t in lite.tables()}
        pg_refs = {(t.name, c.name, c.references) for t in pg.tables() for c in t.columns if c.references}
        assert pg_refs and pg_refs == {
            (t.name, c.name, c.references) for t in lite.tables() for c in t.columns if c.references
        }
        for sql in (
            "SELECT count(*) AS n FROM orders",
            "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status",
            "SELECT min(order_date) AS first, max(order_date) AS last FROM orders",
        ):
            assert pg.run_readonly(sql).rows == lite.run_readonly(sql).rows, sql
    finally:
        pg.close()
