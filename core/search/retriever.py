"""Hybrid retrieval: dense vectors + BM25, fused by reciprocal rank, with a document-level prior.

Modes: "dense" and "bm25" are the single retrievers as they are; "hybrid" (the default) fuses
them with weighted reciprocal-rank fusion, ranks chunks with the question minus words that only
point at documents ("in the latest 10-Q"), and multiplies each chunk's score by a prior for its
document: how well the question's distinctive words (company, period, product) match the file
name and the words characteristic of the document (core/search/doc_match.py). Documents the
prior singles out also have their chunks ranked among themselves, so the pool of candidates is
not filled by other files alone. With a re-ranker (core/rerank/), hybrid mode then re-scores
its top chunks plus every chunk of the documents the question is about. Every mode returns each
ranked chunk as the passage around it (core/search/passages.py): retrieval works on chunks sized
for the embedder, the reader gets the rest of the table or section too; a passage whose figures
the passages above it already state is skipped for the next one.

Scope is enforced twice: the vector query carries the channel filter, and every candidate (dense
or BM25) must belong to a document the corpus says is visible in the channel. A private
channel's document therefore cannot surface elsewhere even if vector metadata were stale.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from core.documents.models import Chunk
from core.embeddings.base import Embedder
from core.rerank.base import RerankCandidate, Reranker
from core.search.boilerplate import boilerplate_shares
from core.search.keyword_index import IndexSnapshot
from core.search.passages import grow_passage, passage_figures
from core.search.text import FRAMING_WORDS, terms, without_meta_words
from core.vectors.base import VectorStore, VectorStoreError

if TYPE_CHECKING:
    from core.search.doc_match import DocumentMatcher

# Candidates as (chunk position, score), best first.
Ranked = list[tuple[int, float]]

log = logging.getLogger(__name__)

# Documents the question names with a prior at least this are the ones it is about (0.75 on the
# sec10q dev split; 0.6 let the other companies' filings of the named quarter in).
_FOCUS_PRIOR = 0.75
# At most this many chunks of those documents join the re-ranker's pool (bounds its cost).
_MAX_RERANK_EXTRA = 3000
# A passage needs at least this many figures before it can count as a repeat (repeated_figures).
_MIN_FIGURES = 3


# Above this many chunks the boilerplate discount is skipped (see _Snapshot.boilerplate): at
# ~0.2 ms a chunk, 5,000 chunks cost the first question about a second.
BOILERPLATE_MAX_CHUNKS = 5_000
Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[str, ...] = ("dense", "bm25", "hybrid")


class ChunkCorpus(Protocol):
    def keyword_snapshot(self) -> IndexSnapshot:
        """The persisted keyword index: every chunk by position, BM25, the document matcher."""
        ...

    def visible_documents(self, channel: str | None) -> set[str]:
        """channel None = every document; else the channel's documents plus workspace-wide ones."""
        ...

    def version(self) -> str:
        """Changes whenever a document is added, removed or relinked."""
        ...


@dataclass
class SearchHit:
    chunk: Chunk
    score: float  # cosine (dense), BM25 score (bm25) or fused score (hybrid): compare within a mode only
    dense_rank: int | None  # 1-based rank among dense candidates, None if not among them
    bm25_rank: int | None
    dense_score: float | None = None  # cosine similarity to the question, when known


def scope_filter(channel: str | None) -> dict[str, Any] | None:
    """Vector-store filter for the scope rule: the channel's documents and workspace-wide ones."""
    if channel is None:
        return None
    return {"$or": [{"channels": {"$in": [channel]}}, {"workspace_wide": {"$eq": True}}]}


@dataclass
class _Scope:
    doc_ids: set[str]
    mask: np.ndarray  # over the snapshot's chunks


@dataclass
class _Snapshot:
    """Everything derived from one corpus version. The keyword index is loaded from storage,
    not rebuilt: a new version costs the segments that changed."""

    version: str
    index: IndexSnapshot
    scopes: dict[str | None, _Scope] = field(default_factory=dict)
    _boilerplate: np.ndarray | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def chunks(self) -> Sequence[Chunk]:
        return self.index.chunks

    @property
    def position(self) -> IndexSnapshot:
        return self.index  # .get(chunk_id) -> position

    def boilerplate(self) -> np.ndarray | None:
        """Per chunk position, its boilerplate share; computed once per corpus version, and only
        for a corpus of at most BOILERPLATE_MAX_CHUNKS (None above): it reads every chunk, about
        0.2 ms each, which a first question must not pay for a large corpus (no persisted
        index of shared runs is built yet)."""
        if len(self.chunks) > BOILERPLATE_MAX_CHUNKS:
            return None
        with self._lock:
            if self._boilerplate is None:
                self._boilerplate = boilerplate_shares(self.chunks)
            return self._boilerplate


