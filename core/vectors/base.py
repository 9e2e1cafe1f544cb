"""Vector stores: the interface, the records they exchange, and their errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from core.errors import DocBotError

if TYPE_CHECKING:
    import numpy as np


@dataclass
class VectorRecord:
    id: str
    vector: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict[str, Any])


@dataclass
class VectorMatch:
    id: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict[str, Any])


class VectorStore(Protocol):
    def upsert(self, namespace: str, records: list[VectorRecord]) -> None: ...

    def query(
        self, namespace: str, vector: np.ndarray, top_k: int, filter: dict[str, Any] | None = None
    ) -> list[VectorMatch]: ...

    def delete(self, namespace: str, *, ids: list[str] | None = None, filter: dict[str, Any] | None = None) -> None: ...

    def count(self, namespace: str) -> int:
        """Vectors stored in the namespace."""
        ...

    def clear(self, namespace: str) -> None:
        """Delete every vector of the namespace, even when its index is damaged (before a rebuild)."""
        ...

    def check_model(self, namespace: str, model_id: str, dimension: int) -> None:
        """Raise IndexMismatch if the namespace holds vectors of another model; record them if empty."""
        ...


class IndexMismatch(DocBotError):
    """A vector index was built with a different embedding model or dimension."""

    what = "The search index was built with a different model"

    def __init__(self, namespace: str, built_model: str, built_dim: int, model_id: str, dimension: int) -> None:
        super().__init__(
            f"index {namespace!r} built with {built_model} (dim {built_dim}); configured embedder is "
            f"{model_id} (dim {dimension}): embed again with the configured embedder, documents with "
            "`python -m bot docs reindex`, SQL training with `python -m bot train` (or configure the "
            "embedder the index was built with)"
        )
        self.namespace = namespace
        self.built_model = built_model
        self.built_dim = built_dim


class VectorStoreError(DocBotError):
    """The vector store could not be read or written; the message says why."""

    what = "The search index could not be reached"
