"""Prefixes per schema and per table group, found from the schema itself."""

from __future__ import annotations

import pytest

from core.schema.descriptions import Descriptions
from core.schema.lexicon import EnglishLexicon
from core.schema.prefixes import Name, strip_prefix, table_prefixes
from core.schema.reading import NameReader
from core.schema.synonyms import WordNetThesaurus
from core.sql.models import ColumnInfo, TableInfo


def prefixes(*tables: tuple[str, list[str]]) -> list[str | None]:
    infos = [TableInfo(name, [ColumnInfo(c, "text") for c in columns]) for name, columns in tables]
    reader = NameReader(infos, EnglishLexicon.load(), Descriptions(), WordNetThesaurus.load())
    names = [Name(name.lower().split("_") if "_" in name else [name.lower()], columns) for name, columns in tables]
    return table_prefixes(names, reader)


def test_mixed_department_prefixes_in_one_schema() -> None:
    found = prefixes(
        ("lg_whsemstr", ["whsecd", "whsenm"]),
        ("lg_carrier", ["carriercd", "carriernm"]),
        ("lg_skumstr", ["skucd", "skudesc"]),
        ("lginvbal", ["lginvbalid", "skucd", "onhandunits"]),  # a run-on carrying the group's prefix
        ("hr_drvrroster", ["drvrid", "drvrfullnm", "hrlyrateamt"]),  # one table, shaped like lg_
        ("flfuelpurch", ["flfpid", "flvehno", "flpurchdt"]),  # its columns share its head
    )
    assert found == ["lg", "lg", "lg", "lg", "hr", "fl"]


def test_warehouse_conventions_beside_other_prefixes() -> None:
    found = prefixes(
        ("tbl_deptmaster", ["deptnbr"]),
        ("tbl_empmaster", ["empid"]),
        ("dim_cust", ["custno"]),
        ("dim_prod", ["prodid"]),
        ("fact_salestxn", ["txnid"]),  # the only fact table
        ("opwarehousestock", ["prodid"]),
        ("opsupportticket", ["custno"]),
        ("opvendorinvoice", ["invnbr"]),
    )
    assert found == ["tbl", "tbl", "dim", "dim", "fact", "op", "op", "op"]


@pytest.mark.parametrize(
    "tables",
    [
        [("singer", ["singer_id"]), ("song", ["song_id"])],  # words that share a letter
        [("tv_channel", ["id"]), ("tv_series", ["id"]), ("cartoon", ["id"])],  # 'tv' is a word
        [("transcripts", ["id"]), ("transcriptcontents", ["id"]), ("courses", ["id"])],  # not the convention 't'
        [("hiring", ["hishopid", "hiyear"]), ("shop", ["shopid"])],  # 'hi' + 'ring' is not how hiring reads
        [("custorders", ["orderid"]), ("custpayments", ["paymentid"]), ("products", ["id"])],  # 'cust' is a word
        [("drvrroster", ["drvrid", "drvrhiredt"]), ("trucks", ["truckid"])],  # so is 'drvr'
    ],
)
def test_words_that_merely_start_alike_are_no_prefix(tables: list[tuple[str, list[str]]]) -> None:
    assert prefixes(*tables) == [None] * len(tables)


def test_strip_prefix_asks_whether_a_run_on_starts_with_it() -> None:
    assert strip_prefix(["sbcustname"], "sbcustname", "sb") == ("sb", "custname")
    assert strip_prefix(["lg", "carrier"], "lg_carrier", "lg") == ("lg", "carrier")
    assert strip_prefix(["title"], "title", "t", boundary=lambda text, prefix: False) == (None, "title")
