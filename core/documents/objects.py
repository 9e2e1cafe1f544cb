"""The stored files of one document and the commit marker that makes a set complete.

Layout per document: `{ext}/{doc_id}/document.{ext}`, `chunks.json`, `embeddings.npy`,
`metadata.json`. metadata.json is written last and acts as the commit marker: a set counts as
complete only when all four objects exist (see `DocumentObjects.complete`).
"""

from __future__ import annotations

from core.storage.base import ObjectStore


class DocumentObjects:
    """Names of one document's objects, and the write order that makes a crash harmless."""

    NAMES = ("document", "chunks.json", "embeddings.npy", "metadata.json")

    def __init__(self, store: ObjectStore, ext: str, doc_id: str) -> None:
        self.store = store
        self.ext = ext
        self.prefix = f"{ext}/{doc_id}/"

    @property
    def original(self) -> str:
        return f"{self.prefix}document.{self.ext}"

    @property
    def chunks(self) -> str:
        return f"{self.prefix}chunks.json"

    @property
    def embeddings(self) -> str:
        return f"{self.prefix}embeddings.npy"

    @property
    def metadata(self) -> str:
        return f"{self.prefix}metadata.json"

    def complete(self) -> bool:
        # metadata.json first: it is written last, so without it nothing else is trusted.
        return all(self.store.exists(k) for k in (self.metadata, self.original, self.chunks, self.embeddings))

    def write_parsed(self, original: bytes, chunks: bytes) -> None:
        """The first half, written as soon as the file is parsed (the document is searchable by
        keywords from here); the set stays incomplete until write_vectors."""
        # Clear a stale commit marker first so a half-rewritten set never looks complete.
        if self.store.exists(self.metadata):
            self.store.delete_prefix(self.metadata)
        self.store.put(self.original, original)
        self.store.put(self.chunks, chunks)

    def write_vectors(self, embeddings: bytes, metadata: bytes) -> None:
        self.store.put(self.embeddings, embeddings)
        self.store.put(self.metadata, metadata)

    def delete(self) -> None:
        if self.store.exists(self.metadata):
            self.store.delete_prefix(self.metadata)  # uncommit first, then the rest
        self.store.delete_prefix(self.prefix)
