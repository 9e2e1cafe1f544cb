"""SchemaUnderstanding on schemas shaped like real ones: prefixes, abbreviations, initials,
comments, descriptions, synonyms, and matching question words to them with the source kept."""

from __future__ import annotations

import pytest

from core.schema import SchemaUnderstanding, load_descriptions
from core.schema.synonyms import WordNetThesaurus
from core.sql.models import ColumnInfo, TableInfo


def table(name: str, *columns: str, comment: str | None = None, comments: dict[str, str] | None = None) -> TableInfo:
    return TableInfo(name, [ColumnInfo(c, "text", comment=(comments or {}).get(c)) for c in columns], comment)


BROKERAGE = [
    table("sbcustomer", "sbcustid", "sbcustname", "sbcustemail", "sbcuststate"),
    table("sbdailyprice", "sbdptickerid", "sbdpdate", "sbdpclose", "sbdpvolume"),
    table("sbtransaction", "sbtxnid", "sbtxncustid", "sbtxnamount", comments={"sbtxnamount": "spend"}),
    table("sbticker", "sbtickerid", "sbtickersymbol"),
]


@pytest.fixture(scope="module")
def thesaurus() -> WordNetThesaurus:
    return WordNetThesaurus.load()


@pytest.fixture(scope="module")
def brokerage(thesaurus: WordNetThesaurus) -> SchemaUnderstanding:
    return SchemaUnderstanding.build(BROKERAGE, thesaurus=thesaurus)


def test_schema_prefix_is_stripped_and_abbreviations_expanded(brokerage: SchemaUnderstanding) -> None:
    customer = brokerage.table("sbcustomer")
    assert customer is not None and customer.prefix == "sb" and customer.phrase == "customer"
    name = brokerage.column("sbcustomer", "sbcustname")
    assert name is not None
    assert name.raw_words == ["cust", "name"] and name.words == ["customer", "name"]
    assert name.word_sources == ["abbreviation", "word"]
    amount = brokerage.column("sbtransaction", "sbtxnamount")
    assert amount is not None and amount.phrase == "transaction amount"


def test_columns_prefixed_with_the_tables_initials(brokerage: SchemaUnderstanding) -> None:
    close = brokerage.column("sbdailyprice", "sbdpclose")
    assert close is not None and close.prefix == "sbdp" and close.words == ["close"]
    ticker = brokerage.column("sbdailyprice", "sbdptickerid")
    assert ticker is not None and ticker.words == ["ticker", "id"]


def test_names_that_merely_share_a_word_keep_it(thesaurus: WordNetThesaurus) -> None:
    understanding = SchemaUnderstanding.build(
        [table("singer", "singer_id", "name"), table("song", "song_id"), table("singer_in_concert", "singer_id")],
        thesaurus=thesaurus,
    )
    assert [t.prefix for t in understanding.tables] == [None, None, None]
    assert understanding.table("singer_in_concert").phrase == "singer in concert"


def test_warehouse_conventions_and_shortenings(thesaurus: WordNetThesaurus) -> None:
    understanding = SchemaUnderstanding.build(
        [table("tbl_employee", "emp_id", "mgr_id"), table("tbl_manager", "mgr_id", "full_nm")], thesaurus=thesaurus
    )
    assert understanding.table("tbl_employee").prefix == "tbl"
    assert understanding.table("tbl_employee").phrase == "employee"
    employee_id = understanding.column("tbl_employee", "emp_id")
    assert employee_id.words == ["employee", "id"]
    assert understanding.column("tbl_manager", "full_nm").words == ["full", "name"]


def test_question_words_match_with_their_source(brokerage: SchemaUnderstanding) -> None:
    matches = brokerage.match("How many clients do we have in each state?")
    best = {(m.kind, m.table, m.column): m for m in matches}
    client = best[("table", "sbcustomer", None)]
    assert client.source == "synonym" and client.text == "clients" and client.via == "customer"
    state = best[("column", "sbcustomer", "sbcuststate")]
    assert state.text == "state"

    said = {m.source for m in brokerage.match("customers") if m.table == "sbcustomer" and m.kind == "table"}
    assert said == {"stem"}
    spend = [m for m in brokerage.match("total spend per customer") if m.column == "sbtxnamount"]
    assert spend and spend[0].source == "comment"


