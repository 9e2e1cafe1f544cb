"""OfflineSqlGenerator: saved paraphrases, the pattern engine, and honest abstentions."""

from __future__ import annotations

from datetime import date

import pytest

from core.sql.databases.base import PostgresDatabase, SqliteDatabase
from core.sql.generate.metrics import Condition, find_metrics, measures_by_phrase
from core.sql.generate.offline import OfflineSqlGenerator
from core.sql.generate.schema_index import SchemaIndex
from core.sql.knowledge import SqlKnowledge, read_documentation_file, read_examples_file
from core.sql.sample import SAMPLE_DOCS_FILE, SAMPLE_EXAMPLES_FILE, ensure_sample_database, load_sample_into_postgres
from core.vectors.local import LocalVectorStore
from tests.support.sqlite import sqlite_database

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> SqliteDatabase:
    return sqlite_database(
        tmp_path_factory.mktemp("school") / "school.sqlite",
        """
        CREATE TABLE department (dept_id INTEGER PRIMARY KEY, dept_name TEXT, building TEXT);
        CREATE TABLE student (
            student_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, city TEXT, enrolled_on TEXT,
            dept_id INTEGER REFERENCES department(dept_id));
        INSERT INTO department VALUES
            (1, 'Physics', 'North'), (2, 'History', 'South'), (3, 'Art', 'North'), (4, 'Music', 'East');
        INSERT INTO student VALUES
            (1, 'Ada', 21, 'Paris', '2023-09-01', 1), (2, 'Ben', 34, 'Berlin', '2022-09-01', 1),
            (3, 'Chloé', 19, 'Paris', '2023-09-01', 2), (4, 'Dan', 45, 'Rome', '2021-09-01', 3),
            (5, 'Eve', 30, 'Berlin', '2023-02-01', 2);
        """,
    )


@pytest.fixture(scope="module")
def school_generator(school) -> OfflineSqlGenerator:
    return OfflineSqlGenerator(school, None, today=TODAY)


def rows(database, sql: str) -> list[tuple]:
    return sorted(database.run_readonly(sql).rows, key=repr)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many students are there?", [(5,)]),
        ("What is the average age of students?", [(29.8,)]),
        ("What is the average, minimum and maximum age of all students?", [(29.8, 19, 45)]),
        ("How many students are older than 30?", [(2,)]),
        ("How many students are from Paris?", [(2,)]),
        ("List the names of students whose age is at least 30.", [("Ben",), ("Dan",), ("Eve",)]),
        ("How many students are there for each city?", [("Berlin", 2), ("Paris", 2), ("Rome", 1)]),
        ("Show the name of the oldest student.", [("Dan",)]),
        ("What are the names of the 2 youngest students?", [("Ada",), ("Chloé",)]),
        ("How many different cities do students come from?", [(3,)]),
        ("How many students are in the Physics department?", [(2,)]),
        ("List the names of students in buildings 'North'.", [("Ada",), ("Ben",), ("Dan",)]),
        ("How many students enrolled in 2023?", [(3,)]),
        (
            "Show the names of students ordered by age in descending order.",
            [("Ada",), ("Ben",), ("Chloé",), ("Dan",), ("Eve",)],
        ),
        ("List the names of students who are not from Paris.", [("Ben",), ("Dan",), ("Eve",)]),
        ("How many students are from Paris or Rome?", [(3,)]),
        ("What are the names of students with age between 20 and 35?", [("Ada",), ("Ben",), ("Eve",)]),
        ("What is the most common building among departments?", [("North",)]),
        ("Which departments have at least 2 students?", [("Physics",), ("History",)]),
        # listed rows are shown by their name, not every column
        ("List the departments that have at least 2 students.", [("Physics",), ("History",)]),
        (
            "Show the department name and the number of students in each department.",
            [("Art", 1), ("History", 2), ("Physics", 2)],
        ),
    ],
)
def test_pattern_engine_answers_plain_questions(school, school_generator, question, expected):
    proposal = school_generator.generate(question)
    assert proposal.kind == "sql", proposal.message
    assert proposal.source == "pattern"
    assert rows(school, proposal.sql) == sorted(expected, key=repr)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Anti-joins along the foreign key that points at the main table.
        ("Which departments have no students?", [("Music",)]),
        ("How many departments do not have any students?", [(1,)]),
        ("List the names of students who are not in the Physics department.", [("Chloé",), ("Dan",), ("Eve",)]),
        # A condition on the negated table belongs inside the negation.
        ("Which departments have no students from Paris?", [("Art",), ("Music",)]),
        ("Which departments in the North building have no students from Paris?", [("Art",)]),
        # "both … and …" over related rows: one of each, not one row that is both.
        ("Which departments have students from both Paris and Berlin?", [("Physics",), ("History",)]),
        # "… but not …" on the same column: one related row of the first kind and none of the second.
        ("Which departments have students from Rome but not from Paris?", [("Art",)]),
        ("Which departments have students from Berlin but not from Paris?", []),
        # Time buckets and year bounds on the one date column.
        ("How many students enrolled per month in 2023?", [("2023-02", 1), ("2023-09", 2)]),
        ("How many students enrolled before 2023?", [(2,)]),
        ("How many students enrolled after 2021?", [(4,)]),
        # Comparisons with the average, negated and widened equalities.
        ("Which students are older than the average age?", [("Ben",), ("Dan",), ("Eve",)]),
        ("How many students have an age below the average?", [(2,)]),
        ("List the names of students whose city is not Berlin.", [("Ada",), ("Chloé",), ("Dan",)]),
        ("How many students have age 21 or 34?", [(2,)]),
        # Verbs that only relate tables; "by" after such a verb names the agent, not a grouping.
        ("List the names of students studying in the Physics department.", [("Ada",), ("Ben",)]),
        ("How many students are managed by the Physics department?", [(2,)]),
        ("List the names of students who do not have the city 'Paris'.", [("Ben",), ("Dan",), ("Eve",)]),
        # A column asked about a row named by a value of another column.
        ("Which city is Dan from?", [("Rome",)]),
        # Values of a column counted over its own table.
        ("Which cities have at least 2 students?", [("Berlin",), ("Paris",)]),
        # A second sentence that lists the columns to show.
        ("Which student is the oldest? List the name and city.", [("Dan", "Rome")]),
    ],
)
def test_pattern_engine_rules_beyond_single_filters(school, school_generator, question, expected):
    proposal = school_generator.generate(question)
    assert proposal.kind == "sql", proposal.message
    assert rows(school, proposal.sql) == sorted(expected, key=repr)


