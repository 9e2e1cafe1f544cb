"""WordNet from the installed package, and the descriptions file's formats and errors."""

from __future__ import annotations

import pytest

from core.schema import DescriptionsError, load_descriptions
from core.schema.synonyms import WordNetThesaurus


def test_wordnet_synonyms_hypernyms_and_derived_forms() -> None:
    thesaurus = WordNetThesaurus.load()
    customer = {r.word: r.relation for r in thesaurus.related("customer")}
    assert customer["client"] == "synonym"
    assert {r.word: r.relation for r in thesaurus.related("singer")}["musician"] == "broader"
    assert {"seller", "selling"} <= {r.word for r in thesaurus.related("sell") if r.relation == "derived"}
    assert all(r.pos == "n" for r in thesaurus.related("order", nouns_first=True))
    assert thesaurus.related("qzxv") == []


def test_yaml_and_json_descriptions(tmp_path) -> None:
    yaml_file = tmp_path / "d.yml"
    yaml_file.write_text("orders:\n  _table: one row per checkout\n  amt: order total in EUR\nregions: sales regions\n")
    loaded = load_descriptions(yaml_file)
    assert loaded.table("ORDERS") == "one row per checkout"
    assert loaded.column("orders", "AMT") == "order total in EUR"
    assert loaded.table("public.regions") == "sales regions"  # a qualified name finds the bare entry
    json_file = tmp_path / "d.json"
    json_file.write_text('{"orders": {"amt": "order total"}}')
    assert load_descriptions(json_file).column("orders", "amt") == "order total"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list\n", "mapping of table"),
        ("orders:\n  amt: [1, 2]\n", "orders.amt must be a text description"),
        ("orders: [a]\n", "table 'orders' must map"),
        ("orders: {amt: 'x'\n", "not valid YAML"),
    ],
)
def test_bad_descriptions_say_where(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DescriptionsError, match=message):
        load_descriptions(path)


def test_missing_descriptions_file(tmp_path) -> None:
    with pytest.raises(DescriptionsError, match="cannot read"):
        load_descriptions(tmp_path / "nope.yaml")
