"""Small-to-big passages: a ranked chunk grows with its same-section neighbours, within a budget."""

from __future__ import annotations

from core.documents.models import Chunk, SourceMark
from core.search.passages import grow_passage, passage_figures


def words(text: str) -> int:
    return len(text.split())


def chunk(index: int, body: str, heading: str = "BALANCE SHEETS", *, columns: bool = False, page: int = 1) -> Chunk:
    head = f"2023 Q3 ACME — {heading}" + ("\nColumns: June 30, 2023 December 31, 2022" if columns else "")
    text = f"{head}\n{body}"
    marks = [SourceMark(len(head) + 1, page, heading)]
    return Chunk("d1", "2023 Q3 ACME.pdf", index, text, [page], heading, words(text), marks)


def neighbours(chunks: list[Chunk]):
    return lambda c, step: c.index + step if 0 <= c.index + step < len(chunks) else None


def test_a_chunk_grows_with_the_following_part_of_its_table_then_the_preceding():
    chunks = [
        chunk(0, "Cash 1,200 1,100\nInventories 5,433 6,580", page=3),
        chunk(1, "Inventories 5,433 6,580\nTotal assets 9,000 8,800", columns=True, page=4),
        chunk(2, "Liabilities 3,000 2,000", columns=True, page=5),
        chunk(3, "Risk factors may harm results.", heading="RISK FACTORS", page=6),
    ]
    passage = grow_passage(1, chunks, neighbours(chunks), set(), budget=100, count_tokens=words)
    assert passage.positions == [0, 1, 2]  # the next section's chunk stays out
    assert passage.chunk.id == "d1:1" and passage.chunk.pages == [3, 4, 5]
    # One context line; the repeated column line and the overlapping row appear once.
    assert passage.chunk.text == (
        "2023 Q3 ACME — BALANCE SHEETS\nCash 1,200 1,100\nInventories 5,433 6,580\n"
        "Total assets 9,000 8,800\nLiabilities 3,000 2,000"
    )
    assert passage.chunk.token_count == words(passage.chunk.text)
    # Each row still knows its page: the joined parts' marks moved with their text.
    text = passage.chunk.text
    pages = [passage.chunk.source_at(text.index(row)).page for row in ("Cash", "Total assets", "Liabilities")]
    assert pages == [3, 4, 5]


def test_growth_stops_at_the_budget_and_at_chunks_of_better_ranked_passages():
    chunks = [chunk(i, f"Line {i} " + "figure " * 20) for i in range(5)]
    alone = grow_passage(2, chunks, neighbours(chunks), set(), budget=chunks[2].token_count, count_tokens=words)
    assert alone.positions == [2] and alone.chunk is chunks[2]
    two = grow_passage(2, chunks, neighbours(chunks), set(), budget=2 * chunks[2].token_count, count_tokens=words)
    assert two.positions == [2, 3]
    taken = grow_passage(2, chunks, neighbours(chunks), {3}, budget=2 * chunks[2].token_count, count_tokens=words)
    assert taken.positions == [1, 2]


def test_chunks_without_a_context_line_count_whole_against_the_budget():
    plain = [Chunk("d2", "notes.txt", i, "word " * 30, [1], None, 30) for i in range(10)]
    passage = grow_passage(0, plain, neighbours(plain), set(), budget=100, count_tokens=words)
    assert passage.positions == [0, 1, 2]  # 3 x 30 tokens fit in 100; a fourth would not


def test_a_passages_figures_are_its_numbers_of_three_digits_or_more_without_years():
    text = "2023 Q3 ACME 2023 — BALANCE SHEETS\nInventories 5,433 6,580 in 2022\nMargin 24.6% on 12 units, 1.5 times"
    assert passage_figures(text) == {"5433", "6580", "24.6"}