def test_descriptions_file_adds_what_names_cannot_say(tmp_path, thesaurus: WordNetThesaurus) -> None:
    path = tmp_path / "descriptions.yaml"
    path.write_text("SBCUSTOMER:\n  _table: brokerage account holders\n  sbcuststate: US state of residence\n")
    understanding = SchemaUnderstanding.build(BROKERAGE, descriptions=load_descriptions(path), thesaurus=thesaurus)
    assert understanding.table("sbcustomer").description == "brokerage account holders"
    holders = [m for m in understanding.match("how many account holders?") if m.table == "sbcustomer"]
    assert holders and holders[0].source == "description" and holders[0].kind == "table"
    residence = [m for m in understanding.match("residence") if m.column == "sbcuststate"]
    assert residence and residence[0].source == "description"


def test_embedder_matches_what_no_word_list_links(minilm) -> None:
    understanding = SchemaUnderstanding.build(
        [table("vehicle", "vehicle_id", "horsepower"), table("driver", "driver_id", "licence_number")], embedder=minilm
    )
    matches = [m for m in understanding.match("cars with over 300 hp") if m.source == "embedding"]
    assert any(m.table == "vehicle" and m.text == "cars" for m in matches)


def test_values_and_terms_are_matched(brokerage: SchemaUnderstanding) -> None:
    understanding = SchemaUnderstanding.build(
        BROKERAGE,
        values={("sbcustomer", "sbcuststate"): ["California", "Texas"]},
        terms={"AUM": "assets under management"},
    )
    matches = understanding.match("customers in California and their AUM")
    assert any(m.kind == "value" and m.column == "sbcuststate" and m.via == "California" for m in matches)
    assert any(m.kind == "term" and m.via == "AUM" for m in matches)


def test_to_dict_is_plain_json(brokerage: SchemaUnderstanding) -> None:
    import json

    data = json.loads(json.dumps(brokerage.to_dict()))
    columns = data["tables"][0]["columns"]
    assert data["tables"][0]["phrase"] == "customer"
    assert columns[1]["name"] == "sbcustname" and columns[1]["phrase"] == "customer name"


def test_a_company_schema_folded_by_postgresql(thesaurus: WordNetThesaurus) -> None:
    understanding = SchemaUnderstanding.build(
        [
            table("lg_whsemstr", "whsecd", "whsenm", "whsergnnm"),
            table("lg_carrier", "carriercd", "carriernm"),
            table("lginvbal", "lginvbalid", "skucd", "whsecd", "onhandunits", "lastcntdt"),
            table("hr_drvrroster", "drvrid", "drvrfullnm", "hrlyrateamt"),
        ],
        thesaurus=thesaurus,
    )
    phrases = {t.name: (t.prefix, t.phrase) for t in understanding.tables}
    assert phrases["lg_whsemstr"] == ("lg", "warehouse master")
    assert phrases["lginvbal"] == ("lg", "inventory balance")
    assert phrases["hr_drvrroster"] == ("hr", "driver roster")  # a prefix here, not 'hour'
    assert understanding.column("lginvbal", "lginvbalid").words == ["inventory", "balance", "id"]
    assert understanding.column("hr_drvrroster", "hrlyrateamt").raw_words[0] == "hrly"  # the columns keep 'hr'


def test_columns_marked_with_the_tables_first_letters(thesaurus: WordNetThesaurus) -> None:
    understanding = SchemaUnderstanding.build(
        [
            table("tbhiring", "tbhishopid", "tbhiemployeeid", "tbhistrtfrom", "tbhiisfulltime"),
            table("tbshop", "tbshshopid", "tbshname"),
        ],
        thesaurus=thesaurus,
    )
    shop = understanding.column("tbhiring", "tbhishopid")
    assert shop.prefix == "tbhi" and shop.words == ["shop", "id"]
    assert understanding.column("tbhiring", "tbhistrtfrom").raw_words == ["strt", "from"]
