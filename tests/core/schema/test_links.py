"""WordNet links beyond synonyms: the hierarchy one way, a group's members, derived forms."""

from __future__ import annotations

import pytest

from core.schema.synonyms import WordNetThesaurus


@pytest.fixture(scope="module")
def thesaurus() -> WordNetThesaurus:
    return WordNetThesaurus.load()


def _path(thesaurus: WordNetThesaurus, word: str, target: str, senses: int | None = None) -> tuple[str, ...] | None:
    return next((link.path for link in thesaurus.linked(word, senses) if link.word == target), None)


def test_broader_and_narrower_words_within_two_steps(thesaurus) -> None:
    assert _path(thesaurus, "performer", "singer") == ("narrower", "narrower")  # performer > musician > singer
    assert _path(thesaurus, "puppy", "dog") == ("broader",)
    assert _path(thesaurus, "kind", "type") == ("narrower",)


def test_a_group_reaches_its_members(thesaurus) -> None:
    # staff → staff member (a member of the staff) → employee
    assert _path(thesaurus, "staff", "employee") == ("member", "broader")
    # …but a member's group is not narrowed again: a person is one of a people, not a country
    assert _path(thesaurus, "person", "country") is None


def test_derived_forms_only_as_a_step_of_their_own(thesaurus) -> None:
    assert _path(thesaurus, "acceleration", "accelerate") == ("derived",)
    # song → songster → singer mixes a derived form with the hierarchy: the deed is not its doer
    assert _path(thesaurus, "song", "singer") is None


def test_the_hierarchy_is_walked_one_way(thesaurus) -> None:
    # winnings and earnings are both gains: siblings, never linked
    assert _path(thesaurus, "winnings", "earnings") is None


def test_rare_senses_only_when_asked(thesaurus) -> None:
    # a carrier is a common carrier only in its fifth sense: over airlines
    assert _path(thesaurus, "carrier", "airline") == ("narrower", "narrower")
    assert _path(thesaurus, "carrier", "airline", senses=2) is None


def test_base_forms_of_inflected_words(thesaurus) -> None:
    assert thesaurus.base_forms("led", "v") == ["lead"]
    assert "flight" in thesaurus.base_forms("flights", "n")
    assert thesaurus.base_forms("take off", "v") == ["take_off"]
    assert thesaurus.base_forms("qzxv", "v") == []
    assert thesaurus.base_forms("often", "r") == ["often"]  # adverbs too: "often" is English
    assert thesaurus.linked("qzxv") == []