def test_anti_join_is_not_in_over_the_referencing_rows(school_generator):
    sql = school_generator.generate("Which departments have no students?").sql
    assert "NOT IN (SELECT dept_id FROM student WHERE dept_id IS NOT NULL)" in sql


def test_order_follows_time_and_direction_words(school, school_generator):
    monthly = school_generator.generate("How many students enrolled per year?")
    assert school.run_readonly(monthly.sql).rows == [("2021", 1), ("2022", 1), ("2023", 3)]
    ages = school_generator.generate("List the ages of students in descending order.")
    assert [r[0] for r in school.run_readonly(ages.sql).rows] == [45, 34, 30, 21, 19]
    earliest = school_generator.generate("List the names of the 2 earliest enrolled students.")
    assert school.run_readonly(earliest.sql).rows == [("Dan",), ("Ben",)]
    by_age = school_generator.generate("List the names of students ordered by descending age.")
    assert [r[0] for r in school.run_readonly(by_age.sql).rows] == ["Dan", "Ben", "Eve", "Ada", "Chloé"]
    alphabetical = school_generator.generate("Show the names of students in ascending alphabetical order.")
    assert [r[0] for r in school.run_readonly(alphabetical.sql).rows] == ["Ada", "Ben", "Chloé", "Dan", "Eve"]


@pytest.fixture(scope="module")
def travel(tmp_path_factory) -> SqliteDatabase:
    # Two keys from flights to airports: which one a verb means is not the engine's to guess.
    return sqlite_database(
        tmp_path_factory.mktemp("travel") / "travel.sqlite",
        """
        CREATE TABLE airports (code TEXT PRIMARY KEY, city TEXT, contact_email_address TEXT);
        CREATE TABLE flights (
            flight_no INTEGER PRIMARY KEY, source TEXT REFERENCES airports(code),
            destination TEXT REFERENCES airports(code), seats INTEGER, is_direct TEXT, level_of_service TEXT,
            fare TEXT);
        INSERT INTO airports VALUES ('ABZ', 'Aberdeen', 'ops@abz.example'), ('LHR', 'London', 'ops@lhr.example');
        INSERT INTO flights VALUES
            (1, 'ABZ', 'LHR', 100, 'T', 'economy', '80'), (2, 'LHR', 'ABZ', 150, 'F', 'business', '400'),
            (3, 'LHR', 'ABZ', 90, 'T', 'economy', '120');
        """,
    )


@pytest.mark.parametrize(
    "question",
    [
        "How many flights are scheduled for Aberdeen?",
        "How many flights have more than the average?",
        "Which flights have seats before 2000 and after 2010?",
    ],
)
def test_abstains_when_the_words_do_not_pick_one_reading(travel, question):
    proposal = OfflineSqlGenerator(travel, None, today=TODAY).generate(question)
    assert proposal.kind == "abstain", proposal.sql


