"""Search interfaces: tokenizers, embedders, vector stores, and the records they exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class Tokenizer(Protocol):
    """Counts word pieces the way the embedder will see them (no special tokens)."""

    def count(self, text: str) -> int: ...

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character offsets (start, end) of each word piece, in order."""
        ...


class Embedder(Protocol):
    model_id: str
    dimension: int
    max_tokens: int  # content tokens one chunk may hold so the model reads all of it
    tokenizer: Tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) float32 rows, each L2-normalised."""
        ...


@dataclass
class VectorRecord:
    id: str
    vector: np.ndarray
    metadata: dict = field(default_factory=dict)


@dataclass
class VectorMatch:
    id: str
    score: float
    metadata: dict = field(default_factory=dict)


class VectorStore(Protocol):
    def upsert(self, namespace: str, records: list[VectorRecord]) -> None: ...

    def query(
        self, namespace: str, vector: np.ndarray, top_k: int, filter: dict | None = None
    ) -> list[VectorMatch]: ...

    def delete(self, namespace: str, *, ids: list[str] | None = None, filter: dict | None = None) -> None: ...

    def check_model(self, namespace: str, model_id: str, dimension: int) -> None:
        """Raise IndexMismatch if the namespace holds vectors of another model; record them if empty."""
        ...


class EmbeddingError(Exception):
    """The embedding model could not be loaded or run; the message says why."""


class IndexMismatch(Exception):
    """A vector index was built with a different embedding model or dimension."""

    def __init__(self, namespace: str, built_model: str, built_dim: int, model_id: str, dimension: int) -> None:
        super().__init__(
            f"index {namespace!r} built with {built_model} (dim {built_dim}); configured embedder is "
            f"{model_id} (dim {dimension}): re-index or switch back"
        )
        self.namespace = namespace
        self.built_model = built_model
        self.built_dim = built_dim


class VectorStoreError(Exception):
    """The vector store could not be read or written; the message says why."""
