"""Citations name the page and section of the sentence quoted, not the span of its passage.

The documents are real PDFs written with fpdf2 in each test, ingested by the real pipeline
(pypdfium2 parsing, chunking, MiniLM vectors, local stores) and answered by the real answerer.
"""

from __future__ import annotations

import pytest
from fpdf import FPDF

from core.answers.answerer import Answerer
from core.cache.local import LocalKeyValueStore
from core.documents.service import build_document_service
from core.llm.openai import OpenAIChatModel, make_openai_client
from core.search.retriever import Retriever
from core.storage.local import LocalObjectStore
from core.vectors.local import LocalVectorStore
from tests.fakes.openai_server import FakeOpenAI

NS = "docs-cite"
PAGES = [
    [
        ("Travel and expense policy", "This policy covers business travel booked by employees of the shop."),
        ("Booking travel", "Book all flights and trains through the travel desk at least 14 days ahead."),
        ("Hotels", "The nightly hotel limit is 150 EUR in most cities. Minibar charges are not reimbursed."),
    ],
    [
        ("Meals and daily allowance", "Employees receive a daily meal allowance of 45 EUR on travel days."),
        ("Submitting expenses", "Submit expense claims within 30 days of the end of the trip, with receipts."),
    ],
]


def two_page_pdf() -> bytes:
    """Sentence-case headings (bold) over short paragraphs; the meal allowance is on page 2."""
    pdf = FPDF()
    for page in PAGES:
        pdf.add_page()
        for heading, paragraph in page:
            pdf.set_font("Helvetica", "B", 14)
            pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture
def service(tmp_path, minilm):
    svc = build_document_service(
        embedder=minilm,
        vectors=LocalVectorStore(tmp_path / "v"),
        objects=LocalObjectStore(tmp_path / "o"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace=NS,
    )
    result = svc.ingest(two_page_pdf(), "travel.pdf", channel="C1")
    assert result.ok, result.reason
    return svc


@pytest.fixture
def retriever(service, minilm):
    return Retriever(minilm, service.vectors, service, NS)


def test_the_two_page_pdf_is_one_passage_so_only_the_sentence_can_tell_the_page(retriever):
    hits = retriever.search("meal allowance", channel="C1", k=5)
    assert len(hits) == 1 and hits[0].chunk.pages == [1, 2]  # the premise: one passage spans both pages


def test_extractive_citation_names_the_page_and_section_of_the_quoted_sentence(retriever):
    answer = Answerer(retriever, None).answer("How much is the daily meal allowance?", channel="C1")
    assert answer.mode == "extractive"
    first_quote = answer.text.splitlines()[1]
    assert "45 EUR" in first_quote
    # The heading above the sentence is a section of its own, not the start of the quote.
    assert first_quote.startswith("• Employees receive a daily meal allowance")
    assert "Meals and daily allowance Employees" not in answer.text
    number = int(first_quote.rsplit("[", 1)[1].rstrip("]"))
    citation = next(c for c in answer.citations if c.number == number)
    assert citation.pages == [2]
    assert citation.section == "Meals and daily allowance"
    assert citation.label() == "travel.pdf, p. 2 — Meals and daily allowance"


def test_sentences_from_two_pages_of_one_passage_get_two_citations(retriever):
    answer = Answerer(retriever, None).answer(
        "What is the nightly hotel limit and the daily meal allowance in EUR?", channel="C1"
    )
    cited = {tuple(c.pages) for c in answer.citations}
    assert (1,) in cited and (2,) in cited
    assert all(len(c.pages) == 1 for c in answer.citations)


def test_llm_citation_names_the_page_of_the_source_sentence_it_restates(retriever):
    with FakeOpenAI() as fake:
        fake.chat_handler = lambda body: "Staff get 45 EUR a day for meals when travelling [1]. Book 14 days ahead [1]."
        llm = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "gpt-4o-mini")
        answer = Answerer(retriever, llm).answer("How much is the daily meal allowance?", channel="C1")
    assert answer.mode == "llm"
    assert answer.text == "Staff get 45 EUR a day for meals when travelling [1]. Book 14 days ahead [2]."
    meals, booking = answer.citations
    assert (meals.pages, meals.section) == ([2], "Meals and daily allowance")
    assert (booking.pages, booking.section) == ([1], "Booking travel")


def test_a_claim_matching_no_sentence_cites_the_whole_passage(retriever):
    with FakeOpenAI() as fake:
        fake.chat_handler = lambda body: "The policy is generous overall [1]."
        llm = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "gpt-4o-mini")
        answer = Answerer(retriever, llm).answer("How much is the daily meal allowance?", channel="C1")
    assert answer.citations[0].pages == [1, 2]
