"""The bundled sample shop: deterministic, realistic, and the same in SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from core.sql.databases.base import PostgresDatabase, SqliteDatabase
from core.sql.knowledge import read_documentation_file, read_examples_file
from core.sql.sample import SAMPLE_DOCS_FILE, SAMPLE_EXAMPLES_FILE, ensure_sample_database, load_sample_into_postgres
from core.sql.sample.data import LAST_DAY, generate

PAID = ("paid", "shipped", "delivered")


def digest(path) -> str:
    connection = sqlite3.connect(path)
    try:
        rows = []
        for table in ("customers", "products", "orders", "order_items"):
            rows.append(connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
        return hashlib.sha256(repr(rows).encode()).hexdigest()
    finally:
        connection.close()


def test_sample_is_deterministic_and_created_once(tmp_path):
    first = ensure_sample_database(tmp_path / "a")
    second = ensure_sample_database(tmp_path / "b")
    assert digest(first) == digest(second)
    modified = first.stat().st_mtime_ns
    assert ensure_sample_database(tmp_path / "a") == first
    assert first.stat().st_mtime_ns == modified  # not rebuilt
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".sample-")]


def test_sample_data_is_realistic(tmp_path):
    database = SqliteDatabase(ensure_sample_database(tmp_path))
    years = database.run_readonly(
        "SELECT substr(order_date, 1, 4) AS y, COUNT(*) FROM orders GROUP BY y ORDER BY y"
    ).rows
    assert [y for y, _ in years] == ["2022", "2023", "2024"]
    assert all(count > 200 for _, count in years)
    assert years[0][1] < years[-1][1]  # the shop grows
    # Totals are the sum of the order lines.
    mismatched = database.run_readonly(
        "SELECT COUNT(*) FROM orders AS o WHERE abs(o.total_amount - (SELECT SUM(i.quantity * i.unit_price) "
        "FROM order_items AS i WHERE i.order_id = o.order_id)) > 0.01"
    ).rows[0][0]
    assert mismatched == 0
    # No order before its customer signed up, no order after the data ends.
    early = database.run_readonly(
        "SELECT COUNT(*) FROM orders AS o JOIN customers AS c ON c.customer_id = o.customer_id"
        " WHERE o.order_date < c.signup_date"
    ).rows[0][0]
    assert early == 0
    assert database.run_readonly("SELECT MAX(order_date) FROM orders").rows[0][0] <= LAST_DAY.isoformat()
    statuses = {row[0] for row in database.run_readonly("SELECT DISTINCT status FROM orders").rows}
    assert set(PAID) <= statuses and {"cancelled", "refunded"} <= statuses


def test_docs_and_examples_files_are_shipped_and_parse():
    docs = read_documentation_file(SAMPLE_DOCS_FILE)
    assert any("Revenue" in paragraph and "total_amount" in paragraph for paragraph in docs)
    assert not any(paragraph.startswith("#") for paragraph in docs)
    examples = read_examples_file(SAMPLE_EXAMPLES_FILE)
    assert len(examples) == len(json.loads(SAMPLE_EXAMPLES_FILE.read_text()))


def test_examples_run_on_sqlite(tmp_path):
    database = SqliteDatabase(ensure_sample_database(tmp_path))
    for example in read_examples_file(SAMPLE_EXAMPLES_FILE):
        result = database.run_readonly(example.sql)
        assert result.rows, example.question


@pytest.fixture
def sample_postgres(pg_scratch_url):
    load_sample_into_postgres(pg_scratch_url)
    database = PostgresDatabase(pg_scratch_url)
    yield database
    database.close()


def test_postgres_copy_matches_sqlite_and_examples_agree(sample_postgres, tmp_path):
    sqlite_db = SqliteDatabase(ensure_sample_database(tmp_path))
    rows = generate().by_table()
    for table, expected in rows.items():
        assert sample_postgres.run_readonly(f"SELECT COUNT(*) FROM {table}").rows[0][0] == len(expected)
    tables = {t.name: t for t in sample_postgres.tables()}
    assert set(tables) == {"customers", "products", "orders", "order_items"}
    orders = {c.name: c for c in tables["orders"].columns}
    assert orders["customer_id"].references == "customers.customer_id"
    assert orders["total_amount"].comment == "order total in EUR"
    # The shipped examples give the same answers in both dialects.
    for example in read_examples_file(SAMPLE_EXAMPLES_FILE):
        pg_rows = sample_postgres.run_readonly(example.sql).rows
        lite_rows = sqlite_db.run_readonly(example.sql).rows
        assert len(pg_rows) == len(lite_rows), example.question
        assert _rounded(pg_rows[0]) == _rounded(lite_rows[0]), example.question


def _rounded(row: tuple) -> tuple:
    return tuple(round(float(v), 2) if _numeric(v) else v for v in row)


def _numeric(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)
