"""The offline generator reads names the way real schemas write them (through core/schema) and
meets question words that the schema spells otherwise: synonyms, shortenings."""

from __future__ import annotations

import pytest

from core.schema.lexicon import EnglishLexicon
from core.schema.synonyms import WordNetThesaurus
from core.sql.databases.base import SqliteDatabase
from core.sql.generate.offline import OfflineSqlGenerator
from tests.support.sqlite import sqlite_database


@pytest.fixture(scope="module")
def lexicon() -> EnglishLexicon:
    return EnglishLexicon.load()


@pytest.fixture(scope="module")
def thesaurus() -> WordNetThesaurus:
    return WordNetThesaurus.load()


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> SqliteDatabase:
    """Prefixed, run-on, abbreviated: as PostgreSQL folds sbCustomer.sbCustName."""
    return sqlite_database(
        tmp_path_factory.mktemp("shop") / "shop.sqlite",
        """
        CREATE TABLE sbcustomer (sbcustid INTEGER PRIMARY KEY, sbcustname TEXT, sbcuststate TEXT, sbcustage INTEGER);
        CREATE TABLE sbcustord (sbordid INTEGER PRIMARY KEY, sbcustid INTEGER REFERENCES sbcustomer(sbcustid),
            sbordamt REAL, sborddt TEXT);
        INSERT INTO sbcustomer VALUES (1, 'Ann', 'California', 31), (2, 'Bo', 'Texas', 45), (3, 'Cy', 'California', 27);
        INSERT INTO sbcustord VALUES (1, 1, 10.0, '2024-01-05'), (2, 1, 5.5, '2024-02-01'), (3, 2, 7.0, '2023-03-03');
        """,
    )


@pytest.fixture(scope="module")
def music(tmp_path_factory) -> SqliteDatabase:
    """Shortened by consonants and truncation, as some schemas are: sngr, TbTeac, hmtw."""
    return sqlite_database(
        tmp_path_factory.mktemp("music") / "music.sqlite",
        """
        CREATE TABLE sngr (sngr_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, hmtw TEXT);
        CREATE TABLE stadium (stadium_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER);
        INSERT INTO sngr VALUES (1, 'Joe', 52, 'Leeds'), (2, 'Tina', 29, 'Hull'), (3, 'Rita', 41, 'Leeds');
        INSERT INTO stadium VALUES (1, 'Arena One', 5000), (2, 'Park', 12000);
        """,
    )


def _generator(database, lexicon, thesaurus) -> OfflineSqlGenerator:
    return OfflineSqlGenerator(database, None, thesaurus=thesaurus, lexicon=lexicon)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many customers are there?", [(3,)]),
        ("How many customers are in California?", [(2,)]),
        ("What is the average customer age?", [(pytest.approx(103 / 3),)]),
        # 'client' is WordNet's synonym of customer; the schema never says it
        ("How many clients do we have?", [(3,)]),
    ],
)
def test_prefixed_run_on_names_read_as_words(shop, lexicon, thesaurus, question, expected):
    proposal = _generator(shop, lexicon, thesaurus).generate(question)
    assert proposal.kind == "sql", proposal.message
    assert shop.run_readonly(proposal.sql).rows == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many singers are there?", [(3,)]),
        ("What is the hometown of the oldest singer?", [("Leeds",)]),
        # 'vocalist' meets 'singer' (WordNet), which meets 'sngr' (a shortening)
        ("How many vocalists are older than 40?", [(2,)]),
        # 'arena' is a synonym of stadium
        ("What is the capacity of the largest arena?", None),
    ],
)
def test_shortened_and_synonymous_names(music, lexicon, thesaurus, question, expected):
    proposal = _generator(music, lexicon, thesaurus).generate(question)
    if expected is None:
        return  # either reading is fine; it must not crash
    assert proposal.kind == "sql", proposal.message
    assert music.run_readonly(proposal.sql).rows == expected


@pytest.mark.parametrize(
    "question",
    [
        "How many singles are there?",  # not a shortening of anything here: no guess
        "What is the salary of each singer?",  # nothing in the schema is a salary
    ],
)
def test_words_the_schema_does_not_mean_still_abstain(music, lexicon, thesaurus, question):
    assert _generator(music, lexicon, thesaurus).generate(question).kind == "abstain"


def test_without_a_thesaurus_synonyms_abstain_and_names_still_read(shop, lexicon):
    generator = OfflineSqlGenerator(shop, None, thesaurus=None, lexicon=lexicon)
    assert generator.generate("How many clients do we have?").kind == "sql"  # the engine's own few synonyms
    assert generator.generate("How many patrons do we have?").kind == "abstain"
    assert generator.generate("How many customers are there?").kind == "sql"
