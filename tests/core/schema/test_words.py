"""Identifiers into words: delimiters, case, and run-ons segmented against the packaged word list."""

from __future__ import annotations

import pytest

from core.schema.lexicon import EnglishLexicon
from core.schema.shortenings import Shortenings
from core.schema.words import WordSplitter, delimited_chunks


@pytest.fixture(scope="module")
def splitter() -> WordSplitter:
    return WordSplitter(EnglishLexicon.load())


def test_delimiters_and_case_changes() -> None:
    assert delimited_chunks("sbCustName_2") == ["sb", "Cust", "Name", "2"]
    assert delimited_chunks("XMLFile") == ["XML", "File"]
    assert delimited_chunks("Song_release_Year") == ["Song", "release", "Year"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("sbcustname", ["sb", "cust", "name"]),  # PostgreSQL's fold of sbCustName
        ("sbCustName", ["sb", "cust", "name"]),
        ("sbdailyprice", ["sb", "daily", "price"]),
        ("LifeExpectancy", ["life", "expectancy"]),
        ("songname", ["song", "name"]),
        ("firstname", ["first", "name"]),  # a listed compound that is rarer than its halves
        ("password", ["password"]),  # a common word is not split into 'pass word'
        ("friendship", ["friendship"]),
        ("invdt", ["inv", "dt"]),
        ("address2", ["address", "2"]),
    ],
)
def test_run_ons_and_cases_split_into_words(splitter: WordSplitter, name: str, words: list[str]) -> None:
    assert splitter.split(name) == words


def test_schema_vocabulary_guides_segmentation() -> None:
    # 'flurb' is no English word, but the schema spells it out elsewhere: run-ons split around it.
    plain = WordSplitter(EnglishLexicon.load())
    taught = WordSplitter(EnglishLexicon.load(), schema_words={"flurb"})
    assert plain.split("flurbtotal") != ["flurb", "total"]
    assert taught.split("flurbtotal") == ["flurb", "total"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("hmtw", ["hmtw"]),  # a shortening of hometown, not 'hm tw'
        ("drvrroster", ["drvr", "roster"]),
        ("sngrname", ["sngr", "name"]),
        ("prodid", ["prod", "id"]),  # 'id' ends column names: not 'pro did'
        ("lastcntdt", ["last", "cnt", "dt"]),
    ],
)
def test_shortenings_of_common_words_are_read_as_words(name: str, words: list[str]) -> None:
    lexicon = EnglishLexicon.load()
    assert WordSplitter(lexicon, (), Shortenings.for_lexicon(lexicon)).split(name) == words
