"""Evidence re-scoring: the table row that names what was asked lifts its chunk, within the
documents the question is about; and in the retriever, a statement outside the first stage's
top is found among the chunks of those documents."""

from __future__ import annotations

import pytest

from core.cache.local import LocalKeyValueStore
from core.documents.models import Chunk
from core.documents.service import build_document_service
from core.rerank.base import RerankCandidate
from core.rerank.evidence import EvidenceReranker, expand_acronyms, figure_sentences, table_rows
from core.search.retriever import Retriever
from core.search.text import terms
from core.storage.local import LocalObjectStore
from core.vectors.local import LocalVectorStore


def chunk(index: int, text: str, doc: str = "d1") -> Chunk:
    return Chunk(doc, f"{doc}.pdf", index, f"{doc} — Section\n{text}", [1], "Section", 50)


def local_service(tmp_path, embedder, namespace: str):
    """A document service on local stores under tmp_path."""
    return build_document_service(
        embedder=embedder,
        vectors=LocalVectorStore(tmp_path / "v"),
        objects=LocalObjectStore(tmp_path / "o"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace=namespace,
    )


def flat_weights(words):
    return dict.fromkeys(words, 1.0)


PROSE = chunk(0, "Inventory levels changed as supply chain constraints eased during the quarter.")
SHEET = chunk(1, "Cash and cash equivalents $ 24,687 $ 23,646\nInventories 6,820 4,946\nTotal assets 335,038 352,755")
OTHER = chunk(2, "Net sales 81,797 82,959\nCost of sales 45,384 46,387")


def test_table_row_labels_are_the_words_before_the_first_figure():
    labels = tuple(row.terms for row in table_rows(SHEET.text))
    expected = (frozenset(terms("Cash and cash equivalents")), frozenset({"inventory"}), frozenset({"total", "asset"}))
    assert labels == expected
    assert table_rows(PROSE.text) == ()  # prose without figures has no rows


def test_the_row_naming_the_asked_figure_outranks_prose_about_it():
    candidates = [RerankCandidate(PROSE, 1, 1.0), RerankCandidate(OTHER, 2, 1.0), RerankCandidate(SHEET, None, 1.0)]
    scores = EvidenceReranker().rerank("How have inventory levels changed?", candidates, flat_weights)
    assert scores[2] > scores[0] > scores[1]


def test_a_row_repeated_by_several_statements_lifts_only_the_best_of_them():
    """Net income is a row of the income, comprehensive income and cash flow statements alike;
    the second and third statements holding the very same row add nothing, so the prose that
    explains the change is not pushed out by them."""
    income = chunk(1, "Net sales 94,836 97,278\nNet income 24,160 25,010")
    comprehensive = chunk(2, "Net income 24,160 25,010\nOther comprehensive income 1,200 (500)")
    cash_flows = chunk(3, "Net income 24,160 25,010\nDepreciation 2,898 2,737")
    prose = chunk(4, "Net income decreased because of foreign currency weakness of $2.4 billion in the quarter.")
    candidates = [RerankCandidate(c, None, 1.0) for c in (income, comprehensive, cash_flows)]
    candidates.append(RerankCandidate(prose, 1, 1.0))
    scores = EvidenceReranker().rerank("What drove the change in net income?", candidates, flat_weights)
    best_statement = max(scores[:3])
    assert sorted(scores[:3], reverse=True)[1] < scores[3] < best_statement
    # Another filing's row says other figures: not a repeat.
    other_filing = RerankCandidate(chunk(5, "Net income 19,881 24,160", doc="d2"), None, 1.0)
    again = EvidenceReranker().rerank("What drove the change in net income?", [*candidates, other_filing], flat_weights)
    assert again[4] > again[3]


def test_the_document_prior_keeps_another_companys_row_below():
    theirs = RerankCandidate(chunk(1, SHEET.text.split("\n", 1)[1], doc="other"), None, 0.1)
    ours = RerankCandidate(SHEET, None, 1.0)
    scores = EvidenceReranker().rerank("What were the inventories?", [theirs, ours], flat_weights)
    assert scores[1] > scores[0]


def test_without_asked_words_the_first_stage_order_stands():
    candidates = [RerankCandidate(PROSE, 1, 1.0), RerankCandidate(SHEET, 2, 1.0), RerankCandidate(OTHER, None, 1.0)]
    scores = EvidenceReranker().rerank("the of and", candidates, flat_weights)
    assert scores[0] > scores[1] > scores[2] == 0.0


TOPICS = [
    "revenue recognition",
    "income taxes",
    "operating leases",
    "share repurchases",
    "legal proceedings",
    "foreign currency",
    "goodwill impairment",
    "research spending",
    "dividends paid",
    "employee benefits",
]
NOTES = "\n\n".join(
    [
        f"Note on {topic}. Management reviewed {topic} policies with the audit committee in region {i}."
        for i in range(3)
        for topic in TOPICS
    ]
    + [
        # Worded close to the question so that this prose, not the statement, leads the first
        # stage by a clear margin (dense cosine 0.54 against 0.50), whichever MiniLM build runs.
        f"Inventory discussion {i}. How inventory levels changed: they fell as supply chain constraints "
        f"eased and inventory levels were managed closely with suppliers in region {i}."
        for i in range(3)
    ]
)
SHEET_MD = "Balance sheet\n\n" + "\n".join(
    [
        f"{label} {a:,} {b:,}"
        for label, a, b in [
            ("Cash and cash equivalents", 24687, 23646),
            ("Accounts receivable", 19549, 28184),
            ("Inventories", 7351, 4946),
            ("Vendor non-trade receivables", 19637, 32748),
            ("Property, plant and equipment", 43550, 42117),
            ("Total assets", 335038, 352755),
        ]
    ]
)


def test_the_retriever_brings_up_the_statement_of_the_document_the_question_is_about(tmp_path, minilm):
    service = local_service(tmp_path, minilm, "docs-rr")
    for name, text in [("2023 Q3 ACME.txt", NOTES + "\n\n" + SHEET_MD), ("2023 Q3 OTHERCO.txt", NOTES)]:
        assert service.ingest(text.encode(), name, workspace_wide=True).ok
    question = "How have ACME's inventory levels changed?"
    first_stage = Retriever(minilm, service.vectors, service, "docs-rr", passage_tokens=0)
    assert "Inventories 7,351" not in first_stage.search(question, channel=None, k=1)[0].chunk.text  # the premise
    reranked = Retriever(minilm, service.vectors, service, "docs-rr", reranker=EvidenceReranker(), passage_tokens=0)
    top = reranked.search(question, channel=None, k=1)[0].chunk
    assert top.file_name == "2023 Q3 ACME.txt" and "Inventories 7,351 4,946" in top.text


def test_sentences_footers_and_numbered_headings_are_not_table_rows():
    text = "\n".join(
        [
            "ctx",
            "As of September 30, 2023, we had $25.8 billion of commercial paper outstanding.",
            "Acme Inc. | Q3 2023 Form 10-Q | 21",
            "• Level 1 – inputs are based upon unadjusted quoted prices",
            "Level 1 :",
            "Inventories 7,351 4,946",
            "Effective tax rate 12.5 % 16.2 %",
            "Interest expense (490) (525)",
        ]
    )
    assert tuple(row.terms for row in table_rows(text)) == (
        frozenset({"inventory"}),
        frozenset(terms("Effective tax rate")),
        frozenset(terms("Interest expense")),
    )


def test_an_acronym_of_the_question_is_read_as_the_row_label_it_abbreviates():
    rows = table_rows("ctx\nResearch and development 7,442 6,797\nSelling, general and administrative 5,973 6,012")
    asked = set(terms("Acme's R&D and SG&A spending"))
    expanded = expand_acronyms("Acme's R&D and SG&A spending", asked, rows)
    assert {"research", "development"} | set(terms("selling general administrative")) <= expanded
    assert "r" not in expanded and "d" not in expanded
    assert expand_acronyms("What about EPS?", set(terms("What about EPS?")), rows) == {"eps"}  # nothing it abbreviates


def test_words_no_row_could_hold_do_not_dilute_a_rows_evidence():
    """The question's many words about what the figures mean ("indicate", "supply chain
    management") hold no line item: the row naming the asked item still lifts its statement
    above the first stage's top prose."""
    question = "How have inventory levels changed and what might this indicate about supply chain management?"
    candidates = [RerankCandidate(PROSE, 1, 1.0), RerankCandidate(OTHER, 2, 1.0), RerankCandidate(SHEET, None, 1.0)]
    weights = dict.fromkeys(terms(question), 3.0) | {"inventory": 1.0}
    scores = EvidenceReranker().rerank(question, candidates, lambda words: {w: weights.get(w, 1.0) for w in words})
    assert scores[2] > scores[0]


def test_the_sentence_stating_the_asked_figure_lifts_its_chunk():
    stated = chunk(3, "Highlights.\nThe Company repurchased $18.0 billion of its common stock during the quarter.")
    about = chunk(4, "Share repurchases are part of our capital return program, approved by the board.")
    candidates = [RerankCandidate(about, 1, 1.0), RerankCandidate(stated, 3, 1.0)]
    question = "How much stock did the company repurchase?"  # "repurchased" is stemmed "repurchas"
    scores = EvidenceReranker().rerank(question, candidates, flat_weights)
    assert scores[1] > scores[0]
    without = EvidenceReranker(sentence_weight=0.0).rerank(question, candidates, flat_weights)
    assert without[0] > without[1]  # the premise: the first stage put the discussion first
    assert figure_sentences(about.text) == ()  # no figure stated


def test_boilerplate_loses_its_first_stage_rank_but_not_its_evidence():
    certification = chunk(0, "I have reviewed this quarterly report on Form 10-Q of the registrant.")
    note = chunk(1, "The Company acquired a business during the quarter; no divestitures were made.")
    asked = "Did the company report acquisitions in the quarterly report?"
    plain = [RerankCandidate(certification, 1, 1.0), RerankCandidate(note, 2, 1.0)]
    copied = [RerankCandidate(certification, 1, 1.0, boilerplate=1.0), RerankCandidate(note, 2, 1.0)]
    before, after = (
        EvidenceReranker().rerank(asked, plain, flat_weights),
        EvidenceReranker().rerank(asked, copied, flat_weights),
    )
    assert before[0] > before[1]  # the first stage put the certification first
    assert after[1] > after[0]
    assert after[1] == before[1]
    half = [RerankCandidate(certification, 1, 1.0, boilerplate=0.5), RerankCandidate(note, 2, 1.0)]
    assert after[0] < EvidenceReranker().rerank(asked, half, flat_weights)[0] < before[0]


class RecordingReranker:
    """Keeps the candidates it was given; scores them in the first stage's order."""

    name = "recording"

    def __init__(self) -> None:
        self.candidates: list[RerankCandidate] = []

    def rerank(self, question, candidates, weights):
        self.candidates = list(candidates)
        return [-(c.rank or 10_000) for c in candidates]


def test_the_retriever_tells_the_reranker_which_candidates_are_boilerplate(tmp_path, minilm):
    service = local_service(tmp_path, minilm, "docs-bp")
    certification = (
        "I have reviewed this quarterly report and based on my knowledge it does not contain any untrue "
        "statement of a material fact or omit to state a material fact necessary to make the statements made"
    )
    own = ["Phones sold well in Europe", "Tablets sold poorly in Asia", "Laptops held steady in America"]
    for i, text in enumerate(own):
        assert service.ingest(f"{text}.\n\n{certification}.".encode(), f"filing{i}.txt", workspace_wide=True).ok
    shares = {}
    for discount in (True, False):
        recorder = RecordingReranker()
        retriever = Retriever(
            minilm, service.vectors, service, "docs-bp", reranker=recorder, discount_boilerplate=discount
        )
        retriever.search("What did the quarterly report say about phones?", channel=None, k=3)
        shares[discount] = {c.chunk.text.split("\n", 1)[-1][:20]: c.boilerplate for c in recorder.candidates}
    assert shares[False] and set(shares[False].values()) == {0.0}
    # Each filing is one chunk: mostly the certification all three copy, partly its own sentence.
    assert len(shares[True]) == 3 and all(0.5 < share < 1.0 for share in shares[True].values())


def test_a_corpus_over_the_boilerplate_limit_is_not_read_whole_for_it(tmp_path, minilm, monkeypatch):
    """The discount reads every chunk once per corpus version; above the limit a first question
    does not pay for it, and the candidates carry no share."""
    from core.search import retriever as retriever_module

    service = local_service(tmp_path, minilm, "docs-bp-limit")
    copied = "I have reviewed this quarterly report and it does not contain any untrue statement of a material fact"
    for i in range(3):
        assert service.ingest(f"Own text {i}.\n\n{copied}.".encode(), f"f{i}.txt", workspace_wide=True).ok
    monkeypatch.setattr(retriever_module, "BOILERPLATE_MAX_CHUNKS", 2)
    monkeypatch.setattr(
        retriever_module, "boilerplate_shares", lambda chunks: pytest.fail("read the whole corpus over the limit")
    )
    recorder = RecordingReranker()
    Retriever(minilm, service.vectors, service, "docs-bp-limit", reranker=recorder).search(
        "What did the quarterly report say?", channel=None, k=3
    )
    assert recorder.candidates and {c.boilerplate for c in recorder.candidates} == {0.0}
