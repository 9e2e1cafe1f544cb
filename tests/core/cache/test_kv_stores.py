"""Both key-value stores obey one contract: atomic add and compare-and-set, expiry, prefixes."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from core.cache.local import LocalKeyValueStore


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.services)])
def kv(request):
    return request.getfixturevalue(f"{request.param}_kv")


def test_set_get_delete(kv):
    assert kv.get("a") is None
    kv.set("a", "1")
    assert kv.get("a") == "1"
    kv.set("a", "ü 2")
    assert kv.get("a") == "ü 2"
    kv.delete("a")
    assert kv.get("a") is None


def test_expiry(kv):
    kv.set("short", "x", ttl_s=0.2)
    kv.set("long", "y", ttl_s=60)
    assert kv.get("short") == "x"
    time.sleep(0.35)
    assert kv.get("short") is None
    assert kv.get("long") == "y"
    # An expired key can be added again.
    assert kv.add("short", "z")


def test_add_only_once(kv):
    assert kv.add("once", "first", ttl_s=60)
    assert not kv.add("once", "second", ttl_s=60)
    assert kv.get("once") == "first"


def test_compare_and_set(kv):
    kv.set("status", "pending")
    assert not kv.compare_and_set("status", "running", "done")
    assert kv.compare_and_set("status", "pending", "running")
    assert kv.get("status") == "running"
    assert not kv.compare_and_set("missing", "x", "y")
    assert kv.get("missing") is None


def test_keys_by_prefix_are_literal(kv):
    kv.set("doc:1", "a")
    kv.set("doc:2", "b")
    kv.set("docx", "c")
    kv.set("doc_%:3", "d")
    assert kv.keys("doc:") == ["doc:1", "doc:2"]
    assert kv.keys("doc_%") == ["doc_%:3"]


def test_add_is_atomic_across_threads(kv):
    winners = []

    def race(i: int) -> None:
        if kv.add("race", str(i), ttl_s=60):
            winners.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_increment_counts_from_zero_and_returns_the_new_value(kv):
    assert kv.increment("n") == 1
    assert kv.increment("n", 5) == 6
    assert kv.increment("n", -2) == 4
    assert kv.get("n") == "4"


def test_increment_sets_the_expiry_only_when_it_creates_the_key(kv):
    assert kv.increment("window", ttl_s=0.4) == 1
    time.sleep(0.25)
    assert kv.increment("window", ttl_s=0.4) == 2  # does not push the window's end further out
    time.sleep(0.25)
    assert kv.get("window") is None
    assert kv.increment("window", ttl_s=60) == 1  # an expired counter starts again from zero
    kv.set("forever", "7")
    assert kv.increment("forever", ttl_s=0.2) == 8  # a key without expiry gets one (Redis PTTL -1)
    time.sleep(0.3)
    assert kv.get("forever") is None


def test_increment_refuses_a_value_that_is_not_an_integer(kv):
    kv.set("text", "hello")
    with pytest.raises(ValueError, match="not an integer"):
        kv.increment("text")
    assert kv.get("text") == "hello"


def test_increment_is_atomic_across_threads(kv):
    def bump() -> None:
        for _ in range(10):
            kv.increment("shared", ttl_s=60)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert kv.get("shared") == "80"


def _claim(path: str, results) -> None:
    store = LocalKeyValueStore(__import__("pathlib").Path(path))
    results.put(store.compare_and_set("job", "pending", "running"))


@pytest.mark.slow
def test_local_compare_and_set_is_atomic_across_processes(tmp_path):
    path = tmp_path / "kv.sqlite"
    LocalKeyValueStore(path).set("job", "pending")
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(str(path), results)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert sorted(results.get(timeout=5) for _ in procs) == [False, False, False, True]


def test_an_unreachable_redis_fails_with_the_products_error_and_its_reason() -> None:
    from core.cache.base import KeyValueUnavailable
    from core.cache.redis_store import RedisKeyValueStore
    from tests.conftest import free_port

    down = RedisKeyValueStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.5)  # nothing listens
    for call in (lambda: down.get("k"), lambda: down.set("k", "v"), lambda: down.increment("n"), lambda: down.keys("")):
        with pytest.raises(KeyValueUnavailable, match=r"^Redis: .*(refused|connecting)"):
            call()
