"""Chunking with MiniLM's own WordPiece tokenizer: sizes, whole rows, verbatim text, context."""

from __future__ import annotations

import itertools

import pytest

from core.documents.chunking import Chunker, ChunkingConfig, split_by_tokens
from core.documents.models import Block, ParsedDocument

WORDS = (
    "revenue grew because demand for tablets in europe stayed strong while supply costs fell and the "
    "company repurchased shares during the quarter. "
).split()


@pytest.fixture(scope="module")
def tokenizer(minilm):
    return minilm.tokenizer


def prose(n_words: int, seed: int = 0) -> str:
    return " ".join(WORDS[(i + seed) % len(WORDS)] for i in range(n_words))


def doc(blocks: list[Block], name: str = "2023 Q3 ORCH.pdf") -> ParsedDocument:
    return ParsedDocument(file_name=name, ext="pdf", pages=max((b.page or 0) for b in blocks), blocks=blocks)


def body(chunk) -> str:
    return chunk.text.split("\n", 1)[1]


def test_config_fits_the_embedder():
    assert ChunkingConfig().fitted(254) == ChunkingConfig(254, 25, 127)
    assert ChunkingConfig().fitted(8191) == ChunkingConfig(512, 50, 256)


def test_chunks_fit_the_budget_and_start_with_their_context(tokenizer):
    cfg = ChunkingConfig().fitted(254)
    blocks = [Block(prose(60, i), page=1 + i // 5, heading="RISK FACTORS") for i in range(20)]
    chunks = Chunker(tokenizer, cfg).chunk(doc(blocks), "d1")
    assert len(chunks) > 3
    for i, c in enumerate(chunks):
        assert c.index == i and c.id == f"d1:{i}" and c.doc_id == "d1"
        assert c.token_count == tokenizer.count(c.text) <= 254
        assert c.text.startswith("2023 Q3 ORCH — RISK FACTORS\n")
        assert c.heading == "RISK FACTORS"
    # All but the last reach at least the minimum: small neighbours were merged.
    assert all(c.token_count >= cfg.min_tokens for c in chunks[:-1])
    assert chunks[0].pages[0] == 1 and chunks[-1].pages[-1] == 4


def test_table_rows_are_never_split(tokenizer):
    rows = [
        Block(
            f"Line item number {i} for the segment {i % 7} {i * 1013:,} {i * 977:,} ({i * 31:,})",
            2,
            "BALANCE SHEETS",
            "table_row",
        )
        for i in range(120)
    ]
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc(rows), "d2")
    assert len(chunks) > 3
    lines = {line for c in chunks for line in body(c).split("\n")}
    assert {r.text for r in rows} <= lines  # every row is a whole line of some chunk
    assert all(line in {r.text for r in rows} for line in lines)  # and nothing is a fragment


def test_long_text_is_cut_verbatim_at_word_edges_with_overlap(tokenizer):
    text = prose(1500)
    chunks = Chunker(tokenizer, ChunkingConfig(512, 50, 256).fitted(254)).chunk(doc([Block(text, 1)]), "d3")
    assert len(chunks) >= 5
    bodies = [body(c) for c in chunks]
    for b in bodies:
        assert b in text
        start = text.index(b)
        assert start == 0 or text[start - 1] == " "  # never starts inside a word
        end = start + len(b)
        assert end == len(text) or text[end] in " ."
    for prev, nxt in itertools.pairwise(bodies):
        assert text.index(nxt) < text.index(prev) + len(prev)  # consecutive chunks overlap
    assert all(c.text.startswith("2023 Q3 ORCH\n") for c in chunks)  # no heading: file stem only


def test_split_prefers_sentence_ends(tokenizer):
    text = " ".join(f"Sentence number {i} talks about quarterly revenue and margins." for i in range(40))
    parts = split_by_tokens(text, tokenizer.spans(text), budget=60, overlap=0)
    assert len(parts) > 3
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_a_new_section_starts_a_new_chunk_once_the_chunk_is_big_enough(tokenizer):
    blocks = [Block(prose(150, i), 1, "INTRODUCTION") for i in range(2)] + [
        Block(prose(150, i), 2, "RISK FACTORS") for i in range(2)
    ]
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc(blocks), "d4")
    headings = [c.heading for c in chunks]
    assert headings == sorted(headings, key=["INTRODUCTION", "RISK FACTORS"].index)
    assert not any("INTRODUCTION" in c.text and "RISK FACTORS" in c.text for c in chunks)


