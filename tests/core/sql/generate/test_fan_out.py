"""A measure of a table that a join makes repeat: never summed or counted as if each row came once.

Order 1 (120) holds two lines of Lamp and one of Desk, order 2 (10) one line of Lamp. Joined to
its lines, order 1's total appears three times: summed per product, Lamp would show 250 and the
products together 380, while all orders together come to 130; counted per product, Lamp would
be in 3 orders instead of 2.
"""

from __future__ import annotations

import pytest

from core.sql.databases.base import Database
from core.sql.generate.metrics import find_metrics
from core.sql.generate.patterns import PatternEngine
from core.sql.generate.query import Abstain
from core.sql.generate.schema_index import SchemaIndex
from tests.support.postgres import postgres_database
from tests.support.sqlite import sqlite_database

SHOP = [
    "CREATE TABLE products (product_id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, placed_on TEXT, total_amount INTEGER)",
    "CREATE TABLE order_lines (line_id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders (order_id),"
    " product_id INTEGER REFERENCES products (product_id), quantity INTEGER)",
    "INSERT INTO products VALUES (1, 'Lamp'), (2, 'Desk')",
    "INSERT INTO orders VALUES (1, '2024-01-05', 120), (2, '2024-02-07', 10)",
    "INSERT INTO order_lines VALUES (1, 1, 1, 2), (2, 1, 1, 1), (3, 1, 2, 1), (4, 2, 1, 1)",
]
TERMS = """Sales are the totals of orders; units are the quantities of order lines.
`sales: SUM(orders.total_amount)`
`units: SUM(order_lines.quantity)`
`orders placed: COUNT(orders.order_id)`"""


def engine(database: Database) -> PatternEngine:
    metrics, errors = find_metrics([TERMS])
    assert errors == []
    return PatternEngine(SchemaIndex.build(database.tables(), database.distinct_values), metrics=metrics)


def answer(database: Database, question: str) -> list[tuple]:
    sql, _, _ = engine(database).generate(question)
    return sorted(database.run_readonly(sql).rows, key=repr)


@pytest.mark.parametrize(
    "question",
    [
        "top 5 products by sales",  # grouped by the table on the other side of the lines
        "sales of Lamp",  # filtered through the lines: order 1 would count twice
        "average total amount of orders for each product",
    ],
)
def test_a_parent_measure_across_its_child_rows_declines_saying_why(tmp_path, question):
    database = sqlite_database(tmp_path / "shop.sqlite", ";\n".join(SHOP))
    # The reason names the repeated measure and what the repeating table measures itself.
    with pytest.raises(
        Abstain, match=r"orders\.total_amount would count once per order_lines row.* measures: quantity$"
    ):
        engine(database).generate(question)


def assert_measures_at_their_own_grain(database: Database) -> None:
    assert answer(database, "total sales") == [(130,)]
    # The lines' own measure per product, and with a condition on the order each line belongs to.
    assert answer(database, "top 5 products by units") == [(1, "Lamp", 4), (2, "Desk", 1)]
    assert answer(database, "units of Lamp") == [(4,)]
    assert answer(database, "units of orders in 2024") == [(5,)]
    # Counting the parent's key counts each order once, however many lines it has: Lamp is in 2.
    assert answer(database, "top 5 products by orders placed") == [(1, "Lamp", 2), (2, "Desk", 1)]


def assert_counts_each_row_once(database: Database) -> None:
    # The rows counted are the question's ("orders"), each once however many lines join it.
    assert answer(database, "number of orders per product") == [(1, 2), (2, 1)]
    assert answer(database, "number of orders of Lamp") == [(2,)]
    assert answer(database, "how many products for each order") == [(1, 2), (2, 1)]
    assert answer(database, "products with at least 3 orders") == []  # a bound on the count
    # Lines are what the join repeats nothing of: still one count per line.
    assert answer(database, "how many order lines for each product") == [(1, 3), (2, 1)]


def test_counts_each_row_once_across_a_join_on_sqlite(tmp_path):
    assert_counts_each_row_once(sqlite_database(tmp_path / "shop.sqlite", ";\n".join(SHOP)))


def test_counts_each_row_once_across_a_join_on_postgres(pg_scratch_url):
    with postgres_database(pg_scratch_url, SHOP) as database:
        assert_counts_each_row_once(database)


def test_a_count_of_rows_without_a_key_across_their_child_rows_declines_saying_why(tmp_path):
    # orders declared without a primary key: nothing tells one order from another to count it once
    keyless = [statement.replace("order_id INTEGER PRIMARY KEY,", "order_id INTEGER,") for statement in SHOP]
    database = sqlite_database(tmp_path / "shop.sqlite", ";\n".join(keyless))
    with pytest.raises(Abstain, match=r"orders would count once per order_lines row.*no single key"):
        engine(database).generate("number of orders per product")


def test_measures_at_their_own_grain_still_answer_on_sqlite(tmp_path):
    assert_measures_at_their_own_grain(sqlite_database(tmp_path / "shop.sqlite", ";\n".join(SHOP)))


def test_measures_at_their_own_grain_still_answer_on_postgres(pg_scratch_url):
    with postgres_database(pg_scratch_url, SHOP) as database:
        assert_measures_at_their_own_grain(database)
