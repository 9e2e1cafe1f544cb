"""Close evidence settled by what each source explains (core/routing/router.py): a filing full of
the same business words as the schema comes close to any data question, so a close call goes to
the database when the schema explains more of the question than only the documents do."""

from __future__ import annotations

from core.documents.models import Chunk
from core.routing import Router
from core.routing.router import proper_names, subject_words
from core.routing.vocabulary import SchemaVocabulary
from core.search.retriever import SearchHit
from core.sql.models import ColumnInfo, TableInfo

# A freight company's shipments, and a passage of a report that uses the same words.
TABLES = [
    TableInfo("carriers", [ColumnInfo("carrier_id", "integer", primary_key=True), ColumnInfo("carrier_name", "text")]),
    TableInfo(
        "shipments",
        [
            ColumnInfo("shipment_id", "integer", primary_key=True),
            ColumnInfo("carrier_id", "integer", references="carriers.carrier_id"),
            ColumnInfo("freight_cost", "numeric"),
        ],
    ),
]
PASSAGE = (
    "Freight costs per carrier rose in the quarter, Globex said, as shipments grew and carriers raised rates"
    " and added surcharges."
)


class PassageSearch:
    """Every search finds the one passage, at a fixed cosine."""

    def __init__(self, cosine: float) -> None:
        self.cosine = cosine

    def search(self, question: str, *, channel: str | None, k: int = 5, mode: str = "hybrid") -> list[SearchHit]:
        chunk = Chunk("doc", "report.txt", 0, PASSAGE, [1], None, 20)
        return [SearchHit(chunk, self.cosine, 1, None, dense_score=self.cosine)]


def _router(cosine: float) -> Router:
    return Router(SchemaVocabulary.build(TABLES), PassageSearch(cosine))


def test_a_question_the_schema_explains_goes_to_the_database_however_close_the_passage() -> None:
    route = _router(0.62).route("What is the freight cost of shipments per carrier?", None)
    assert abs(route.evidence["sql"] - route.evidence["docs"]) < 0.4, route.evidence  # a close call
    assert route.evidence["documents_only"] == [], route.evidence
    assert route.kind == "sql", route


def test_a_name_only_the_documents_know_makes_the_same_close_call_ask_both() -> None:
    named = _router(0.7).route("What is the total Globex freight cost per carrier?", None)
    assert abs(named.evidence["sql"] - named.evidence["docs"]) < 0.4, named.evidence
    assert named.evidence["documents_only"] == ["globex"], named.evidence
    assert named.kind == "both", named
    # A word the documents share but that names nothing in particular does not outweigh three.
    shared = _router(0.7).route("What is the total freight cost per carrier that grew?", None)
    assert shared.evidence["documents_only"] == ["grew"], shared.evidence
    assert abs(shared.evidence["sql"] - shared.evidence["docs"]) < 0.4, shared.evidence
    assert shared.kind == "sql", shared


def test_as_much_of_each_is_settled_by_what_the_question_asks_about() -> None:
    router = _router(0.55)
    about_documents = router.route("Which surcharges apply to shipments?", None)
    about_schema = router.route("Which shipments had surcharges?", None)
    for route in (about_documents, about_schema):
        assert route.evidence["explained"] == ["shipment"], route.evidence
        assert route.evidence["documents_only"] == ["surcharge"], route.evidence
        assert abs(route.evidence["sql"] - route.evidence["docs"]) < 0.4, route.evidence
    assert (about_documents.kind, about_schema.kind) == ("docs", "sql")


def test_a_number_compared_is_a_filter_of_a_query() -> None:
    plain = _router(0.62).route("Shipments with freight cost", None)
    compared = _router(0.62).route("Shipments with freight cost above 500", None)
    assert compared.evidence["sql"] > plain.evidence["sql"]


def test_subject_words_leave_out_measures_periods_comparisons_and_numbers() -> None:
    assert subject_words("What were our total freight costs last quarter, more than 500?") == {"freight", "cost"}
    assert subject_words("Freight costs in January") == {"freight", "cost"}
    assert proper_names("What does Amazon's filing say about Rotterdam?") == {"amazon", "rotterdam"}
    assert proper_names("What is the total?") == set()