def test_travel_plain_questions_still_answer(travel):
    generator = OfflineSqlGenerator(travel, None, today=TODAY)
    proposal = generator.generate("How many flights have more than 95 seats?")
    assert travel.run_readonly(proposal.sql).rows == [(2,)]
    # A yes/no column (is_direct: 'T'/'F') makes its adjective a condition.
    direct = generator.generate("How many direct flights are there?")
    assert "is_direct = 'T'" in direct.sql
    assert travel.run_readonly(direct.sql).rows == [(2,)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The word before the value says which of the two keys to airports is meant.
        ("How many flights are departing from Aberdeen?", [(1,)]),
        ("How many flights are arriving in Aberdeen?", [(2,)]),
        ("How many flights depart from 'LHR'?", [(2,)]),
        # Column names with a trailing qualifier or an "of": contact_email_address, level_of_service.
        ("What is the contact email of the airport in London?", [("ops@lhr.example",)]),
        ("How many flights have service level 'economy'?", [(2,)]),
        # Numbers stored as text still average, as numbers (not as text, which PostgreSQL refuses).
        ("What is the average fare of flights?", [(200.0,)]),
    ],
)
def test_travel_directions_and_column_name_variants(travel, question, expected):
    proposal = OfflineSqlGenerator(travel, None, today=TODAY).generate(question)
    assert proposal.kind == "sql", proposal.message
    assert rows(travel, proposal.sql) == expected


def test_ordering_and_joins_are_real_sql(school, school_generator):
    ordered = school_generator.generate("Show the names of students ordered by age in descending order.")
    assert ordered.sql.endswith("ORDER BY age DESC")
    assert [r[0] for r in school.run_readonly(ordered.sql).rows] == ["Dan", "Ben", "Eve", "Ada", "Chloé"]
    joined = school_generator.generate("How many students are in the Physics department?")
    assert "JOIN department" in joined.sql and "dept_id" in joined.sql
    assert joined.tables == ["student", "department"]


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "hello",
        "Wie viele Studenten gibt es?",
        "Delete all students",
        "Which students do not have a department?",
        "Find the id of students in the Physics department who are not from Paris?",
        "How many students have more than 2 friends?",
        "What is the meaning of life?",
        "x" * 5000,
        "🙂🙂🙂",
        "'; DROP TABLE student; --",
    ],
)
def test_abstains_instead_of_guessing(school_generator, question):
    proposal = school_generator.generate(question)
    assert proposal.kind == "abstain"
    assert proposal.sql is None
    assert proposal.source == "none"
    assert proposal.message


def test_abstention_names_tables_and_similar_saved_questions(school, minilm, tmp_path):
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v"), "sql-school")
    knowledge.train(school.tables())
    knowledge.add_example(
        "Which department has the most students?",
        "SELECT dept_id FROM student GROUP BY dept_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    generator = OfflineSqlGenerator(school, knowledge, today=TODAY)
    proposal = generator.generate("Which departments have more students than the History department?")
    assert proposal.kind == "abstain"
    assert "without an LLM" in proposal.message
    assert proposal.similar[0] == "Which department has the most students?"
    assert "department, student" in proposal.message
    assert proposal.tables == ["department", "student"]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> SqliteDatabase:
    return SqliteDatabase(ensure_sample_database(tmp_path_factory.mktemp("sample")))


@pytest.fixture(scope="module")
def sample_knowledge(minilm, tmp_path_factory, sample_db) -> SqlKnowledge:
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path_factory.mktemp("vectors")), "sql-sample")
    knowledge.train(
        sample_db.tables(), read_documentation_file(SAMPLE_DOCS_FILE), read_examples_file(SAMPLE_EXAMPLES_FILE)
    )
    return knowledge