def test_tiny_sections_merge_into_one_chunk(tokenizer):
    blocks = [Block(f"Short note {i}.", None, f"Section {i}") for i in range(6)]
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc(blocks, "notes.md"), "d5")
    assert len(chunks) == 1
    assert chunks[0].pages == []
    assert all(f"Short note {i}." in chunks[0].text for i in range(6))


def test_an_overlong_heading_is_cut_to_keep_room_for_content(tokenizer):
    heading = "VERY LONG HEADING " * 80
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc([Block(prose(400), 1, heading)]), "d6")
    context = chunks[0].text.split("\n", 1)[0]
    assert context.endswith("…")
    assert tokenizer.count(context) <= 254 // 4 + 2
    assert all(c.token_count <= 254 for c in chunks)


def test_text_without_spaces_is_still_cut_into_full_windows(tokenizer):
    text = "start " + "." * 3000 + " https://example.org/" + "a/b-c" * 400 + " end"
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc([Block(text, 1)]), "d7")
    total = tokenizer.count(text)
    assert len(chunks) <= total // 200 + 2  # windows stay near full size: no crawling a token at a time
    assert all(c.token_count <= 254 for c in chunks)


def statement_rows(n: int, columns: str | None = "Three Months Ended July 1, 2023 June 25, 2022") -> list[Block]:
    return [
        Block(
            f"Line item {i} of the statement {i * 1013:,} {i * 977:,}",
            4,
            "STATEMENTS OF OPERATIONS",
            "table_row",
            columns,
        )
        for i in range(1, n + 1)
    ]


def test_a_section_that_opens_with_a_table_starts_a_chunk_of_its_own(tokenizer):
    # A short tail of another section (a table of contents) must not share the statement's chunk.
    contents = Block(prose(60), 3, "Part I")
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc([contents, *statement_rows(10)]), "d8")
    assert [c.heading for c in chunks] == ["Part I", "STATEMENTS OF OPERATIONS"]
    assert "Line item 1 " in body(chunks[1]) and "Line item" not in chunks[0].text
    # A few words before the table (a company name) still stay with it.
    company = Block("Orchard Inc.", 4, "Item 1")
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc([company, *statement_rows(6)]), "d9")
    assert len(chunks) == 1 and "Orchard Inc." in chunks[0].text


def test_column_headers_head_chunks_that_start_mid_table_only(tokenizer):
    rows = statement_rows(60)
    after = [Block(prose(120, i), 5, "STATEMENTS OF OPERATIONS") for i in range(3)] + statement_rows(3)
    chunks = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc([*rows, *after]), "d10")
    columns = "Columns: Three Months Ended July 1, 2023 June 25, 2022"
    # Rows repeat their table's columns (the header is not in the chunk); prose is left alone,
    # even when rows of the same table follow it further down.
    starts = [(c.text.split("\n")[1], c.text.split("\n")[2]) for c in chunks]
    assert [second == columns for second, _ in starts] == [third.startswith("Line item") for _, third in starts]
    assert sum(second == columns for second, _ in starts) >= 4
    prose_first = [c for c in chunks if not body(c).startswith(("Columns", "Line item"))]
    assert prose_first and not any("Columns" in c.text for c in prose_first)
    assert "Line item 3 " in prose_first[-1].text


def test_marks_say_the_page_and_section_of_every_part_of_a_chunk(tokenizer):
    blocks = [
        Block("Book flights 14 days ahead.", 1, "Booking travel"),
        Block("Hotels cost at most 150 EUR a night.", 1, "Hotels"),
        Block("Meals are paid at 45 EUR a day.", 2, "Meals and daily allowance"),
    ]
    (chunk,) = Chunker(tokenizer, ChunkingConfig().fitted(254)).chunk(doc(blocks, "policy.pdf"), "d6")
    assert chunk.pages == [1, 2]
    meals = chunk.text.index("Meals are paid")
    where = chunk.source_at(meals)
    assert (where.page, where.heading) == (2, "Meals and daily allowance")
    where = chunk.source_at(chunk.text.index("150 EUR"))
    assert (where.page, where.heading) == (1, "Hotels")
    assert chunk.source_at(0) is None  # the context line is not source text
    assert type(chunk).from_dict(chunk.to_dict()) == chunk
