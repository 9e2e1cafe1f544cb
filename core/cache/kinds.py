"""Caches by kind: each with its own lifetime, hit/miss counters, and a store that may fail.

A cache is an optimisation, never a dependency: when the store errors (Redis down or frozen),
a read is a miss and a write is skipped, each with a warning, and the caller computes the value
as if nothing were cached. Keys are built by the callers from everything the value depends on
(the channel scope, the corpus or training version, the model), so a change never serves a
stale value; the lifetime bounds what a key cannot see.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.cache.base import KeyValueStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheKind:
    name: str
    ttl_s: float


DOCUMENT_ANSWERS = CacheKind("document_answers", 3600.0)
GENERATED_SQL = CacheKind("generated_sql", 24 * 3600.0)
QUERY_RESULTS = CacheKind("query_results", 15 * 60.0)
EMBEDDINGS = CacheKind("embeddings", 7 * 24 * 3600.0)
KINDS = (DOCUMENT_ANSWERS, GENERATED_SQL, QUERY_RESULTS, EMBEDDINGS)


class CacheStats:
    """Hits, misses and store errors per cache kind, for /metrics and the stats commands."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        with self._lock:
            self._counts[(kind, outcome)] = self._counts.get((kind, outcome), 0) + n

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            counts = dict(self._counts)
        out: dict[str, dict[str, float]] = {}
        for kind in sorted({k for k, _ in counts}):
            hits, misses = counts.get((kind, "hit"), 0), counts.get((kind, "miss"), 0)
            out[kind] = {
                "hits": hits,
                "misses": misses,
                "errors": counts.get((kind, "error"), 0),
                "hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
            }
        return out


class KindCache:
    """A KeyValueStore view for one cache kind: its lifetime on every write, counted reads, failures
    turned into misses. Callers that took a KeyValueStore for caching take this unchanged."""

    def __init__(self, kv: KeyValueStore, kind: CacheKind, stats: CacheStats) -> None:
        self._kv = kv
        self.kind = kind
        self.stats = stats

    def get(self, key: str) -> str | None:
        try:
            value = self._kv.get(key)
        except Exception as exc:
            self.stats.count(self.kind.name, "error")
            self.stats.count(self.kind.name, "miss")
            log.warning("%s cache unavailable (%s): answering uncached", self.kind.name, exc)
            return None
        self.stats.count(self.kind.name, "hit" if value is not None else "miss")
        return value

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        try:
            self._kv.set(key, value, ttl_s=min(ttl_s, self.kind.ttl_s) if ttl_s else self.kind.ttl_s)
        except Exception as exc:
            self.stats.count(self.kind.name, "error")
            log.warning("%s cache unavailable (%s): not cached", self.kind.name, exc)

    def delete(self, key: str) -> None:
        try:
            self._kv.delete(key)
        except Exception as exc:
            self.stats.count(self.kind.name, "error")
            log.warning("%s cache unavailable (%s): entry not deleted", self.kind.name, exc)

    def add(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        return self._kv.add(key, value, ttl_s=ttl_s or self.kind.ttl_s)

    def compare_and_set(self, key: str, expected: str, value: str, ttl_s: float | None = None) -> bool:
        return self._kv.compare_and_set(key, expected, value, ttl_s=ttl_s or self.kind.ttl_s)

    def increment(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        return self._kv.increment(key, amount, ttl_s=ttl_s or self.kind.ttl_s)

    def keys(self, prefix: str) -> list[str]:
        return self._kv.keys(prefix)
