"""Which word a shortened token stands for, decided by the schema's own context; ties stay as written."""

from __future__ import annotations

import pytest

from core.schema import SchemaUnderstanding
from core.schema.synonyms import WordNetThesaurus
from core.sql.models import ColumnInfo, TableInfo


def table(name: str, *columns: str, comments: dict[str, str] | None = None) -> TableInfo:
    return TableInfo(name, [ColumnInfo(c, "text", comment=(comments or {}).get(c)) for c in columns])


@pytest.fixture(scope="module")
def thesaurus() -> WordNetThesaurus:
    return WordNetThesaurus.load()


def words(tables: list[TableInfo], thesaurus: WordNetThesaurus, name: str, column: str | None = None) -> list[str]:
    understanding = SchemaUnderstanding.build(tables, thesaurus=thesaurus)
    meaning = understanding.table(name) if column is None else understanding.column(name, column)
    assert meaning is not None
    return meaning.words


def test_an_abbreviation_with_two_readings_takes_the_one_its_table_speaks_of(thesaurus: WordNetThesaurus) -> None:
    stock = [table("invbal", "skucd", "whsecd", "onhandunits"), table("carrier", "carriernm")]
    assert words(stock, thesaurus, "invbal") == ["inventory", "balance"]  # goods on hand
    payables = [table("vendorinvoice", "invnbr", "invamt", "paidflg"), table("vendor", "vendornm")]
    assert words(payables, thesaurus, "vendorinvoice", "invamt") == ["invoice", "amount"]  # spelled beside it


def test_a_tie_stays_as_written(thesaurus: WordNetThesaurus) -> None:
    # 'ttl' is a total or a title; nothing in this table says which.
    assert words([table("cartoon", "id", "ttl"), table("channel", "id")], thesaurus, "cartoon", "ttl") == ["ttl"]


def test_a_reading_never_repeats_a_sibling_column(thesaurus: WordNetThesaurus) -> None:
    owners = [table("owners", "owner_id", "street", "city", "stt"), table("dogs", "dog_id", "owner_id")]
    assert words(owners, thesaurus, "owners", "stt") == ["stt"]  # not a second 'street'


def test_shortenings_of_common_words(thesaurus: WordNetThesaurus) -> None:
    roster = [table("drvrroster", "drvrid", "drvrhiredt"), table("dlvry", "dlvrydt", "dlvrycity")]
    assert words(roster, thesaurus, "drvrroster") == ["driver", "roster"]
    assert words(roster, thesaurus, "dlvry", "dlvrydt") == ["delivery", "date"]


def test_comments_are_context_too(thesaurus: WordNetThesaurus) -> None:
    shipments = [
        table("shipment", "shipid", "frtcostamt", comments={"frtcostamt": "freight cost billed by the carrier"}),
        table("carrier", "carrierid"),
    ]
    assert words(shipments, thesaurus, "shipment", "frtcostamt") == ["freight", "cost", "amount"]