def test_saved_paraphrase_is_used_verbatim(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    examples = {e.question: e.sql for e in read_examples_file(SAMPLE_EXAMPLES_FILE)}
    proposal = generator.generate("What was the total revenue for 2023?")
    assert proposal.kind == "sql" and proposal.source == "saved"
    assert proposal.sql == examples["What was the total revenue in 2023?"]
    # Close in embedding space with another year: the saved SQL with its date bounds moved.
    adapted = generator.generate("What was the total revenue in 2022?")
    assert adapted.source == "saved" and "“What was the total revenue in 2023?”" in adapted.message
    assert "2023 → 2022" in adapted.message
    assert adapted.sql == examples["What was the total revenue in 2023?"].replace(
        "'2023-01-01'", "'2022-01-01'"
    ).replace("'2024-01-01'", "'2023-01-01'")


@pytest.mark.parametrize(
    ("question", "saved"),
    [
        ("Total revenue in 2023?", True),
        ("Top 10 customers by lifetime value", True),
        ("Which products were never ordered?", True),
        ("How many customers signed up per year?", True),
        ("What's our refund rate?", True),
        # Near-identical wording, different question: a time unit, a negation or a schema word.
        ("What is the revenue per year?", False),
        ("Which customers have never ordered?", False),
        ("What is the average order value per segment?", False),
        ("How many new customers signed up each month?", False),
        ("What is the cancellation rate?", False),
    ],
)
def test_paraphrase_or_not(sample_db, sample_knowledge, question, saved):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(question)
    assert (proposal.source == "saved") is saved, proposal


def test_sample_questions_with_relative_dates_anchor_on_the_data(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    proposal = generator.generate("How many orders shipped to Germany last month?")
    assert proposal.kind == "sql", proposal.message
    # The data ends in December 2024, before "today": last month is November 2024, and the
    # proposal says so, for a reviewer who would otherwise think of today's calendar.
    assert "'2024-11-01'" in proposal.sql and "'2024-12-01'" in proposal.sql
    assert "“last month” = November 2024 — the data in orders.order_date ends on 2024-12-31" in proposal.message
    expected = sample_db.run_readonly(
        "SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany' AND order_date LIKE '2024-11-%'"
    ).rows
    assert sample_db.run_readonly(proposal.sql).rows == expected
    this_year = generator.generate("How many orders were placed this year?")
    assert "'2024-01-01'" in this_year.sql and "“this year” = 2024 — the data" in this_year.message
    live = OfflineSqlGenerator(sample_db, sample_knowledge, today=date(2024, 6, 15))
    on_today = live.generate("How many orders were placed last month?")
    assert "'2024-05-01'" in on_today.sql
    assert "“last month” = May 2024." in on_today.message and "ends on" not in on_today.message
    fixed = generator.generate("How many orders were placed in 2023?")
    assert "“" not in fixed.message  # nothing relative to explain


def test_sample_questions(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    top = generator.generate("Show the names of the top 3 products by unit price")
    assert sample_db.run_readonly(top.sql).rows == [("Nimbus Pro 14",), ("Aero 16 Laptop",), ("Aero 15 Laptop",)]
    segment = generator.generate("How many customers are in the business segment?")
    assert "segment = 'business'" in segment.sql
    total = generator.generate("What is the total amount of orders in 2023?")
    assert total.sql.startswith("SELECT SUM(total_amount) FROM orders WHERE order_date >= '2023-01-01'")


@pytest.mark.parametrize(
    ("question", "reference"),
    [
        (
            "how many orders per month in 2024",
            "SELECT substr(order_date, 1, 7), COUNT(*) FROM orders WHERE order_date LIKE '2024-%' GROUP BY 1",
        ),
        (
            "which products were never ordered",
            "SELECT name FROM products WHERE product_id NOT IN (SELECT product_id FROM order_items)",
        ),
        ("how many customers are in Germany", "SELECT COUNT(*) FROM customers WHERE country = 'Germany'"),
        # "clients" is not a schema word; its synonym "customer" is.
        ("How many clients are in Germany?", "SELECT COUNT(*) FROM customers WHERE country = 'Germany'"),
        (
            "How many orders were cancelled in 2023?",
            "SELECT COUNT(*) FROM orders WHERE status = 'cancelled' AND order_date LIKE '2023-%'",
        ),
        (
            "average order total by country",
            "SELECT c.country, AVG(o.total_amount) FROM orders o JOIN customers c USING (customer_id) GROUP BY 1",
        ),
        (
            "How many products cost more than the average unit price?",
            "SELECT COUNT(*) FROM products WHERE unit_price > (SELECT AVG(unit_price) FROM products)",
        ),
        (
            "How many customers did not place any order?",
            "SELECT COUNT(*) FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)",
        ),
        (
            "What is the average total amount of orders per month?",
            "SELECT substr(order_date, 1, 7), AVG(total_amount) FROM orders GROUP BY 1",
        ),
        # A value right after a table word describes that table: the customers' country (billing),
        # not the orders' ship_country, although both hold 'Germany'.
        (
            "how many orders from customers in Germany",
            "SELECT COUNT(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'Germany'",
        ),
        (
            "how many orders of customers in the business segment in 2023",
            "SELECT COUNT(*) FROM orders o JOIN customers c USING (customer_id)"
            " WHERE c.segment = 'business' AND o.order_date LIKE '2023-%'",
        ),
    ],
)
def test_sample_plain_questions(sample_db, question, reference):
    proposal = OfflineSqlGenerator(sample_db, None, today=TODAY).generate(question)
    assert proposal.kind == "sql", proposal.message
    assert rows(sample_db, proposal.sql) == rows(sample_db, reference)


def test_customers_from_germany_are_not_orders_shipped_there(sample_db):
    generator = OfflineSqlGenerator(sample_db, None, today=TODAY)
    billed = sample_db.run_readonly(generator.generate("how many orders from customers in Germany").sql).rows
    shipped = sample_db.run_readonly(generator.generate("how many orders shipped to Germany").sql).rows
    assert billed != shipped  # the two readings differ on this data: the test tells them apart


def test_top_n_by_number_of_related_rows(sample_db):
    proposal = OfflineSqlGenerator(sample_db, None, today=TODAY).generate("top 5 customers by number of orders")
    assert proposal.kind == "sql", proposal.message
    result = sample_db.run_readonly(proposal.sql)
    assert result.columns[-1] == "number_of_orders"
    expected = sample_db.run_readonly(
        "SELECT COUNT(*) AS n FROM orders GROUP BY customer_id ORDER BY n DESC LIMIT 5"
    ).rows
    assert [row[-1] for row in result.rows] == [row[0] for row in expected]
    assert all(isinstance(row[1], str) for row in result.rows)  # the customers themselves, then their count
    # Which products (key and name) and the price they are ranked by: not every column.
    products = OfflineSqlGenerator(sample_db, None, today=TODAY).generate("top 3 products by unit price")
    assert (
        sample_db.run_readonly(products.sql).rows
        == sample_db.run_readonly(
            "SELECT product_id, name, unit_price FROM products ORDER BY unit_price DESC LIMIT 3"
        ).rows
    )


def test_sample_business_terms_are_not_guessed(sample_db):
    # Revenue counts paid orders only (docs.md); without the documentation the engine must not
    # guess it from a column.
    proposal = OfflineSqlGenerator(sample_db, None, today=TODAY).generate("top 5 customers by revenue")
    assert proposal.kind == "abstain"


PAID = "status IN ('paid', 'shipped', 'delivered')"


@pytest.mark.parametrize(
    ("question", "reference"),
    [
        (
            "what was total revenue in 2022?",
            f"SELECT SUM(total_amount) FROM orders WHERE {PAID} AND order_date LIKE '2022-%'",
        ),
        (
            "top 5 customers by revenue",
            "SELECT c.customer_id, c.name, SUM(o.total_amount) AS r FROM customers c JOIN orders o USING (customer_id)"
            f" WHERE o.{PAID} GROUP BY c.customer_id ORDER BY r DESC LIMIT 5",
        ),
        (
            "Which customer has the highest lifetime value?",
            "SELECT c.customer_id, c.name, SUM(o.total_amount) AS r FROM customers c JOIN orders o USING (customer_id)"
            f" WHERE o.{PAID} GROUP BY c.customer_id ORDER BY r DESC LIMIT 1",
        ),
        (
            "revenue per month in 2023",
            f"SELECT substr(order_date, 1, 7) AS m, SUM(total_amount) FROM orders WHERE {PAID}"
            " AND order_date LIKE '2023-%' GROUP BY m ORDER BY m",
        ),
        # The period belongs to the metric's rows (orders), not to the customers' signup date.
        (
            "top 3 customers in Germany by revenue in 2023",
            "SELECT c.customer_id, c.name, SUM(o.total_amount) AS r FROM customers c JOIN orders o USING (customer_id)"
            f" WHERE o.{PAID} AND c.country = 'Germany' AND o.order_date LIKE '2023-%'"
            " GROUP BY c.customer_id ORDER BY r DESC LIMIT 3",
        ),
        # The condition sits on another table than the measure: joined along the foreign key.
        (
            "units sold in 2023",
            f"SELECT SUM(i.quantity) FROM order_items i JOIN orders o USING (order_id) WHERE o.{PAID}"
            " AND o.order_date LIKE '2023-%'",
        ),
        (
            "average order value per segment",
            "SELECT c.segment, AVG(o.total_amount) FROM orders o JOIN customers c USING (customer_id)"
            f" WHERE o.{PAID} GROUP BY 1",
        ),
        # The documented term beats the status value 'paid' of the same word.
        ("how many paid orders in 2023", f"SELECT COUNT(*) FROM orders WHERE {PAID} AND order_date LIKE '2023-%'"),
        (
            "how many active customers in 2024",
            f"SELECT COUNT(DISTINCT customer_id) FROM orders WHERE {PAID} AND order_date LIKE '2024-%'",
        ),
    ],
)
def test_business_metrics_from_the_documentation(sample_db, sample_knowledge, question, reference):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(question)
    # "total revenue in 2022" may also be the saved 2023 question adapted: the same rows either way.
    assert proposal.kind == "sql" and proposal.source in ("pattern", "saved"), proposal.message
    assert "status IN ('paid', 'shipped', 'delivered')" in proposal.sql
    expected = sample_db.run_readonly(reference).rows
    got = sample_db.run_readonly(proposal.sql).rows
    assert got == expected if "ORDER BY" in reference else sorted(got, key=repr) == sorted(expected, key=repr)


def test_business_metric_is_not_the_plain_column_and_is_named(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    revenue = sample_db.run_readonly(generator.generate("what was total revenue in 2022?").sql)
    everything = sample_db.run_readonly(generator.generate("what is the total amount of orders in 2022?").sql)
    assert revenue.columns == ["revenue"]
    assert revenue.rows[0][0] < everything.rows[0][0]  # cancelled, refunded and pending orders left out


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("revenue of cancelled orders", "definition already sets status"),
        ("average revenue per month", "'revenue' is a SUM of its own"),
        ("top 5 by revenue", "cannot place 'by'"),  # top 5 of what?
        # Customers without a paid order have the lowest revenue; the join would leave them out.
        ("Which customer has the lowest revenue?", "misses rows that have none"),
    ],
)
def test_business_metrics_abstain_where_the_definition_does_not_fit(sample_db, sample_knowledge, question, reason):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(question)
    assert proposal.kind == "abstain", proposal.sql
    assert reason in proposal.message


def test_sample_documentation_metrics_all_resolve(sample_db):
    metrics, errors = find_metrics(read_documentation_file(SAMPLE_DOCS_FILE))
    assert errors == []
    assert {name for m in metrics for name in m.names} >= {
        "revenue",
        "average order value",
        "aov",
        "units sold",
        "lifetime value",
    }
    measures = measures_by_phrase(metrics, SchemaIndex.build(sample_db.tables()))
    assert len(measures) == sum(len(m.names) for m in metrics)  # no definition out of step with the schema


def test_metric_lines_parse_in_all_documented_forms():
    paragraph = """Prose stays prose. Segments: consumer (private people), business.
Totals: sum (in EUR) of the amounts.
- `big spenders, whales: COUNT(DISTINCT orders.customer_id) WHERE orders.total_amount >= 1000.5 AND orders.note IS NOT NULL`
* late fees: SUM(orders.fee) WHERE orders.status NOT IN ('paid', 'it''s open') AND orders.kind <> 'test and demo'"""  # noqa: E501
    metrics, errors = find_metrics([paragraph])
    assert errors == []
    whales, fees = metrics
    assert whales.names == ("big spenders", "whales") and whales.aggregate == "COUNT" and whales.distinct
    assert whales.conditions == (
        Condition("orders", "total_amount", ">=", 1000.5),
        Condition("orders", "note", "IS NOT", None),
    )
    assert fees.conditions == (
        Condition("orders", "status", "NOT IN", ["paid", "it's open"]),
        Condition("orders", "kind", "!=", "test and demo"),
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("revenue: SUM(total_amount) WHERE status = 'paid'", "write it as"),
        ("revenue: SUM(orders.total_amount) - SUM(orders.refunds)", "write it as"),
        ("revenue: SUM(orders.total_amount) WHERE orders.status LIKE 'p%'", "the condition “orders.status LIKE 'p%'”"),
    ],
)
def test_malformed_metric_lines_are_errors_naming_the_line(line, reason):
    metrics, errors = find_metrics(["Revenue is money.\n" + line])
    assert metrics == []
    assert len(errors) == 1 and errors[0].startswith(f"metric line “{line}”: ") and reason in errors[0]


def test_metrics_from_a_users_docs_file_and_a_stale_one_is_ignored(school, minilm, tmp_path, caplog):
    # SQL_DOCS_FILE in the documented format, trained as `python -m bot train` does.
    docs = tmp_path / "terms.md"
    docs.write_text(
        "<!-- metric lines: names: AGGREGATE(table.column) WHERE … -->\n\n"
        "An adult is a student aged 21 or more.\n"
        "- `adults, grown-ups: COUNT(student.student_id) WHERE student.age >= 21`\n\n"
        "Height was dropped from the schema.\n`tallness: AVG(student.height)`\n"
    )
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v"), "sql-school-terms")
    knowledge.train(school.tables(), read_documentation_file(docs))
    generator = OfflineSqlGenerator(school, knowledge, today=TODAY)
    proposal = generator.generate("How many adults are in the History department?")
    assert proposal.kind == "sql", proposal.message
    assert school.run_readonly(proposal.sql).rows == [(1,)]  # Eve; Chloé is 19
    assert "tallness" in caplog.text and "no column student.height" in caplog.text
    assert generator.generate("What is the tallness of students?").kind == "abstain"


@pytest.fixture
def sample_postgres(pg_scratch_url):
    load_sample_into_postgres(pg_scratch_url)
    database = PostgresDatabase(pg_scratch_url)
    yield database
    database.close()


def test_generated_sql_runs_on_postgres(sample_postgres, sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_postgres, sample_knowledge, today=TODAY)
    lite = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    for question in (
        "How many orders shipped to Germany last month?",
        "What is the average unit price of products for each category?",
        "How many customers are in the business segment?",
        "What is the total amount of orders in 2023?",
        "how many orders per month in 2024",
        "which products were never ordered",
        "how many orders from customers in Germany",
        "top 4 customers by number of orders",
        "what was total revenue in 2022?",
        "top 5 customers by revenue",
        "revenue per month in 2023",
        "units sold last year",
        "how many active customers in 2024",
    ):
        proposal = generator.generate(question)
        assert proposal.kind == "sql", (question, proposal.message)
        pg = sample_postgres.run_readonly(proposal.sql).rows
        sqlite = sample_db.run_readonly(lite.generate(question).sql).rows
        assert [
            tuple(round(float(v), 2) if isinstance(v, (int, float, str)) and _num(v) else v for v in r)
            for r in sorted(pg)
        ] == [
            tuple(round(float(v), 2) if isinstance(v, (int, float, str)) and _num(v) else v for v in r)
            for r in sorted(sqlite)
        ], question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many concerts are there in 2014?", [(2,)]),
        ("List the names of concerts in 2014 or 2015.", [("Auditions",), ("Bootcamp",), ("Finals",)]),
        ("Show the names of concerts after 2014.", [("Bootcamp",), ("Gala",)]),
        # "containing" matches any case, as on SQLite (PostgreSQL's LIKE alone would not).
        ("Which concerts have a name containing 'boot'?", [("Bootcamp",)]),
    ],
)
def test_numbers_against_text_columns_run_on_postgres(pg_scratch_url, question, expected):
    """A year kept in a text column: PostgreSQL refuses `text = integer`."""
    import psycopg

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE concert (concert_id int PRIMARY KEY, name text, year varchar(4))")
        conn.execute(
            "INSERT INTO concert VALUES (1, 'Auditions', '2014'), (2, 'Bootcamp', '2015'),"
            " (3, 'Finals', '2014'), (4, 'Gala', '2016')"
        )
    database = PostgresDatabase(pg_scratch_url)
    try:
        proposal = OfflineSqlGenerator(database, None, today=TODAY).generate(question)
        assert proposal.kind == "sql", proposal.message
        assert rows(database, proposal.sql) == expected, proposal.sql
    finally:
        database.close()


