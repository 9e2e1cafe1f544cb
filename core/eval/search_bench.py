"""Search latency at scale on synthetic chunks: random unit vectors in the local vector store and
Zipf-distributed pseudo-words in the persisted keyword index. Only speed is meaningful here, not
relevance. The first query is measured in a fresh process (what a cold start pays): it loads the
persisted indexes instead of building anything."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.documents.models import Chunk
from core.embeddings.base import Embedder
from core.eval.retrieval import percentile
from core.vectors.base import VectorRecord

if TYPE_CHECKING:
    from core.search.keyword_index import IndexSnapshot

NAMESPACE = "docs-bench"
_WORDS_PER_CHUNK = 120
_CHANNELS = ("C1", "C2", "C3", "C4")


_CHUNKS_PER_DOC = 50


class SyntheticCorpus:
    """ChunkCorpus over a persisted keyword index; documents spread over four channels by number."""

    def __init__(self, root: Path, n_chunks: int) -> None:
        from core.cache.local import LocalKeyValueStore
        from core.search.keyword_index import KeywordIndex
        from core.storage.local import LocalObjectStore

        self.index = KeywordIndex(LocalObjectStore(root / "files"), LocalKeyValueStore(root / "kv.sqlite"), NAMESPACE)
        docs = (n_chunks + _CHUNKS_PER_DOC - 1) // _CHUNKS_PER_DOC
        self.channel_of = {_doc_id(d): _CHANNELS[d % len(_CHANNELS)] for d in range(docs)}

    def keyword_snapshot(self) -> IndexSnapshot:
        return self.index.snapshot()

    def visible_documents(self, channel: str | None) -> set[str]:
        return {d for d, c in self.channel_of.items() if channel is None or c == channel}

    def version(self) -> str:
        return "synthetic"


def _doc_id(number: int) -> str:
    return f"doc{number:05d}"


def _vocabulary(rng: np.random.Generator, size: int = 20000) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, size=size)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


def build(n_chunks: int, embedder: Embedder, root: Path, seed: int = 7) -> list[str]:
    """Write the synthetic corpus's vectors and keyword index under root; returns test questions."""
    from core.vectors.local import LocalVectorStore

    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng)
    ranks = np.arange(1, len(vocab) + 1)
    zipf = (1.0 / ranks) / (1.0 / ranks).sum()
    words = rng.choice(len(vocab), size=(n_chunks, _WORDS_PER_CHUNK), p=zipf)
    corpus = SyntheticCorpus(root, n_chunks)
    chunks = []
    for i in range(n_chunks):
        doc_id = _doc_id(i // _CHUNKS_PER_DOC)
        text = " ".join(vocab[words[i]])
        chunks.append(Chunk(doc_id, f"{doc_id}.txt", i % _CHUNKS_PER_DOC, text, [1], None, _WORDS_PER_CHUNK))
    corpus.index.add(chunks)
    vectors = rng.standard_normal((n_chunks, embedder.dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = LocalVectorStore(root / "vectors")
    store.check_model(NAMESPACE, embedder.model_id, embedder.dimension)
    store.upsert(
        NAMESPACE,
        [
            VectorRecord(
                c.id,
                vectors[i],
                {"doc_id": c.doc_id, "channels": [corpus.channel_of[c.doc_id]], "workspace_wide": False},
            )
            for i, c in enumerate(chunks)
        ],
    )
    return [" ".join(vocab[rng.choice(len(vocab), 6, p=zipf)]) for _ in range(200)]


def first_query(root: Path, n_chunks: int, question: str) -> dict[str, Any]:
    """Run in a fresh process: open the stored indexes and answer one query, timed."""
    from core.embeddings.minilm import LocalMiniLMEmbedder
    from core.search.retriever import Retriever
    from core.vectors.local import LocalVectorStore

    embedder = LocalMiniLMEmbedder()
    embedder.embed(["warm-up"])  # model load: the same at any corpus size
    start, cpu = time.perf_counter(), time.process_time()
    retriever = Retriever(embedder, LocalVectorStore(root / "vectors"), SyntheticCorpus(root, n_chunks), NAMESPACE)
    hits = retriever.search(question, channel="C1", k=5, mode="hybrid")
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "hits": len(hits)}


def _step(step: Callable[[], None] | None) -> None:
    if step is not None:
        step()


def _first_query_in_new_process(root: Path, n_chunks: int, question: str) -> dict[str, Any]:
    code = (
        "import json, sys; from pathlib import Path; from core.eval.search_bench import first_query; "
        "print(json.dumps(first_query(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(root), str(n_chunks), question],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_total_s"] = time.perf_counter() - started
    return result


def bench(
    embedder: Embedder,
    sizes: tuple[int, ...] = (10_000, 100_000),
    queries: int = 200,
    step: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """step() is called after each timed query and each build, for a progress display; there
    are len(sizes) * (2 + 3 * queries) steps."""
    import os

    from core.search.retriever import MODES, Retriever
    from core.vectors.local import LocalVectorStore

    out: dict[str, Any] = {
        "embedder": embedder.model_id,
        "queries_per_mode": queries,
        "k": 5,
        "scope": "one channel of four",
        "cpu_count": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            start = time.perf_counter()
            questions = build(n, embedder, root)
            build_s = time.perf_counter() - start
            _step(step)
            fresh = _first_query_in_new_process(root, n, questions[0])
            _step(step)
            retriever = Retriever(embedder, LocalVectorStore(root / "vectors"), SyntheticCorpus(root, n), NAMESPACE)
            retriever.search(questions[0], channel="C1", k=5, mode="hybrid")
            result: dict[str, Any] = {
                "build_store_s": round(build_s, 1),
                # Loading the persisted vector and keyword indexes plus the query, in a new process
                # whose embedding model is already loaded (that costs the same at any size).
                "first_query_fresh_process_s": round(fresh["seconds"], 2),
                "first_query_fresh_process_cpu_s": round(fresh["cpu_seconds"], 2),
                "fresh_process_total_s": round(fresh["process_total_s"], 2),
            }
            for mode in MODES:
                latencies = []
                for q in (questions * (queries // len(questions) + 1))[:queries]:
                    t = time.perf_counter()
                    retriever.search(q, channel="C1", k=5, mode=mode)
                    latencies.append((time.perf_counter() - t) * 1000)
                    _step(step)
                result[mode] = {
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                }
            out[f"{n}_chunks"] = result
    return out
