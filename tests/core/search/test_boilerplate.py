"""Boilerplate shares: text many documents hold word for word, against a document's own text."""

from __future__ import annotations

from core.documents.models import Chunk
from core.search.boilerplate import boilerplate_shares

CERTIFICATION = (
    "I have reviewed this quarterly report and based on my knowledge it does not contain any untrue "
    "statement of a material fact"
)


def chunk(doc: str, index: int, text: str) -> Chunk:
    return Chunk(doc, f"{doc}.pdf", index, f"{doc} — Section\n{text}", [1], "Section", 50)


PRODUCTS = ("phones", "tablets", "laptops", "watches", "speakers", "cameras")


def test_text_every_document_copies_is_boilerplate_and_a_documents_own_text_is_not():
    chunks = []
    for d, product in enumerate(PRODUCTS):
        chunks.append(chunk(f"filing{d}", 0, f"{CERTIFICATION} signed on {d + 1} May 2023"))
        chunks.append(
            chunk(f"filing{d}", 1, f"Sales of {product} grew as {product} buyers in {product} stores paid more")
        )
    shares = boilerplate_shares(chunks)
    assert all(shares[i] > 0.9 for i in range(0, len(chunks), 2))  # the certification
    assert all(shares[i] == 0.0 for i in range(1, len(chunks), 2))  # each filing's own sentence


def test_text_shared_by_too_few_documents_is_not_boilerplate():
    # A third of nine documents is three: text in two filings (a company's own repeated note) is not boilerplate.
    note = "The board authorized a program to repurchase common stock with no fixed expiration date"
    chunks = [
        chunk(f"filing{d}", 0, note if d < 2 else f"Unrelated words about topic number {d} here") for d in range(9)
    ]
    shares = boilerplate_shares(chunks)
    assert shares[0] == shares[1] == 0.0
    chunks += [chunk("filing2", 1, note)]
    assert boilerplate_shares(chunks)[0] == 1.0  # now three documents hold it


def test_figures_and_the_context_line_do_not_make_copied_text_original():
    chunks = [
        chunk(f"filing{d}", 0, f"Total of {d * 1000 + 7} shares were outstanding as of the record date")
        for d in range(3)
    ]
    assert list(boilerplate_shares(chunks)) == [1.0, 1.0, 1.0]


def test_a_chunk_too_short_for_a_run_has_no_share():
    assert (
        list(boilerplate_shares([chunk("a", 0, "Net sales"), chunk("b", 0, "Net sales"), chunk("c", 0, "Net sales")]))
        == [0.0] * 3
    )