def test_ordering_by_a_joined_column_that_is_not_shown_runs_on_postgres(pg_scratch_url):
    """SELECT DISTINCT with ORDER BY outside the select list is an error on PostgreSQL; Ann, with two
    poker_player rows, is still listed once."""
    import psycopg

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE people (people_id int PRIMARY KEY, name text)")
        conn.execute(
            "CREATE TABLE poker_player (poker_player_id int PRIMARY KEY,"
            " people_id int REFERENCES people (people_id), earnings numeric)"
        )
        conn.execute("INSERT INTO people VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy')")
        conn.execute("INSERT INTO poker_player VALUES (1, 2, 500), (2, 1, 900), (3, 3, 100), (4, 1, 50)")
    database = PostgresDatabase(pg_scratch_url)
    try:
        proposal = OfflineSqlGenerator(database, None, today=TODAY).generate(
            "What are the names of poker players in descending order of earnings?"
        )
        assert proposal.kind == "sql", proposal.message
        assert database.run_readonly(proposal.sql).rows == [("Ann",), ("Bob",), ("Cy",)], proposal.sql
    finally:
        database.close()


def test_a_joined_key_equal_to_the_grouping_key_runs_on_postgres(pg_scratch_url):
    """paragraphs.document_id beside GROUP BY documents.document_id: equal through the join, but
    PostgreSQL accepts only the grouped column itself."""
    import psycopg

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE documents (document_id int PRIMARY KEY, document_name text)")
        conn.execute(
            "CREATE TABLE paragraphs (paragraph_id int PRIMARY KEY,"
            " document_id int REFERENCES documents (document_id), paragraph_text text)"
        )
        conn.execute("INSERT INTO documents VALUES (1, 'Policy'), (2, 'Guide')")
        conn.execute("INSERT INTO paragraphs VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')")
    database = PostgresDatabase(pg_scratch_url)
    try:
        generator = OfflineSqlGenerator(database, None, today=TODAY)
        proposal = generator.generate("Show all document ids and the number of paragraphs in each document.")
        assert proposal.kind == "sql", proposal.message
        assert rows(database, proposal.sql) == [(1, 2), (2, 1)], proposal.sql
    finally:
        database.close()


