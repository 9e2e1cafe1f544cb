from __future__ import annotations

from core.sql.databases.base import SqliteDatabase
from core.sql.generate.adaptation import adapt
from core.sql.generate.schema_index import SchemaIndex
from core.sql.generate.value_swap import ColumnValues

REVENUE = "SELECT SUM(total_amount) FROM orders WHERE order_date >= '2023-01-01' AND order_date < '2024-01-01'"
TOP = "SELECT name, SUM(amount) AS spend FROM customers GROUP BY name ORDER BY spend DESC LIMIT 10"


def test_a_year_moves_both_date_bounds():
    adapted = adapt("revenue in 2021", "revenue in 2023", REVENUE, set(), set())
    assert adapted is not None and adapted.changes == [("2023", "2021")]
    assert adapted.sql.endswith("'2021-01-01' AND order_date < '2022-01-01'")


def test_a_number_said_once_in_the_sql_is_swapped():
    adapted = adapt("top 3 customers by spend", "top 10 customers by spend", TOP, set(), set())
    assert adapted is not None and adapted.sql.endswith("LIMIT 3")


def test_a_number_said_twice_or_never_is_not_guessed():
    twice = "SELECT * FROM t WHERE a > 10 LIMIT 10"
    assert adapt("top 5 over 10", "top 10 over 10", twice, set(), set()) is None
    assert adapt("orders over 7", "orders over 9", "SELECT * FROM orders", set(), set()) is None
    # other years in the SQL than the question's and its end bound: a different query
    assert adapt("revenue in 2021", "revenue in 2023", REVENUE.replace("2024", "2026"), set(), set()) is None


def test_material_words_and_new_schema_things_refuse():
    assert adapt("customers who never ordered", "customers who ordered", "SELECT 1", set(), set()) is None
    assert adapt("revenue per month", "revenue per year", "SELECT 1", set(), set()) is None
    assert adapt("products by spend", "customers by spend", "SELECT 1", set(), {"product", "customer"}) is None
    assert adapt("average price", "average weight", "SELECT 1", {"price", "weight"}, set()) is None
    france = "SELECT COUNT(*) FROM orders WHERE ship_country = 'France'"
    assert adapt("How many orders are there?", "How many orders went to France?", france, set(), set()) is None
    everything = "SELECT COUNT(*) FROM orders"
    assert adapt("How many orders went to Spain?", "How many orders are there?", everything, set(), set()) is None
    same = adapt("total spend per customer", "lifetime value per customer", "SELECT 1", {"total"}, {"customer"})
    assert same is not None and same.sql == "SELECT 1" and same.changes == []


# Value swaps: the saved query's value for another value the database holds in the same column.
TO_GERMANY = "SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany' AND status IN ('paid', 'shipped')"
SHOP_THINGS = {"order", "customer", "germany", "france", "italy", "spain", "paid", "shipped", "bo", "li", "ann"}


def shop_values(database: SqliteDatabase) -> ColumnValues:
    return ColumnValues(database, SchemaIndex.build(database.tables(), database.distinct_values))


def test_a_value_of_the_same_column_is_swapped_in(shop):
    values = shop_values(shop)
    adapted = adapt(
        "How many orders went to France?", "How many orders went to Germany?", TO_GERMANY, set(), SHOP_THINGS, values
    )
    assert adapted is not None and adapted.changes == [("Germany", "France")]
    assert adapted.sql == TO_GERMANY.replace("'Germany'", "'France'")
    assert shop.run_readonly(adapted.sql).rows == [(1,)]
    # Other words around it that name nothing new are a paraphrase.
    reworded = adapt(
        "How many orders were sent to italy?",
        "How many orders went to Germany?",
        TO_GERMANY,
        set(),
        SHOP_THINGS,
        values,
    )
    assert reworded is not None and reworded.changes == [("Germany", "Italy")]


def test_a_value_swap_goes_with_a_number_swap_and_quotes_are_doubled(shop):
    values = shop_values(shop)
    saved = "SELECT name FROM customers WHERE country = 'Germany' ORDER BY name LIMIT 10"
    adapted = adapt("5 customers from Spain", "10 customers from Germany", saved, set(), SHOP_THINGS, values)
    assert adapted is not None and adapted.changes == [("Germany", "Spain"), ("10", "5")]
    assert adapted.sql == "SELECT name FROM customers WHERE country = 'Spain' ORDER BY name LIMIT 5"
    by_name = "SELECT COUNT(*) FROM orders JOIN customers AS c USING (customer_id) WHERE c.name = 'Bo Li'"
    named = adapt("orders of Ann O'Brien", "orders of Bo Li", by_name, set(), SHOP_THINGS, values)
    assert named is not None and "c.name = 'Ann O''Brien'" in named.sql
    assert shop.run_readonly(named.sql).rows == [(1,)]


def test_a_value_the_column_does_not_hold_is_refused(shop):
    values = shop_values(shop)
    saved_question = "How many orders went to Germany?"
    # Spain is a customer's country, never a shipping country; Atlantis is nowhere.
    assert adapt("How many orders went to Spain?", saved_question, TO_GERMANY, set(), SHOP_THINGS, values) is None
    assert adapt("How many orders went to Atlantis?", saved_question, TO_GERMANY, set(), SHOP_THINGS, values) is None
    # A value said beside the saved one is a new filter, not a swap; no database, no swap.
    both = "How many orders went to Germany or France?"
    assert adapt(both, saved_question, TO_GERMANY, set(), SHOP_THINGS, values) is None
    assert adapt("How many orders went to France?", saved_question, TO_GERMANY, set(), SHOP_THINGS) is None


def test_values_must_keep_their_places(shop):
    """Two values in two columns: a swap may replace one, never move one to the other column."""
    values = shop_values(shop)
    saved_question = "orders from customers in France shipped to Germany"
    saved = (
        "SELECT COUNT(*) FROM orders JOIN customers AS c USING (customer_id)"
        " WHERE c.country = 'France' AND ship_country = 'Germany'"
    )
    kept = adapt("orders from customers in Spain shipped to Germany", saved_question, saved, set(), SHOP_THINGS, values)
    assert kept is not None and kept.changes == [("France", "Spain")]
    # The same two countries the other way round: the words are the same, the question is not.
    reversed_ = "orders from customers in Germany shipped to France"
    assert adapt(reversed_, saved_question, saved, set(), SHOP_THINGS, values) is None
    moved = "orders from customers in Germany shipped to Spain"
    assert adapt(moved, saved_question, saved, set(), SHOP_THINGS, values) is None
