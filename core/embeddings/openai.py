"""OpenAI embeddings (text-embedding-3-*) behind the Embedder protocol."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from core.embeddings.base import EmbeddingError
from core.embeddings.normalise import l2_normalise
from core.llm.openai_errors import describe_openai_error

if TYPE_CHECKING:
    import openai

MODEL_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
# The API accepts 8,191 tokens; the approximate tokenizer below may undercount a little.
MAX_TOKENS = 8000
REQUEST_BATCH = 256

# tiktoken needs to download its tables, so pieces are approximated: runs of letters split every
# 4 characters, digits every 3, and each punctuation mark alone — close to cl100k on prose and
# numbers, and never fewer pieces than words.
_PIECE = re.compile(r"[^\W\d_]{1,4}|\d{1,3}|[^\w\s]|_")


class ApproximateTokenizer:
    def count(self, text: str) -> int:
        return sum(1 for _ in _PIECE.finditer(text))

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _PIECE.finditer(text)]


class OpenAIEmbedder:
    max_tokens = MAX_TOKENS

    def __init__(self, client: openai.OpenAI, model: str = "text-embedding-3-small") -> None:
        if model not in MODEL_DIMENSIONS:
            raise ValueError(f"unknown OpenAI embedding model {model!r}; known: {', '.join(MODEL_DIMENSIONS)}")
        self._client = client
        self.model_id = model
        self.dimension = MODEL_DIMENSIONS[model]
        self.tokenizer = ApproximateTokenizer()

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows: list[list[float]] = []
        for start in range(0, len(texts), REQUEST_BATCH):
            # The API rejects empty strings; a single space embeds as "nothing".
            batch = [t if t.strip() else " " for t in texts[start : start + REQUEST_BATCH]]
            try:
                response = self._client.embeddings.create(model=self.model_id, input=batch, encoding_format="float")
            except openai.OpenAIError as exc:
                raise EmbeddingError(
                    f"OpenAI embeddings ({self.model_id}) failed: {describe_openai_error(exc)}"
                ) from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise EmbeddingError(f"OpenAI returned {len(data)} embeddings for {len(batch)} texts")
            rows.extend(d.embedding for d in data)
        matrix = np.asarray(rows, dtype=np.float32)
        if matrix.shape[1] != self.dimension:
            raise EmbeddingError(
                f"OpenAI model {self.model_id} returned dimension {matrix.shape[1]}, expected {self.dimension}"
            )
        return l2_normalise(matrix)
