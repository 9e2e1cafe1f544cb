"""Small-to-big: rank small chunks, answer from the passage around each one.

Chunks are sized for the embedder (254 word pieces for MiniLM), which cuts a financial statement
or a note into several chunks; the figure a question needs is often in the chunk just after (or
before) the one that matched. Each ranked chunk is therefore grown into a passage with its
neighbours from the same document and section, up to a token budget, and the reader (the LLM or
the extractive answerer) sees the passage. Neighbours repeat the context line and the overlap
with the chunk before them; both are dropped when they are joined on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.documents.models import Chunk, SourceMark, shifted_marks

_COLUMNS_PREFIX = "Columns: "
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass
class Passage:
    chunk: Chunk  # the passage as one chunk: id and index of the ranked chunk, pages of all parts
    positions: list[int]  # corpus positions of the chunks it joins, in document order


def grow_passage(
    position: int,
    chunks: Sequence[Chunk],
    neighbour: Callable[[Chunk, int], int | None],
    taken: set[int],
    budget: int,
    count_tokens: Callable[[str], int],
) -> Passage:
    """The passage around chunks[position]: same-section neighbours, the following ones first
    (tables and paragraphs continue downwards), while the total stays within `budget` tokens.
    `neighbour(chunk, step)` is the corpus position of the chunk `step` places away in the same
    document (or None); chunks in `taken` already belong to a better-ranked passage."""
    centre = chunks[position]
    parts = [position]
    size = centre.token_count
    for step in (1, -1):
        current = centre
        while True:
            pos = neighbour(current, step)
            if pos is None or pos in taken or chunks[pos].heading != centre.heading:
                break
            extra = _body_tokens(chunks[pos], count_tokens)
            if size + extra > budget:
                break
            parts = [*parts, pos] if step == 1 else [pos, *parts]
            size += extra
            current = chunks[pos]
    if len(parts) == 1:
        return Passage(centre, parts)
    text, marks = _join([chunks[p] for p in parts])
    merged = Chunk(
        doc_id=centre.doc_id,
        file_name=centre.file_name,
        index=centre.index,
        text=text,
        pages=sorted({page for p in parts for page in chunks[p].pages}),
        heading=centre.heading,
        token_count=count_tokens(text),
        marks=marks,
    )
    return Passage(merged, parts)


def head_lines(lines: list[str]) -> int:
    """How many of a chunk's lines are its head: the context line, plus the column-header line
    that may follow it."""
    return 2 if len(lines) > 1 and lines[1].startswith(_COLUMNS_PREFIX) else 1


def _head_and_body(chunk: Chunk) -> tuple[list[str], list[str]]:
    """A chunk's context line (plus the column-header line that may follow it) and the rest."""
    lines = chunk.text.split("\n")
    if len(lines) == 1:
        return [], lines  # a chunk with no context line (not one of our chunker's) is all body
    head = head_lines(lines)
    return lines[:head], lines[head:]


def _body_tokens(chunk: Chunk, count_tokens: Callable[[str], int]) -> int:
    head, _ = _head_and_body(chunk)
    return max(0, chunk.token_count - count_tokens("\n".join(head))) if head else chunk.token_count


def _join(parts: list[Chunk]) -> tuple[str, list[SourceMark]]:
    """The first part whole (its context line says what the passage is), then each following
    part's body without the lines it repeats from the end of the part before it (the overlap);
    with the parts' source marks moved to where their text now sits."""
    text = parts[0].text
    lines = text.split("\n")
    marks = list(parts[0].marks)
    for part in parts[1:]:
        head, body = _head_and_body(part)
        part_lines = part.text.split("\n")
        skip = len(head) + _overlap(lines, body)
        kept = part_lines[skip:]
        if not kept:
            continue
        start = sum(len(line) + 1 for line in part_lines[:skip])  # where the kept lines begin in the part
        marks += shifted_marks(part.marks, start, len(part.text), len(text) + 1 - start)
        text = text + "\n" + "\n".join(kept)
        lines.extend(kept)
    return text, marks


def _overlap(before: list[str], after: list[str]) -> int:
    """How many leading lines of `after` repeat the trailing lines of `before`."""
    for n in range(min(len(before), len(after)), 0, -1):
        if before[-n:] == after[:n]:
            return n
    return 0


def passage_figures(text: str) -> set[str]:
    """The figures a passage states, after its context line: numbers of three digits or more
    ("81,797" as "81797", "24.6" as well), years left out."""
    out = set()
    for match in _NUMBER.findall(text.split("\n", 1)[-1]):
        number = match.replace(",", "").rstrip(".")
        if sum(c.isdigit() for c in number) >= 3 and not _YEAR.fullmatch(number):
            out.add(number)
    return out
