"""OfflineSqlGenerator: saved paraphrases, the pattern engine, and honest abstentions."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from core.search.local_store import LocalVectorStore
from core.sql.database import PostgresDatabase, SqliteDatabase
from core.sql.generate.offline import OfflineSqlGenerator
from core.sql.knowledge import SqlKnowledge, read_examples_file
from core.sql.sample import SAMPLE_EXAMPLES_FILE, ensure_sample_database, load_sample_into_postgres

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> SqliteDatabase:
    path = tmp_path_factory.mktemp("school") / "school.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE department (dept_id INTEGER PRIMARY KEY, dept_name TEXT, building TEXT);
        CREATE TABLE student (
            student_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, city TEXT, enrolled_on TEXT,
            dept_id INTEGER REFERENCES department(dept_id));
        INSERT INTO department VALUES (1, 'Physics', 'North'), (2, 'History', 'South'), (3, 'Art', 'North');
        INSERT INTO student VALUES
            (1, 'Ada', 21, 'Paris', '2023-09-01', 1), (2, 'Ben', 34, 'Berlin', '2022-09-01', 1),
            (3, 'Chloé', 19, 'Paris', '2023-09-01', 2), (4, 'Dan', 45, 'Rome', '2021-09-01', 3),
            (5, 'Eve', 30, 'Berlin', '2023-02-01', 2);
        """
    )
    connection.commit()
    connection.close()
    return SqliteDatabase(path)


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
        ("Show the names of students ordered by age in descending order.", [("Ada",), ("Ben",), ("Chloé",), ("Dan",), ("Eve",)]),
        ("List the names of students who are not from Paris.", [("Ben",), ("Dan",), ("Eve",)]),
        ("How many students are from Paris or Rome?", [(3,)]),
        ("What are the names of students with age between 20 and 35?", [("Ada",), ("Ben",), ("Eve",)]),
        ("What is the most common building among departments?", [("North",)]),
        ("Which departments have at least 2 students?", [("Physics",), ("History",)]),
        ("List the departments that have at least 2 students.", [(1, "Physics", "North"), (2, "History", "South")]),
        ("Show the department name and the number of students in each department.", [("Art", 1), ("History", 2), ("Physics", 2)]),
    ],
)
def test_pattern_engine_answers_plain_questions(school, school_generator, question, expected):
    proposal = school_generator.generate(question)
    assert proposal.kind == "sql", proposal.message
    assert proposal.source == "pattern"
    assert rows(school, proposal.sql) == sorted(expected, key=repr)


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
    knowledge.add_example("Which department has the most students?", "SELECT dept_id FROM student GROUP BY dept_id ORDER BY COUNT(*) DESC LIMIT 1")
    generator = OfflineSqlGenerator(school, knowledge, today=TODAY)
    proposal = generator.generate("Which departments have no students at all?")
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
    knowledge.train(sample_db.tables(), [], read_examples_file(SAMPLE_EXAMPLES_FILE))
    return knowledge


def test_saved_paraphrase_is_used_verbatim(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    examples = {e.question: e.sql for e in read_examples_file(SAMPLE_EXAMPLES_FILE)}
    proposal = generator.generate("What was the total revenue for 2023?")
    assert proposal.kind == "sql" and proposal.source == "saved"
    assert proposal.sql == examples["What was the total revenue in 2023?"]
    # Close in embedding space but a different question: not taken from the saved list.
    different = generator.generate("What was the total revenue in 2022?")
    assert different.source != "saved"


@pytest.mark.parametrize(
    ("question", "saved"),
    [
        ("Total revenue in 2023?", True),
        ("Top 10 customers by lifetime value", True),
        ("Which products were never ordered?", True),
        ("How many customers signed up per year?", True),
        ("What's our refund rate?", True),
        # Near-identical wording, different question: a number, a time unit or a schema word.
        ("Who are the top 5 customers by lifetime value?", False),
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
    # The data ends in December 2024, before "today": last month is November 2024.
    assert "'2024-11-01'" in proposal.sql and "'2024-12-01'" in proposal.sql
    expected = sample_db.run_readonly(
        "SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany' AND order_date LIKE '2024-11-%'"
    ).rows
    assert sample_db.run_readonly(proposal.sql).rows == expected
    live = OfflineSqlGenerator(sample_db, sample_knowledge, today=date(2024, 6, 15))
    assert "'2024-05-01'" in live.generate("How many orders were placed last month?").sql


def test_sample_questions(sample_db, sample_knowledge):
    generator = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY)
    top = generator.generate("Show the names of the top 3 products by unit price")
    assert sample_db.run_readonly(top.sql).rows == [("Nimbus Pro 14",), ("Aero 16 Laptop",), ("Aero 15 Laptop",)]
    segment = generator.generate("How many customers are in the business segment?")
    assert "segment = 'business'" in segment.sql
    total = generator.generate("What is the total amount of orders in 2023?")
    assert total.sql.startswith("SELECT SUM(total_amount) FROM orders WHERE order_date >= '2023-01-01'")


@pytest.fixture
def sample_postgres(pg_scratch_url):
    load_sample_into_postgres(pg_scratch_url)
    database = PostgresDatabase(pg_scratch_url)
    yield database
    database.close()


def test_generated_sql_runs_on_postgres(sample_postgres, sample_db):
    generator = OfflineSqlGenerator(sample_postgres, None, today=TODAY)
    lite = OfflineSqlGenerator(sample_db, None, today=TODAY)
    for question in (
        "How many orders shipped to Germany last month?",
        "What is the average unit price of products for each category?",
        "How many customers are in the business segment?",
        "What is the total amount of orders in 2023?",
    ):
        proposal = generator.generate(question)
        assert proposal.kind == "sql", (question, proposal.message)
        pg = sample_postgres.run_readonly(proposal.sql).rows
        sqlite = sample_db.run_readonly(lite.generate(question).sql).rows
        assert [tuple(round(float(v), 2) if isinstance(v, (int, float, str)) and _num(v) else v for v in r) for r in sorted(pg)] == [
            tuple(round(float(v), 2) if isinstance(v, (int, float, str)) and _num(v) else v for v in r) for r in sorted(sqlite)
        ], question


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
    proposal = OfflineSqlGenerator(sample_db, sample_knowledge, today=TODAY).generate("Top 10 customers by lifetime value")
    assert proposal.source == "saved"
    assert proposal.tables == ["customers", "orders"]