class Retriever:
    def __init__(
        self,
        embedder: Embedder,
        store: VectorStore,
        corpus: ChunkCorpus,
        namespace: str,
        *,
        candidates: int = 100,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 0.5,
        doc_prior: float = 4.0,
        passage_tokens: int = 512,
        table_passage_tokens: int = 0,
        reranker: Reranker | None = None,
        rerank_depth: int = 60,
        repeated_figures: float | None = 0.8,
        discount_boilerplate: bool = True,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.corpus = corpus
        self.namespace = namespace
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.bm25_weight = bm25_weight
        # Weights tuned on the sec10q filings (core/eval/retrieval.py): BM25 is the weaker
        # retriever there, and the document prior (company / period named in the question) the
        # strongest single signal. doc_prior=0 turns the prior off.
        self.doc_prior = doc_prior
        # Each ranked chunk is returned as the passage around it, at most this many word pieces
        # (core/search/passages.py); 0 returns the chunks as they are.
        self.passage_tokens = passage_tokens
        # A passage grown from a table chunk may take this many word pieces instead (0: the
        # same as any other): a statement cut into several chunks is read whole.
        self.table_passage_tokens = table_passage_tokens
        # Hybrid mode re-scores its top `rerank_depth` chunks, plus every chunk of the documents
        # the question is about, with the re-ranker (core/rerank/); None keeps the first stage.
        # (30, 60 and 100 measured the same on sec10q: the documents' chunks are most of the pool.)
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        # A passage at least this share of whose figures are in better-ranked passages already is
        # skipped (None keeps every passage): the MD&A repeats a statement's rows, a filing its
        # predecessor's comparatives. 0.7-0.9 measured the same on the sec10q dev split, 0.5 worse.
        self.repeated_figures = repeated_figures
        # The re-ranker is told how much of each candidate is boilerplate (core/search/boilerplate.py),
        # so that text every filing copies does not lead on its first-stage rank alone.
        self.discount_boilerplate = discount_boilerplate
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        self._model_checked = False

    def search(
        self,
        question: str,
        *,
        channel: str | None,
        k: int = 5,
        mode: str = "hybrid",
        problems: list[VectorStoreError] | None = None,
    ) -> list[SearchHit]:
        """The top `k` passages; a failing vector index falls back to keywords and is appended to `problems`."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if k < 1:
            raise ValueError("k must be at least 1")
        question = question.strip()
        if not question:
            return []
        snap, scope = self._scope(channel)
        if not scope.doc_ids:
            return []
        pool = max(self.candidates, k)
        if mode == "hybrid":
            ranked, dense, lexical, prior = self._hybrid(question, channel, snap, scope, pool, problems)
            if self.reranker is not None:
                ranked = self._rerank(question, snap, scope, ranked, prior)
        elif mode == "dense":
            ranked = dense = self._dense_vector(self._embed(question), channel, snap, scope, pool, problems=problems)
            lexical = []
        else:
            ranked = lexical = self._bm25(question, snap, scope, pool)
            dense = []
        dense_rank = {pos: rank for rank, (pos, _) in enumerate(dense, 1)}
        dense_score = dict(dense)
        bm25_rank = {pos: rank for rank, (pos, _) in enumerate(lexical, 1)}
        hits: list[SearchHit] = []
        taken: set[int] = set()
        seen: set[str] = set()
        for pos, score in ranked:
            if len(hits) == k:
                break
            if pos in taken:
                continue  # already part of a better-ranked passage
            chunk = self._passage(snap, pos, taken)
            if self.repeated_figures is not None:
                figures = passage_figures(chunk.text)
                if len(figures) >= _MIN_FIGURES and len(figures & seen) >= self.repeated_figures * len(figures):
                    continue  # says little the passages above do not
                seen |= figures
            hits.append(SearchHit(chunk, float(score), dense_rank.get(pos), bm25_rank.get(pos), dense_score.get(pos)))
        return hits

    def _passage(self, snap: _Snapshot, pos: int, taken: set[int]) -> Chunk:
        if not self.passage_tokens:
            taken.add(pos)
            return snap.chunks[pos]

        def neighbour(chunk: Chunk, step: int) -> int | None:
            return snap.position.get(f"{chunk.doc_id}:{chunk.index + step}")

        budget = self.passage_tokens
        if self.table_passage_tokens and is_table(snap.chunks[pos]):
            budget = max(budget, self.table_passage_tokens)
        passage = grow_passage(pos, snap.chunks, neighbour, taken, budget, self.embedder.tokenizer.count)
        taken.update(passage.positions)
        return passage.chunk

    def _hybrid(
        self,
        question: str,
        channel: str | None,
        snap: _Snapshot,
        scope: _Scope,
        pool: int,
        problems: list[VectorStoreError] | None = None,
    ) -> tuple[Ranked, Ranked, Ranked, dict[str, float]]:
        """(ranked, dense candidates, BM25 candidates, document prior) for hybrid mode."""
        # The document prior reads the whole question ("latest 10-Q" picks a filing); chunk
        # ranking reads it without words that only point at documents.
        content = without_meta_words(question)
        vector = self._embed(content)
        dense = self._dense_vector(vector, channel, snap, scope, pool, problems=problems)
        lexical = self._bm25(content, snap, scope, pool)
        prior = self._matcher(snap).scores(question, scope.doc_ids) if self.doc_prior else {}
        named = self._matcher(snap).named(question) if prior else set()
        focus = {doc for doc, p in prior.items() if p >= _FOCUS_PRIOR and doc in named}
        if focus and len(focus) < len(scope.doc_ids):
            # The question names its documents (company, period in the file name): rank their
            # chunks among themselves too, so that a figure's table is a candidate even when other
            # files' chunks fill the global pool.
            inside = _Scope(focus, scope.mask & snap.index.doc_mask(focus))
            focused = self._dense_vector(vector, channel, snap, inside, pool, docs=focus, problems=problems)
            dense_ranks = _focused(dense, focused, snap, focus)
            lexical_ranks = _focused(lexical, self._bm25(content, snap, inside, pool), snap, focus)
        else:
            dense_ranks, lexical_ranks = _ranks(dense), _ranks(lexical)
        return self._fuse(snap, dense_ranks, lexical_ranks, prior), dense, lexical, prior

    def _rerank(self, question: str, snap: _Snapshot, scope: _Scope, ranked: Ranked, prior: dict[str, float]) -> Ranked:
        """The top of the first stage plus every chunk of the documents the question is about
        (the evidence table is often outside the top: mostly numbers, it matches poorly), re-scored
        by the re-ranker and put first in its order; the rest of the first stage follows."""
        assert self.reranker is not None
        pool = [pos for pos, _ in ranked[: self.rerank_depth]]
        leading = {doc for doc, p in prior.items() if p >= _FOCUS_PRIOR}
        if leading and len(leading) < len(scope.doc_ids):
            seen = set(pool)
            extra = [int(p) for p in np.flatnonzero(scope.mask & snap.index.doc_mask(leading)) if int(p) not in seen]
            pool += extra[:_MAX_RERANK_EXTRA]
        rank = _ranks(ranked)
        shares = snap.boilerplate() if self.discount_boilerplate else None
        candidates = [
            RerankCandidate(
                snap.chunks[pos],
                rank.get(pos),
                prior.get(snap.chunks[pos].doc_id, 1.0),
                float(shares[pos]) if shares is not None else 0.0,
            )
            for pos in pool
        ]
        matcher = self._matcher(snap)
        scores = self.reranker.rerank(question, candidates, lambda words: matcher.term_idf(set(words)))
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
        chosen = set(pool)
        return [(pool[i], float(scores[i])) for i in order] + [item for item in ranked if item[0] not in chosen]

    def term_weights(self, text: str) -> dict[str, float]:
        """Corpus IDF of each of the text's terms: how much finding the term says about relevance."""
        snap, _ = self._scope(None)
        return self._matcher(snap).term_idf(set(terms(text)))

    def naming_terms(self, question: str, channel: str | None) -> set[str]:
        """The question's terms that name documents in scope (company, period) rather than what it asks."""
        snap, scope = self._scope(channel)
        return self._matcher(snap).naming_terms(question, scope.doc_ids)

    def unmentioned(self, question: str, channel: str | None) -> list[str]:
        """The question's words (runs of adjacent ones, as written) that no document in scope
        uses, when they are at least a third of its words: "gift cards" in "the refund policy for
        gift cards?" when the documents speak of refunds in general, "Canada" in "do we ship to
        Canada?". A single framing word of a longer question ("what implications might this have")
        is not worth saying. Words that point at documents ("the latest 10-Q"), stop words, framing
        words ("might", "suggest") and the degree word of "how many / how long" do not count."""
        snap, scope = self._scope(channel)
        words = [w.strip(_WORD_EDGES) for w in without_meta_words(question).split()]
        word_terms = [
            [] if w.lower() in FRAMING_WORDS or (i and words[i - 1].lower() == "how") else terms(w)
            for i, w in enumerate(words)
        ]
        asked = {t for ts in word_terms for t in ts}
        absent = self._matcher(snap).absent(asked, scope.doc_ids)
        if not absent or len(absent) < _UNMENTIONED_SHARE * len(asked):
            return []
        runs: list[str] = []
        run: list[str] = []
        for word, ts in zip(words, word_terms, strict=True):
            if ts and all(t in absent for t in ts):
                run.append(word)
            elif run:
                runs.append(" ".join(run))
                run = []
        if run:
            runs.append(" ".join(run))
        return runs

    def document_prior(self, question: str, channel: str | None) -> dict[str, float]:
        """How much the question is about each document in scope, in [0, 1] (1 = the best
        match); empty when nothing in the question singles documents out."""
        snap, scope = self._scope(channel)
        return self._matcher(snap).scores(question, scope.doc_ids) if self.doc_prior else {}

    # --- candidates -------------------------------------------------------------------------

    def _embed(self, question: str) -> np.ndarray:
        self._check_model()
        vector: np.ndarray = self.embedder.embed([question])[0]
        return vector

    def _dense_vector(
        self,
        vector: np.ndarray,
        channel: str | None,
        snap: _Snapshot,
        scope: _Scope,
        pool: int,
        docs: set[str] | None = None,
        problems: list[VectorStoreError] | None = None,
    ) -> Ranked:
        flt = scope_filter(channel)
        if docs is not None:
            only = {"doc_id": {"$in": sorted(docs)}}
            flt = only if flt is None else {"$and": [flt, only]}
        try:
            matches = self.store.query(self.namespace, vector, top_k=pool, filter=flt)
        except VectorStoreError as exc:
            # Damaged or unreachable vectors: answer from keywords rather than not at all.
            log.warning("dense search unavailable, using keywords only: %s", exc)
            if problems is not None:
                problems.append(exc)
            return []
        out: Ranked = []
        for match in matches:
            pos = snap.position.get(match.id)
            # Vectors of deleted or out-of-scope documents are dropped here, whatever their metadata says.
            if pos is not None and scope.mask[pos]:
                out.append((pos, match.score))
        return out

    def _bm25(self, question: str, snap: _Snapshot, scope: _Scope, pool: int) -> Ranked:
        scores = np.where(scope.mask, snap.index.bm25_scores(question), 0.0)
        candidates = np.flatnonzero(scores > 0)
        if not candidates.size:
            return []
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:pool]]
        return [(int(pos), float(scores[pos])) for pos in top]

    def _fuse(self, snap: _Snapshot, dense: dict[int, int], lexical: dict[int, int], prior: dict[str, float]) -> Ranked:
        """Reciprocal-rank fusion of {position: rank}, weighted per retriever, times
        (1 + doc_prior * prior[doc])."""
        fused: dict[int, float] = {}
        for pos, rank in dense.items():
            fused[pos] = fused.get(pos, 0.0) + self.dense_weight / (self.rrf_k + rank)
        for pos, rank in lexical.items():
            fused[pos] = fused.get(pos, 0.0) + self.bm25_weight / (self.rrf_k + rank)
        if prior:
            for pos in fused:
                fused[pos] *= 1.0 + self.doc_prior * prior.get(snap.chunks[pos].doc_id, 0.0)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

    # --- cached corpus state ----------------------------------------------------------------

    def _scope(self, channel: str | None) -> tuple[_Snapshot, _Scope]:
        version = self.corpus.version()
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.version != version:
                snap = _Snapshot(version, self.corpus.keyword_snapshot())
                self._snapshot = snap
            scope = snap.scopes.get(channel)
            if scope is None:
                doc_ids = self.corpus.visible_documents(channel) & snap.index.documents
                scope = snap.scopes[channel] = _Scope(doc_ids, snap.index.doc_mask(doc_ids))
            return snap, scope

    def _matcher(self, snap: _Snapshot) -> DocumentMatcher:
        return snap.index.matcher()

    def _check_model(self) -> None:
        if not self._model_checked:
            try:
                self.store.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
            except VectorStoreError as exc:  # the dense query will say so too, and fall back to keywords
                log.warning("could not check the vector index's model: %s", exc)
                return
            self._model_checked = True


_FIGURE = re.compile(r"\d[\d,]*\.?\d*")
# The words no document uses must be at least this share of the question's to be said (unmentioned).
_UNMENTIONED_SHARE = 1 / 3
_WORD_EDGES = "\"'“”‘’()[]{}.,;:!?"


def is_table(chunk: Chunk) -> bool:
    """Most of the chunk's lines (after the context line) hold figures: a table or statement."""
    lines = [line for line in chunk.text.split("\n")[1:] if line.strip()]
    return bool(lines) and sum(1 for line in lines if _FIGURE.search(line)) >= 0.5 * len(lines)


def _ranks(candidates: list[tuple[int, float]]) -> dict[int, int]:
    return {pos: rank for rank, (pos, _) in enumerate(candidates, 1)}


def _focused(overall: Ranked, inside: Ranked, snap: _Snapshot, focus: set[str]) -> dict[int, int]:
    """Ranks for fusion: chunks of the focus documents by their rank among those documents,
    the others by their overall rank."""
    ranks = {pos: rank for pos, rank in _ranks(overall).items() if snap.chunks[pos].doc_id not in focus}
    ranks.update(_ranks(inside))
    return ranks
