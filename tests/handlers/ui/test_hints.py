"""The neutral reply when nothing answered: what no source knows, quoted safely for Slack."""

from __future__ import annotations

from core.routing.base import MissingConcept
from handlers.ui.hints import nothing_found_text


def test_words_quoted_as_typed_are_escaped_and_the_tables_named() -> None:
    text = nothing_found_text(["orders"], MissingConcept("combien <@U1>", as_typed=True))
    assert (
        text
        == "I couldn't find anything about “combien &lt;@U1&gt;” in the documents or the data; tables I know: `orders`."
    )


def test_a_named_concept_keeps_the_english_sentence() -> None:
    text = nothing_found_text([], MissingConcept("CEOs"))
    assert text == "I don't have data about CEOs. The documents here don't mention it either."
