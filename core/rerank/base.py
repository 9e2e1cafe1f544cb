"""The re-ranking capability: the candidates it reads and the protocol implementations follow.

The retriever's first stage (dense + BM25 + document prior) ranks chunks by how much they are
about the question; a re-ranker reads each candidate more closely and scores how likely it is
to hold the answer. Implementations live beside this file; the retriever takes one by
constructor (bot/wiring.py picks it from RERANKER).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.documents.models import Chunk

# Corpus inverse document frequency of each given term (how much finding it says).
TermWeights = Callable[[Iterable[str]], Mapping[str, float]]


@dataclass(frozen=True)
class RerankCandidate:
    chunk: Chunk
    rank: int | None  # 1-based first-stage rank; None for a chunk the first stage did not return
    prior: float  # the document prior in [0, 1] (how much the question is about the chunk's file); 1 if none
    # Share of the chunk's text that many other documents hold word for word (core/search/boilerplate.py).
    boilerplate: float = 0.0


class Reranker(Protocol):
    name: str

    def rerank(self, question: str, candidates: Sequence[RerankCandidate], weights: TermWeights) -> list[float]:
        """A score per candidate, in the order given; higher is better. Scores are compared
        within one call only."""
        ...