def _num(value) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def test_database_down_abstains_with_the_reason(tmp_path):
    generator = OfflineSqlGenerator(SqliteDatabase(tmp_path / "missing.sqlite"), None, today=TODAY)
    proposal = generator.generate("How many orders are there?")
    assert proposal.kind == "abstain"
    assert "can't read the database schema" in proposal.message and "does not exist" in proposal.message
    assert proposal.tables == []


def test_saved_proposal_lists_its_tables(sample_db, sample_knowledge):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(
        "Top 10 customers by lifetime value"
    )
    assert proposal.source == "saved"
    assert proposal.tables == ["customers", "orders"]


@pytest.mark.parametrize(
    ("previous", "follow_up", "reference"),
    [
        (
            "What was the total revenue in 2023?",
            "and in 2024?",
            f"SELECT SUM(total_amount) FROM orders WHERE {PAID} AND order_date LIKE '2024-%'",
        ),
        (
            "how many customers in Germany",
            "and France?",
            "SELECT COUNT(*) FROM customers WHERE country = 'France'",
        ),
        (
            "top 5 customers by revenue",
            "what about the top 3?",
            f"SELECT c.customer_id, c.name, SUM(o.total_amount) AS r FROM customers c JOIN orders o USING (customer_id)"
            f" WHERE o.{PAID} GROUP BY c.customer_id ORDER BY r DESC LIMIT 3",
        ),
    ],
)
def test_follow_ups_rewrite_the_previous_question(sample_db, sample_knowledge, previous, follow_up, reference):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    history = [{"role": "user", "content": f"<@UBOT> {previous}"}, {"role": "assistant", "content": "SELECT …"}]
    proposal = generator.generate(follow_up, history)
    assert proposal.kind == "sql", proposal.message
    assert proposal.message.startswith("Read as “") and f"following “{previous}”" in proposal.message
    assert rows(sample_db, proposal.sql) == rows(sample_db, reference)


