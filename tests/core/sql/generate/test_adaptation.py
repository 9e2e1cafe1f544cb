from __future__ import annotations

from core.sql.generate.adaptation import adapt

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
