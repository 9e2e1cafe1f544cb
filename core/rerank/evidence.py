"""Evidence re-scoring with no model: does a candidate hold the figure the question asks for?

The first stage finds passages *about* the question; for a figure ("Apple's Services revenue
over the quarters", "Microsoft's inventories") the answer is usually one table row whose label
names what was asked ("Services 20,766 19,516", "Inventories 3,742 2,500"). Dense vectors read
such tables poorly (mostly numbers) and BM25 drowns the row among its neighbours, so the table
often ranks below prose that discusses the same thing. This re-scorer adds, to the first-stage
rank, row evidence: the best table row whose label is made of the question's words, scored by
the share of the label the question covers (squared: a label of only asked-for words beats a
long label that mentions one) times the share of the question the label covers, words
weighted by their rarity in the corpus; scaled by the document prior, so a matching row of
another company's filing stays below. It costs one regular-expression pass per candidate chunk,
cached across questions: tens of milliseconds per question.

Also tried on the dev split and left out, since they changed nothing: the same match against
the section heading, and period and unit words of the question ("nine months", "in millions")
found in the chunk.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from core.rerank.base import RerankCandidate, TermWeights
from core.search.text import terms, without_meta_words

# A figure cell: "81,797", "$ 1.26", "(393)", "12 %". The label is the text before the first one.
_CELL = re.compile(r"(?<![\w.])[($]*\s?-?\d[\d,]*(?:\.\d+)?\s?%?\)?(?=\s|$)")
_MAX_LABEL_CHARS = 120  # longer "labels" are sentences that mention a number
_COLUMNS_PREFIX = "Columns: "


class EvidenceReranker:
    name = "evidence"

    def __init__(self, row_weight: float = 4.0) -> None:
        # 4: tuned on the sec10q dev split (AAPL, AMZN, MSFT questions; 2 and 8 both did worse).
        self.row_weight = row_weight

    def rerank(self, question: str, candidates: Sequence[RerankCandidate], weights: TermWeights) -> list[float]:
        asked = set(terms(without_meta_words(question)))
        firsts = [1.0 / math.log2(c.rank + 1) if c.rank else 0.0 for c in candidates]
        if not asked:
            return firsts
        labels = [row_labels(c.chunk.text) for c in candidates]
        idf = dict(weights(asked | {t for rows in labels for row in rows for t in row}))
        unknown = max(idf.values(), default=1.0)  # a word the corpus lacks is as rare as the rarest
        asked_weight = sum(idf.get(t, unknown) for t in asked)
        scores = []
        for cand, first, rows in zip(candidates, firsts, labels, strict=True):
            row = max((_match(label, asked, idf, unknown, asked_weight) for label in rows), default=0.0)
            scores.append(first + cand.prior * self.row_weight * row)
        return scores


# Candidates recur across questions (the same statements of the same filings): their labels are
# parsed once. Keyed by the chunk text; bounded, so memory does not grow with the corpus.
@lru_cache(maxsize=20_000)
def row_labels(text: str) -> tuple[frozenset[str], ...]:
    """The terms of each table row's label in a chunk (context and column lines excluded)."""
    lines = text.split("\n")
    skip = 2 if len(lines) > 1 and lines[1].startswith(_COLUMNS_PREFIX) else 1
    out = []
    for line in lines[skip:]:
        cell = _CELL.search(line)
        if cell is None or cell.start() == 0 or cell.start() > _MAX_LABEL_CHARS:
            continue
        label = frozenset(terms(line[: cell.start()]))
        if label:
            out.append(label)
    return tuple(out)


def _match(label: frozenset[str], asked: set[str], idf: dict[str, float], unknown: float, asked_weight: float) -> float:
    shared = sum(idf.get(t, unknown) for t in label & asked)
    if not shared or not asked_weight:
        return 0.0
    precision = shared / sum(idf.get(t, unknown) for t in label)
    return precision * precision * shared / asked_weight
