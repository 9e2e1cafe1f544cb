"""A private, cached document workspace for evaluations and benchmarks.

Kept under a data folder so a rerun reuses parsed, chunked and embedded documents (the
DocumentService treats identical bytes as already indexed); nothing touches the bot's own
catalog or vector index. The workspace is keyed by the documents pipeline's source code too, so
a change to parsing or chunking re-ingests; embeddings live in a cache shared by all workspaces,
so only chunks whose text changed are embedded again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.documents.models import IngestResult
from core.documents.service import DocumentService, ProgressCallback, build_document_service
from core.embeddings.base import Embedder
from core.vectors.base import VectorStore

NAMESPACE = "docs-eval"


@dataclass
class Workspace:
    root: Path
    service: DocumentService
    embedder: Embedder  # caches vectors in the workspace: ingest reruns embed nothing
    raw_embedder: Embedder  # uncached: what search latency must be measured with
    vectors: VectorStore

    def ingest_all(
        self,
        documents: dict[str, bytes],
        *,
        progress: ProgressCallback | None = None,
        on_result: Callable[[str, IngestResult], None] | None = None,
    ) -> dict[str, Any]:
        """Ingest every document; returns counts by status and the failures' reasons.
        progress: the service's per-file reports; on_result(name, result) after each file."""
        counts: dict[str, int] = {}
        failures: dict[str, str] = {}
        for name, data in documents.items():
            result = self.service.ingest(data, name, workspace_wide=True, progress=progress)
            counts[result.status] = counts.get(result.status, 0) + 1
            if result.status == "failed":
                failures[name] = result.reason or "unknown"
            if on_result is not None:
                on_result(name, result)
        return {"counts": counts, "failures": failures}


def open_workspace(
    data_dir: Path, label: str, embedder: Embedder, chunking: dict[str, Any], **service_options: Any
) -> Workspace:
    from core.cache.local import LocalKeyValueStore
    from core.embeddings.cached import CachedEmbedder
    from core.storage.local import LocalObjectStore
    from core.vectors.local import LocalVectorStore

    material = [label, embedder.model_id, chunking, _pipeline_fingerprint()]
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:12]
    base = Path(data_dir) / "eval-workspaces"
    root = base / f"{_slug(label)}-{key}"
    root.mkdir(parents=True, exist_ok=True)
    kv = LocalKeyValueStore(root / "kv.sqlite")
    cached = CachedEmbedder(embedder, LocalKeyValueStore(base / "embedding-cache.sqlite"))
    vectors = LocalVectorStore(root / "vectors")
    service = build_document_service(
        embedder=cached,
        vectors=vectors,
        objects=LocalObjectStore(root / "files"),
        kv=kv,
        namespace=NAMESPACE,
        chunk_tokens=chunking["chunk_tokens"],
        chunk_overlap=chunking["chunk_overlap"],
        chunk_min_tokens=chunking["chunk_min_tokens"],
        **service_options,
    )
    return Workspace(root, service, cached, embedder, vectors)


def _pipeline_fingerprint() -> str:
    import core.documents

    digest = hashlib.sha256()
    for path in sorted(Path(core.documents.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")[:40] or "docs"
