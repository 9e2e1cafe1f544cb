"""The prompt's schema chosen by relevance: right tables first, link tables kept, budget held."""

from __future__ import annotations

import pytest

from core.schema import SchemaUnderstanding
from core.schema.selector import SchemaSelector, approx_tokens
from core.schema.synonyms import WordNetThesaurus
from core.sql.models import ColumnInfo, TableInfo


def table(name: str, *columns: str, refs: dict[str, str] | None = None) -> TableInfo:
    return TableInfo(
        name,
        [ColumnInfo(c, "integer" if c.endswith("id") else "text", references=(refs or {}).get(c)) for c in columns],
    )


WAREHOUSE = [
    table("music.singer", "singer_id", "name", "country", "age"),
    table("music.concert", "concert_id", "concert_name", "year"),
    table(
        "music.singer_in_concert",
        "concert_id",
        "singer_id",
        refs={"concert_id": "music.concert.concert_id", "singer_id": "music.singer.singer_id"},
    ),
    table("shop.customer", "cust_id", "cust_name", "state"),
    table("shop.orders", "order_id", "cust_id", "total_amt", refs={"cust_id": "shop.customer.cust_id"}),
    table("school.student", "student_id", "first_name", "major"),
    table("school.course", "course_id", "title", "credits"),
]


@pytest.fixture(scope="module")
def selector(minilm) -> SchemaSelector:
    understanding = SchemaUnderstanding.build(WAREHOUSE, thesaurus=WordNetThesaurus.load(), embedder=minilm)
    return SchemaSelector(understanding, WAREHOUSE, minilm, budget_tokens=120)


def names(selection) -> list[str]:
    return [t.name for t in selection.tables]


def test_the_named_table_comes_first(selector: SchemaSelector) -> None:
    assert names(selector.select("How many clients live in Texas?"))[0] == "shop.customer"
    assert names(selector.select("list the musicians older than 40"))[0] == "music.singer"


def test_the_link_table_of_a_join_is_included(selector: SchemaSelector) -> None:
    chosen = names(selector.select("names of singers who performed in a concert in 2014"))
    assert {"music.singer", "music.concert", "music.singer_in_concert"} <= set(chosen)


def test_the_budget_is_held(selector: SchemaSelector) -> None:
    selection = selector.select("total order amount per customer")
    assert selection.tokens <= 120 and selection.tokens == sum(approx_tokens(t.ddl()) for t in selection.tables)
    assert {"shop.orders", "shop.customer"} <= set(names(selection))
    assert len(selection.tables) < len(WAREHOUSE)