def test_a_follow_up_without_a_thread_or_a_literal_is_not_rewritten(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    assert "Read as" not in generator.generate("and in 2024?").message  # no previous question
    history = [{"role": "user", "content": "What was the total revenue in 2023?"}]
    assert "Read as" not in generator.generate("and why?", history).message  # nothing to substitute


def test_demo_questions_reuse_saved_ones_by_meaning(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    examples = {e.question: e.sql for e in read_examples_file(SAMPLE_EXAMPLES_FILE)}
    spend = generator.generate("top 5 customers by total spend")
    assert spend.kind == "sql" and spend.source == "saved"
    assert "“Who are the top 10 customers by lifetime value?”" in spend.message and "10 → 5" in spend.message
    assert spend.sql == examples["Who are the top 10 customers by lifetime value?"].replace("LIMIT 10", "LIMIT 5")
    assert len(sample_db.run_readonly(spend.sql).rows) == 5
    never = generator.generate("which products never sold?")
    assert never.source == "saved" and never.sql == examples["Which products have never been ordered?"]
    assert "“Which products have never been ordered?”" in never.message


def test_demo_category_with_most_units_in_a_year(sample_db, sample_knowledge):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(
        "which product category had the most units sold in 2024?"
    )
    assert proposal.kind == "sql", proposal.message
    reference = (
        "SELECT p.category, SUM(i.quantity) AS u FROM order_items i JOIN products p USING (product_id)"
        f" JOIN orders o USING (order_id) WHERE o.{PAID} AND o.order_date LIKE '2024-%'"
        " GROUP BY p.category ORDER BY u DESC LIMIT 1"
    )
    assert sample_db.run_readonly(proposal.sql).rows == sample_db.run_readonly(reference).rows


def test_top_customers_by_revenue_shows_who_and_how_much(sample_db, sample_knowledge):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate("top 5 customers by revenue")
    assert proposal.kind == "sql" and "*" not in proposal.sql
    result = sample_db.run_readonly(proposal.sql)
    assert len(result.columns) == 3 and len(result.rows) == 5  # identifier, name, revenue


@pytest.mark.parametrize(
    "question",
    [
        "top 5 products by total spend",  # another table than the saved question's
        "which products were sold?",  # the saved one says never
        "top 5 customers by refund rate",  # another business term for the saved one's
    ],
)
def test_near_saved_questions_that_differ_in_substance_are_not_reused(sample_db, sample_knowledge, question):
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate(question)
    assert proposal.source != "saved", proposal.sql


# A saved, approved question with a value, reused for another value of the same column.
SAVED_GERMANY = "How many orders were shipped to Germany in 2024?"
SAVED_GERMANY_SQL = (
    "SELECT COUNT(*) AS orders FROM orders WHERE ship_country = 'Germany'"
    " AND order_date >= '2024-01-01' AND order_date < '2025-01-01'"
)


@pytest.fixture(scope="module")
def saved_value_knowledge(minilm, tmp_path_factory, sample_db) -> SqlKnowledge:
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path_factory.mktemp("saved-value")), "sql-saved-value")
    knowledge.train(sample_db.tables(), read_documentation_file(SAMPLE_DOCS_FILE))
    knowledge.add_example(SAVED_GERMANY, SAVED_GERMANY_SQL)
    return knowledge


