"""Caches by kind: lifetimes, counters, and answering uncached when the store is down."""

from __future__ import annotations

import logging

import pytest

from core.cache.kinds import DOCUMENT_ANSWERS, EMBEDDINGS, CacheStats, KindCache
from core.cache.redis_store import RedisKeyValueStore


def test_each_kind_caps_the_lifetime_and_counts_hits_and_misses(local_kv) -> None:
    stats = CacheStats()
    answers = KindCache(local_kv, DOCUMENT_ANSWERS, stats)
    assert answers.get("k") is None
    answers.set("k", "v", ttl_s=86400)  # a caller's day is capped at the kind's hour
    assert answers.get("k") == "v"
    assert stats.snapshot()["document_answers"] == {"hits": 1, "misses": 1, "errors": 0, "hit_rate": 0.5}
    row = local_kv._conn().execute("SELECT expires - strftime('%s','now') FROM kv WHERE key = 'k'").fetchone()
    assert 3500 < row[0] <= 3601


def test_a_dead_store_is_a_miss_with_a_warning_never_an_error(caplog: pytest.LogCaptureFixture) -> None:
    stats = CacheStats()
    dead = KindCache(RedisKeyValueStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.2), EMBEDDINGS, stats)
    with caplog.at_level(logging.WARNING):
        assert dead.get("k") is None
        dead.set("k", "v")
    assert stats.snapshot()["embeddings"]["errors"] == 2
    assert "answering uncached" in caplog.text


def test_answers_are_computed_uncached_while_redis_is_down(tmp_path, private_redis: str) -> None:
    """Before issue 11 a Redis outage made the embedder's cache read raise: no answer at all."""
    import subprocess

    import numpy as np

    from core.embeddings.cached import CachedEmbedder

    class Counting:
        model_id, dimension, max_tokens, tokenizer = "m", 3, 10, None
        calls = 0

        def embed(self, texts: list[str]) -> np.ndarray:
            Counting.calls += 1
            return np.ones((len(texts), 3), dtype=np.float32)

    stats = CacheStats()
    store = RedisKeyValueStore.from_url(private_redis, prefix="t:", timeout_s=0.2)
    embedder = CachedEmbedder(Counting(), KindCache(store, EMBEDDINGS, stats))
    embedder.embed(["a"])
    embedder.embed(["a"])
    assert Counting.calls == 1, "the second was a hit"
    port = private_redis.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], check=False, capture_output=True)
    assert embedder.embed(["a"]).shape == (1, 3), "answered from the model, uncached"
    assert Counting.calls == 2 and stats.snapshot()["embeddings"]["errors"] >= 1
