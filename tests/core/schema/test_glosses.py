"""WordNet's definitions as words: the context that tells one reading of an abbreviation from another."""

from __future__ import annotations

from core.schema.glosses import Glosses


def test_definition_words_of_a_word() -> None:
    glosses = Glosses.packaged()
    assert glosses is not None and Glosses.packaged() is glosses  # one per process
    inventory = glosses.words_of("inventory")
    assert {"stock", "merchandise", "hand"} <= inventory and "inventory" not in inventory
    assert "money" in glosses.words_of("invoice") and "hand" not in glosses.words_of("invoice")
    assert glosses.words_of("qwxz") == frozenset()