def test_a_saved_question_is_adapted_to_another_value_of_its_column(sample_db, saved_value_knowledge):
    generator = OfflineSqlGenerator(sample_db, saved_value_knowledge, today=TODAY)
    proposal = generator.generate("How many orders were shipped to france in 2024?")
    assert proposal.kind == "sql" and proposal.source == "saved", proposal.message
    assert proposal.message == f"Adapted from the saved query for “{SAVED_GERMANY}” (Germany → France)."
    assert proposal.sql == SAVED_GERMANY_SQL.replace("'Germany'", "'France'")
    reference = "SELECT COUNT(*) FROM orders WHERE ship_country = 'France' AND order_date LIKE '2024-%'"
    assert rows(sample_db, proposal.sql) == rows(sample_db, reference)
    both = generator.generate("How many orders were shipped to Spain in 2023?")
    assert both.source == "saved" and "(Germany → Spain, 2024 → 2023)" in both.message, both.message


def test_a_value_the_data_does_not_hold_is_a_near_miss_not_a_swap(sample_db, saved_value_knowledge):
    generator = OfflineSqlGenerator(sample_db, saved_value_knowledge, today=TODAY)
    proposal = generator.generate("How many orders were shipped to Atlantis in 2024?")
    assert proposal.source != "saved", proposal.sql
    assert proposal.kind == "abstain" and SAVED_GERMANY in proposal.similar, proposal.message


@pytest.mark.parametrize(
    ("follow_up", "change"),
    [("and France?", "(Germany → France)"), ("only for Italy", "(Germany → Italy)"), ("and in 2023?", "(2024 → 2023)")],
)
def test_follow_ups_on_a_saved_question_are_adapted_the_same_way(sample_db, saved_value_knowledge, follow_up, change):
    generator = OfflineSqlGenerator(sample_db, saved_value_knowledge, today=TODAY)
    history = [{"role": "user", "content": SAVED_GERMANY}, {"role": "assistant", "content": "SELECT …"}]
    proposal = generator.generate(follow_up, history)
    assert proposal.source == "saved", proposal.message
    assert (
        proposal.message.startswith("Read as “")
        and f"Adapted from the saved query for “{SAVED_GERMANY}” {change}." in proposal.message
    )
