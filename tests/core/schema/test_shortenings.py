"""How a token shortens a word, and which common words a token could stand for."""

from __future__ import annotations

import pytest

from core.schema.lexicon import EnglishLexicon
from core.schema.shortenings import Shortenings, fit, skeleton


@pytest.mark.parametrize(
    ("token", "word", "how"),
    [
        ("cust", "customer", "close"),  # cut
        ("purch", "purchase", "close"),
        ("drvr", "driver", "close"),  # first letter and consonants
        ("hmtw", "hometown", "close"),  # ... cut to four letters
        ("mgr", "manager", "loose"),  # letters in order, most consonants
        ("frt", "freight", "loose"),
        ("stt", "street", "loose"),
        ("stt", "state", "close"),
        ("abc", "cab", None),
        ("dr", "driver", None),  # two letters are too few to tell
        ("sngr", "sing", None),  # a shortening is shorter than its word
    ],
)
def test_fit(token: str, word: str, how: str | None) -> None:
    assert fit(token, word) == how


def test_skeleton_keeps_the_first_letter() -> None:
    assert skeleton("driver") == "drvr" and skeleton("episode") == "epsd"


@pytest.fixture(scope="module")
def shortenings() -> Shortenings:
    return Shortenings.for_lexicon(EnglishLexicon.load())


def test_plausible_shortenings_of_common_words(shortenings: Shortenings) -> None:
    assert shortenings.plausible("hmtw") and shortenings.plausible("drvr") and shortenings.plausible("dlvry")
    assert not shortenings.plausible("flurb")  # no common word is cut or reduced to it
    assert not shortenings.plausible("wgt")  # only loose fits (weight): nearly every consonant string has one


def test_expansions_are_most_common_first(shortenings: Shortenings) -> None:
    words = [word for word, _ in shortenings.expansions("drvr")]
    assert words[0] == "driver"
    assert shortenings.for_lexicon(shortenings.lexicon) is shortenings  # built once per lexicon
