"""The reply's own sentences: how the honest limit names what no source knows."""

from __future__ import annotations

from core.assistant.base import no_data_text
from core.routing.base import MissingConcept


def test_a_concept_read_as_english_is_named_in_a_sentence() -> None:
    text = no_data_text(MissingConcept("satisfaction scores"), ["orders"])
    assert text.startswith("I don't have data about satisfaction scores; tables I know: orders.")
    assert text.endswith("The documents here don't mention it either.")


def test_words_not_read_as_english_are_quoted_unchanged() -> None:
    text = no_data_text(MissingConcept("combien", as_typed=True), ["orders", "customers"])
    assert (
        text
        == "I couldn't find anything about “combien” in the documents or the data; tables I know: orders, customers."
    )
    assert no_data_text(MissingConcept("wie viele", as_typed=True), []).endswith(
        "“wie viele” in the documents or the data."
    )
