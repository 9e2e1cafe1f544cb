"""Embeddings: the tokenizer and embedder interfaces every model implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.errors import DocBotError

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

    @property
    def tokenizer(self) -> Tokenizer:
        """Read-only, so each embedder may keep its own tokenizer class."""
        ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) float32 rows, each L2-normalised."""
        ...


class EmbeddingError(DocBotError):
    """The embedding model could not be loaded or run; the message says why."""

    what = "The embedding model could not run"
