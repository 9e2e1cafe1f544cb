"""Embedding cache: a text embedded once by a model is never sent to that model again."""

from __future__ import annotations

import base64
import hashlib

import numpy as np

from core.cache.base import KeyValueStore
from core.embeddings.base import Embedder

KEY_PREFIX = "emb:"


class CachedEmbedder:
    def __init__(self, inner: Embedder, kv: KeyValueStore, ttl_s: float | None = None) -> None:
        self._inner = inner
        self._kv = kv
        self._ttl_s = ttl_s
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.tokenizer = inner.tokenizer

    def _key(self, text: str) -> str:
        return f"{KEY_PREFIX}{self.model_id}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vector = self._decode(self._kv.get(self._key(text)))
            if vector is None:
                missing.setdefault(text, []).append(i)
            else:
                out[i] = vector
        if missing:
            fresh = self._inner.embed(list(missing))
            for (text, positions), vector in zip(missing.items(), fresh, strict=True):
                out[positions] = vector
                self._kv.set(
                    self._key(text), base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii"), self._ttl_s
                )
        return out

    def _decode(self, value: str | None) -> np.ndarray | None:
        if value is None:
            return None
        try:
            vector = np.frombuffer(base64.b64decode(value), dtype="<f4")
        except ValueError:
            return None  # a corrupt entry is recomputed, not trusted
        return vector if vector.shape == (self.dimension,) else None
