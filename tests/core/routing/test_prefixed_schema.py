"""Routing on a schema named the way company schemas are (prefixes, abbreviations, run-on names
PostgreSQL folds to lower case), next to company documents: the schema understanding (core/schema)
is what tells routing that `sbcustomer` means customers."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from core.routing.base import MissingConcept
from core.routing.concepts import concept_runs, unknown_key_concept
from core.schema.synonyms import WordNetThesaurus

FIXTURES = Path(__file__).parents[2] / "fixtures"

# Unquoted, so PostgreSQL folds the names to sbcustomer, sbcuststate, … as real schemas end up.
PREFIXED_SCHEMA = """
CREATE TABLE sbCustomer (sbCustId integer PRIMARY KEY, sbCustName text, sbCustState text, sbCustJoinDt date);
CREATE TABLE sbTxn (sbTxnId integer PRIMARY KEY, sbTxnCustId integer REFERENCES sbCustomer, sbTxnAmt numeric(10, 2),
                    sbTxnDt date);
INSERT INTO sbCustomer VALUES (1, 'Ada', 'California', '2023-01-02'), (2, 'Bo', 'Nevada', '2024-03-04');
INSERT INTO sbTxn VALUES (1, 1, 120.50, '2024-02-01'), (2, 2, 80.00, '2024-05-06');
"""


@pytest.fixture
def services(pg_scratch_url: str, tmp_path: Path):
    from bot.settings import Settings
    from bot.wiring import Services

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute(PREFIXED_SCHEMA)
    services = Services(
        Settings(_env_file=None, DATA_DIR=str(tmp_path), DATABASE_URL=pg_scratch_url, OPENAI_API_KEY="")
    )
    for path in sorted((FIXTURES / "route_docs").glob("*.txt")):
        assert services.documents.ingest(path.read_bytes(), path.name).status == "indexed"
    return services


@pytest.mark.slow
def test_a_prefixed_run_on_table_is_understood_as_customers(services) -> None:
    route = services.router.route("How many customers do we have in California?", None)
    assert route.kind == "sql" and "customer" in route.reason, route
    assert services.router.route("What is our policy on returning a damaged item?", None).kind == "docs"


@pytest.mark.slow
def test_a_concept_in_neither_the_schema_nor_the_documents_is_named(services) -> None:
    route = services.router.route("average satisfaction score by support agent", None)
    assert route.missing == MissingConcept("satisfaction scores"), route
    # Known under another name (a synonym of the schema's word, the documents' own words): not missing.
    assert services.router.route("how many clients joined in 2024?", None).missing is None
    assert services.router.route("how many days do I have to return an item?", None).missing is None


def test_the_key_concept_is_the_first_run_of_content_words() -> None:
    assert concept_runs("What is the average satisfaction score by support agent?") == [
        ["satisfaction", "score"],
        ["support", "agent"],
    ]
    english = WordNetThesaurus.load()
    assert unknown_key_concept("average satisfaction score by support agent", {"support", "agent"}, english) == (
        MissingConcept("satisfaction scores")
    )
    assert unknown_key_concept("average satisfaction score by support agent", {"score"}, english) is None
    # Nothing but shape words: nothing to miss.
    assert unknown_key_concept("top 5 in 2024", set(), english) is None


def test_the_dev_sets_schema_loads_and_its_labels_are_valid(pg_scratch_url: str) -> None:
    """tests/fixtures/route_prefixed: the schema `eval route` is measured on (README) and its labels."""
    from core.eval.route import read_labels
    from core.schema import SchemaUnderstanding
    from core.sql.databases.postgres import PostgresDatabase

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute((FIXTURES / "route_prefixed" / "schema.sql").read_text())
    database = PostgresDatabase(pg_scratch_url)
    try:
        understanding = SchemaUnderstanding.build(database.tables())
    finally:
        database.close()
    assert understanding.table("opwarehousestock").phrase.endswith("warehouse stock")
    tune = read_labels(FIXTURES / "route_prefixed" / "labels_tune.jsonl")
    test = read_labels(FIXTURES / "route_prefixed" / "labels_test.jsonl")
    assert (len(tune), len(test)) == (33, 31)
    assert not {row.question for row in tune} & {row.question for row in test}


def test_the_second_dev_sets_schema_loads_and_its_labels_cover_every_route(pg_scratch_url: str) -> None:
    """tests/fixtures/route_prefixed2 (another domain, mixed prefixes, COMMENT ON) and the second
    sample-shop holdout: what `eval route` is run on (README)."""
    from core.eval.route import read_labels
    from core.schema import SchemaUnderstanding
    from core.sql.databases.postgres import PostgresDatabase

    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute((FIXTURES / "route_prefixed2" / "schema.sql").read_text())
    database = PostgresDatabase(pg_scratch_url)
    try:
        tables = database.tables()
        understanding = SchemaUnderstanding.build(tables)
    finally:
        database.close()
    assert len(tables) == 8 and understanding.table("flfuelpurch").comment == "fuel purchases for the truck fleet"
    dev = read_labels(FIXTURES / "route_prefixed2" / "labels.jsonl")
    holdout = read_labels(FIXTURES / "route_labels_holdout2.jsonl")
    assert (len(dev), len(holdout)) == (60, 25)
    assert {row.expected for row in dev} == {row.expected for row in holdout} == {"docs", "sql", "both"}
    assert not {row.question for row in holdout} & {
        row.question
        for name in ("route_labels.jsonl", "route_labels_holdout.jsonl")
        for row in read_labels(FIXTURES / name)
    }
