"""The question's key concept, and how a reply names it when no source knows it."""

from __future__ import annotations

import pytest

from core.routing.base import MissingConcept
from core.routing.concepts import unknown_key_concept
from core.schema.synonyms import WordNetThesaurus

RETURNS = "how long do customers have to return an item?"


@pytest.fixture(scope="module")
def english() -> WordNetThesaurus:
    return WordNetThesaurus.load()


@pytest.mark.parametrize(
    ("question", "key"),
    [
        (RETURNS, "customer"),
        (RETURNS * 300, "customer"),  # the same question repeated to ~14k characters
        ("How often do suppliers get paid?", "supplier"),
        ("how far is the depot?", "depot"),
        ("What kind of laptops do we sell?", "laptop"),
        ("which types of warranty do we offer?", "warranty"),
    ],
)
def test_an_interrogative_phrase_is_never_the_missing_concept(
    question: str, key: str, english: WordNetThesaurus
) -> None:
    assert unknown_key_concept(question, {key}, english) is None
    missing = unknown_key_concept(question, set(), english)
    assert missing is not None and missing.text.startswith(key[:-1]) and not missing.as_typed, missing


def test_an_english_noun_phrase_is_named_in_the_plural(english: WordNetThesaurus) -> None:
    question = "average satisfaction score by support agent"
    assert unknown_key_concept(question, set(), english) == MissingConcept("satisfaction scores")
    assert unknown_key_concept(question, {"score"}, english) is None


def test_an_acronym_keeps_its_capitals_and_a_name_is_not_pluralised(english: WordNetThesaurus) -> None:
    assert unknown_key_concept("who is the CEO", set(), english) == MissingConcept("CEOs")
    assert unknown_key_concept("Who is Amazon?", set(), english) == MissingConcept("Amazon")
    assert unknown_key_concept("what is the Rotterdam office?", set(), english) == MissingConcept("Rotterdam offices")
    # Not a word of the dictionary: quoted as typed rather than put in a sentence of ours.
    assert unknown_key_concept("Who is Globex?", set(), english) == MissingConcept("Globex", as_typed=True)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("combien de commandes ont été passées en 2023 ?", "combien"),
        ("wie viele Bestellungen gab es 2023?", "wie viele Bestellungen gab"),
        ("¿cuántos pedidos hubo en 2023?", "cuántos pedidos hubo"),
    ],
)
def test_words_that_are_not_english_are_quoted_as_typed(question: str, words: str, english: WordNetThesaurus) -> None:
    assert unknown_key_concept(question, set(), english) == MissingConcept(words, as_typed=True)


def test_without_a_dictionary_nothing_is_inflected() -> None:
    missing = unknown_key_concept("average satisfaction score by support agent", set(), None)
    assert missing == MissingConcept("satisfaction score", as_typed=True)
