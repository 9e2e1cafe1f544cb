"""Where a quoted sentence comes from: its page and section, not the whole passage's span.

Passages carry source marks (core/documents/models.py: the page and heading of each stretch of
their text). An extractive answer knows the offset of each sentence it quotes; an LLM answer
cites a passage by number, so the sentence of that passage closest to the answer's sentence
(by shared terms, figures counting double) stands for it. When nothing matches well, or the
passage has no marks (stored before they existed), the passage's pages are cited as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.documents.models import Chunk
from core.search.text import sentence_spans, terms

# An answer sentence must share at least this share of its (weighted) terms with a passage
# sentence for that sentence to stand for the citation.
_MIN_MATCH = 0.5


@dataclass(frozen=True)
class Source:
    pages: list[int]
    section: str | None


def whole_passage(chunk: Chunk) -> Source:
    return Source(list(chunk.pages), chunk.heading)


def source_at(chunk: Chunk, offset: int) -> Source:
    """The page and section of the text at a character offset of the chunk."""
    mark = chunk.source_at(offset)
    if mark is None:
        return whole_passage(chunk)
    return Source([mark.page] if mark.page is not None else [], mark.heading)


def matching_source(chunk: Chunk, claim: str) -> Source:
    """The source of the chunk's sentence that best supports `claim` (an answer's sentence)."""
    if not chunk.marks:
        return whole_passage(chunk)
    wanted = _weighted(claim)
    total = sum(wanted.values())
    if not total:
        return whole_passage(chunk)
    best, best_offset = 0.0, -1
    for start, _, sentence in sentence_spans(chunk.text):
        shared = sum(weight for term, weight in wanted.items() if term in set(terms(sentence)))
        if shared > best:
            best, best_offset = shared, start
    if best_offset < 0 or best / total < _MIN_MATCH:
        return whole_passage(chunk)
    return source_at(chunk, best_offset)


def _weighted(text: str) -> dict[str, float]:
    # Figures pin a sentence down better than words do.
    return {t: 2.0 if t[:1].isdigit() else 1.0 for t in terms(text)}
