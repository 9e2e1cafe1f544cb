"""A saved query's value swapped for another value of the same column, checked against the data."""

from __future__ import annotations

from core.sql.databases.base import SqliteDatabase
from core.sql.generate.schema_index import SchemaIndex
from core.sql.generate.value_swap import ColumnValues


def lookup(database: SqliteDatabase, *, read_values: bool = True) -> ColumnValues:
    schema = SchemaIndex.build(database.tables(), database.distinct_values if read_values else None)
    return ColumnValues(database, schema)


def test_a_value_of_the_compared_column_is_returned_as_the_data_spells_it(shop) -> None:
    values = lookup(shop)
    assert values.swap("SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'", "Germany", "france") == "France"
    aliased = (
        "SELECT COUNT(*) FROM orders AS o JOIN customers AS c USING (customer_id) WHERE o.ship_country = 'Germany'"
    )
    assert values.swap(aliased, "Germany", "Italy") == "Italy"
    assert values.swap("SELECT * FROM orders WHERE status IN ('paid', 'shipped')", "paid", "shipped") == "shipped"


def test_a_value_only_another_column_holds_is_refused(shop) -> None:
    values = lookup(shop)
    # Spain is a customer's country, never a shipping country; Italy the other way round.
    assert values.swap("SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'", "Germany", "Spain") is None
    assert values.swap("SELECT COUNT(*) FROM customers WHERE country = 'Germany'", "Germany", "Italy") is None
    assert values.swap("SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'", "Germany", "Atlantis") is None


def test_a_literal_used_otherwise_or_a_column_of_two_tables_is_not_swapped(shop) -> None:
    values = lookup(shop)
    assert values.swap("SELECT * FROM orders WHERE ship_country LIKE 'Germany'", "Germany", "France") is None
    assert values.swap("SELECT * FROM orders WHERE UPPER(ship_country) = 'Germany'", "Germany", "France") is None
    # customer_id is in both tables: an unqualified column of a join names no one table.
    join = "SELECT * FROM orders JOIN customers USING (customer_id) WHERE customer_id = '1'"
    assert values.swap(join, "1", "2") is None


def test_values_not_read_are_asked_of_the_database_and_quotes_are_safe(shop) -> None:
    values = lookup(shop, read_values=False)
    saved = "SELECT * FROM customers WHERE name = 'Bo Li'"
    assert values.swap(saved, "Bo Li", "ann o'brien") == "Ann O'Brien"
    assert values.swap(saved, "Bo Li", "x' OR '1'='1") is None
