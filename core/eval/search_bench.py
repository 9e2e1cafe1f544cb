"""Search latency at scale on synthetic chunks: random unit vectors in the local vector store and
Zipf-distributed pseudo-words for BM25. Only speed is meaningful here, not relevance."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.documents.models import Chunk
from core.embeddings.base import Embedder
from core.eval.retrieval import percentile
from core.vectors.base import VectorRecord

if TYPE_CHECKING:
    from core.vectors.local import LocalVectorStore

NAMESPACE = "docs-bench"
_WORDS_PER_CHUNK = 120
_CHANNELS = ("C1", "C2", "C3", "C4")


class SyntheticCorpus:
    """A fixed in-memory corpus implementing ChunkCorpus; documents spread over four channels."""

    def __init__(self, chunks: list[Chunk], channel_of: dict[str, str]) -> None:
        self._chunks = chunks
        self._channel_of = channel_of

    def chunks_in_scope(self, channel: str | None) -> list[Chunk]:
        if channel is None:
            return self._chunks
        return [c for c in self._chunks if self._channel_of[c.doc_id] == channel]

    def version(self) -> str:
        return "synthetic"


def _vocabulary(rng: np.random.Generator, size: int = 20000) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, size=size)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


def build(
    n_chunks: int, embedder: Embedder, root: Path, seed: int = 7
) -> tuple[SyntheticCorpus, LocalVectorStore, list[str]]:
    from core.vectors.local import LocalVectorStore

    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng)
    ranks = np.arange(1, len(vocab) + 1)
    zipf = (1.0 / ranks) / (1.0 / ranks).sum()
    words = rng.choice(len(vocab), size=(n_chunks, _WORDS_PER_CHUNK), p=zipf)
    chunks_per_doc = 50
    chunks: list[Chunk] = []
    channel_of: dict[str, str] = {}
    for i in range(n_chunks):
        doc_id = f"doc{i // chunks_per_doc:05d}"
        channel_of.setdefault(doc_id, _CHANNELS[(i // chunks_per_doc) % len(_CHANNELS)])
        text = " ".join(vocab[words[i]])
        chunks.append(Chunk(doc_id, f"{doc_id}.txt", i % chunks_per_doc, text, [1], None, _WORDS_PER_CHUNK))
    vectors = rng.standard_normal((n_chunks, embedder.dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = LocalVectorStore(root)
    store.check_model(NAMESPACE, embedder.model_id, embedder.dimension)
    store.upsert(
        NAMESPACE,
        [
            VectorRecord(
                c.id, vectors[i], {"doc_id": c.doc_id, "channels": [channel_of[c.doc_id]], "workspace_wide": False}
            )
            for i, c in enumerate(chunks)
        ],
    )
    questions = [" ".join(vocab[rng.choice(len(vocab), 6, p=zipf)]) for _ in range(200)]
    return SyntheticCorpus(chunks, channel_of), store, questions


def bench(embedder: Embedder, sizes: tuple[int, ...] = (10_000, 100_000), queries: int = 200) -> dict[str, Any]:
    from core.search.retriever import MODES, Retriever

    out: dict[str, Any] = {
        "embedder": embedder.model_id,
        "queries_per_mode": queries,
        "k": 5,
        "scope": "one channel of four",
    }
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            corpus, store, questions = build(n, embedder, Path(tmp))
            build_s = time.perf_counter() - start
            retriever = Retriever(embedder, store, corpus, NAMESPACE)
            start = time.perf_counter()
            retriever.search(questions[0], channel="C1", k=5, mode="hybrid")  # builds BM25 + scope mask
            first_query_s = time.perf_counter() - start
            result: dict[str, Any] = {
                "build_store_s": round(build_s, 1),
                "first_query_with_index_build_s": round(first_query_s, 1),
            }
            for mode in MODES:
                latencies = []
                for q in (questions * (queries // len(questions) + 1))[:queries]:
                    t = time.perf_counter()
                    retriever.search(q, channel="C1", k=5, mode=mode)
                    latencies.append((time.perf_counter() - t) * 1000)
                result[mode] = {
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                }
            out[f"{n}_chunks"] = result
    return out
