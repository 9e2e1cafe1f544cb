"""Readings that answered only part of a question, or another question: a column called by what
it counts, a second request the engine does not read, a total that is not a count, rows listed by
their name, a table described twice, and a year bound on the table its verb is about."""

from __future__ import annotations

import pytest

from core.schema.lexicon import EnglishLexicon
from core.schema.synonyms import WordNetThesaurus
from core.sql.generate.base import SqlProposal
from core.sql.generate.offline import OfflineSqlGenerator
from tests.support.sqlite import sqlite_database


@pytest.fixture(scope="module")
def generate(tmp_path_factory):
    lexicon, thesaurus = EnglishLexicon.load(), WordNetThesaurus.load()
    database = sqlite_database(
        tmp_path_factory.mktemp("precision") / "precision.sqlite",
        """
        CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name TEXT, number_products INTEGER);
        CREATE TABLE teacher (teacher_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, hometown TEXT);
        CREATE TABLE owners (owner_id INTEGER PRIMARY KEY, first_name TEXT);
        CREATE TABLE dogs (dog_id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(owner_id), age INTEGER);
        CREATE TABLE treatments (treatment_id INTEGER PRIMARY KEY, dog_id INTEGER REFERENCES dogs(dog_id),
            cost_of_treatment INTEGER);
        CREATE TABLE airlines (uid INTEGER PRIMARY KEY, airline TEXT, country TEXT);
        CREATE TABLE flights (flight_no INTEGER PRIMARY KEY, airline INTEGER REFERENCES airlines(uid));
        CREATE TABLE conductor (conductor_id INTEGER PRIMARY KEY, name TEXT, year_of_work INTEGER);
        CREATE TABLE orchestra (orchestra_id INTEGER PRIMARY KEY, orchestra TEXT,
            conductor_id INTEGER REFERENCES conductor(conductor_id), year_of_founded REAL);
        INSERT INTO shop VALUES (1, 'Big', 900), (2, 'Small', 40), (3, 'Mid', 300);
        INSERT INTO teacher VALUES (1, 'Al', 30, 'Bath'), (2, 'Bo', 40, 'York');
        INSERT INTO owners VALUES (1, 'Ann'), (2, 'Bo');
        INSERT INTO dogs VALUES (1, 1, 3), (2, 2, 5), (3, 2, 2);
        INSERT INTO treatments VALUES (1, 1, 500), (2, 2, 10), (3, 3, 20);
        INSERT INTO airlines VALUES (1, 'United', 'USA'), (2, 'Delta', 'USA');
        INSERT INTO flights VALUES (1, 1), (2, 1), (3, 2);
        INSERT INTO conductor VALUES (1, 'Antal', 2010), (2, 'Colin', 2003);
        INSERT INTO orchestra VALUES (1, 'LSO', 1, 2003), (2, 'BBC', 2, 2009);
        """,
    )
    generator = OfflineSqlGenerator(database, None, thesaurus=thesaurus, lexicon=lexicon)

    def run(question: str) -> tuple[SqlProposal, list[tuple]]:
        proposal = generator.generate(question)
        return proposal, database.run_readonly(proposal.sql).rows if proposal.kind == "sql" else []

    return run


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # number_products is "the product count": its extremes alone, no COUNT(*) beside them
        ("What is the smallest and largest product count across all shops?", [(40, 900)]),
        # rows listed without a verb, grouped by a count: which airlines, by name, not every column
        ("Airlines with fewer than 2 flights?", [("Delta",)]),
        ("List airlines with at least 2 flights.", [("United",)]),
        # "founded" is the orchestra's year, not the conductor's year of work
        ("Which conductors led an orchestra founded after 2008?", [("Colin",)]),
    ],
)
def test_the_question_asked_and_all_of_it(generate, question, expected) -> None:
    proposal, rows = generate(question)
    assert proposal.kind == "sql", proposal.message
    assert rows == expected


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # the second request has no word the engine reads: answering only the age is half an answer
        ("How old is each teacher and where are they from?", "where are they from"),
        ("How old is each teacher? Where do they come from?", "Where do they come from"),
        # a total spent is a sum of an amount, never how many dogs an owner has
        ("Which owner spent the most in total on their dogs?", "total"),
        # two different teachers, each with a bound of its own: not one row that is both
        ("Show the names of a teacher over 35 and a teacher under 35.", "two rows of teacher"),
    ],
)
def test_half_or_other_readings_abstain(generate, question, reason) -> None:
    proposal, _ = generate(question)
    assert proposal.kind == "abstain", proposal.sql
    assert reason in proposal.message


def test_counting_what_is_paid_for_still_counts(generate) -> None:
    # "paid for the most treatments": the treatments are counted, the verb does not ask for a sum
    proposal, rows = generate("Which owner paid for the most treatments? Give the first name.")
    assert proposal.kind == "sql", proposal.message
    assert rows == [("Bo",)]


def test_a_second_request_that_names_a_column_is_answered(generate) -> None:
    proposal, rows = generate("What is the age of each teacher and what is their hometown?")
    assert proposal.kind == "sql", proposal.message
    assert set(rows) == {(30, "Bath"), (40, "York")}


def test_a_request_after_and_also_abstains(generate) -> None:
    proposal, _ = generate("How old is each teacher and also where are they from?")
    assert proposal.kind == "abstain", proposal.sql
