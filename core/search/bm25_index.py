"""BM25 over chunk texts (bm25s, imported on first use)."""

from __future__ import annotations

import numpy as np

from core.search.text import terms


class Bm25Index:
    # b=0.5 (less length normalisation than the usual 0.75): long table chunks hold many rows,
    # and a matching row should not be drowned by its neighbours.
    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.5, tokens: list[list[str]] | None = None) -> None:
        """tokens: the texts' terms when already computed (core.search.text.terms)."""
        import logging

        import bm25s

        # bm25s sets its logger to DEBUG on import; its progress lines are not ours to print.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._size = len(texts)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if texts:
            # create_empty_token keeps chunks with no terms (e.g. only punctuation) indexable.
            self._bm25.index(tokens if tokens is not None else [terms(t) for t in texts], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for the query, in index order."""
        query_terms = terms(query)
        if not self._size or not query_terms:
            return np.zeros(self._size, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        known = [t for t in query_terms if t in vocab]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
