"""Pending queries: atomic status changes (threads and processes), expiry, stale runs."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from core.sql.approvals import STALE_RUNNING_MESSAGE, ApprovalStore, PendingQuery


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.services)])
def kv(request):
    return request.getfixturevalue(f"{request.param}_kv")


def _create(store: ApprovalStore, **extra) -> PendingQuery:
    return store.create(
        sql="SELECT 1 LIMIT 1000",
        question="How many?",
        requester="U1",
        channel="C1",
        thread_ts="1.2",
        tables=["orders"],
        **extra,
    )


def test_create_and_get_round_trip(kv) -> None:
    store = ApprovalStore(kv)
    query = _create(store, proposed_sql="SELECT 1")
    again = store.get(query.id)
    assert again == query
    assert again.status == "pending" and again.tables == ["orders"] and again.proposed_sql == "SELECT 1"
    assert store.get("nope") is None
    assert store.get("../../etc") is None
    assert _create(store).id != query.id


def test_transitions_follow_the_expected_state(kv) -> None:
    store = ApprovalStore(kv)
    query = _create(store)
    assert not store.transition(query.id, "running", "done")
    assert store.transition(query.id, "pending", "running", approved_by="U2", run_token="t1")
    assert not store.transition(query.id, "pending", "running", approved_by="U3")
    assert not store.transition(query.id, "running", "done", where={"run_token": "other"})
    assert store.transition(query.id, "running", "done", where={"run_token": "t1"}, result_summary="1 row · 2 ms")
    final = store.get(query.id)
    assert (final.status, final.approved_by, final.result_summary) == ("done", "U2", "1 row · 2 ms")
    with pytest.raises(ValueError, match="Unknown status"):
        store.transition(query.id, "done", "exploded")
    with pytest.raises(ValueError, match="fields"):
        store.transition(query.id, "done", "done", nonsense=1)


def test_update_keeps_the_status(kv) -> None:
    store = ApprovalStore(kv)
    query = _create(store)
    assert store.update(query.id, message_ts="123.456")
    assert store.get(query.id).message_ts == "123.456"
    assert store.get(query.id).status == "pending"


def test_two_threads_approving_at_once_run_it_once(kv) -> None:
    store = ApprovalStore(kv)
    for _ in range(5):
        query = _create(store)
        barrier = threading.Barrier(8)
        winners: list[str] = []

        def click(user: str) -> None:
            barrier.wait()  # noqa: B023 — the threads are joined within this iteration
            if store.transition(query.id, "pending", "running", approved_by=user):  # noqa: B023
                winners.append(user)  # noqa: B023

        threads = [threading.Thread(target=click, args=(f"U{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1
        assert store.get(query.id).approved_by == winners[0]


def _approve_in_process(kind: str, location: str, prefix: str, query_id: str, user: str, start: float) -> bool:
    if kind == "local":
        from core.cache.local import LocalKeyValueStore

        kv = LocalKeyValueStore(Path(location))
    else:
        from core.cache.redis_store import RedisKeyValueStore

        kv = RedisKeyValueStore.from_url(location, prefix=prefix)
    store = ApprovalStore(kv)
    while time.time() < start:  # line the processes up so they really race
        time.sleep(0.001)
    return store.transition(query_id, "pending", "running", approved_by=user)


@pytest.mark.slow
@pytest.mark.services
def test_two_processes_approving_at_once_run_it_once(request, tmp_path: Path) -> None:
    for kind in ("local", "redis"):
        if kind == "local":
            from core.cache.local import LocalKeyValueStore

            location, prefix = str(tmp_path / "kv.sqlite"), ""
            kv = LocalKeyValueStore(Path(location))
        else:
            kv = request.getfixturevalue("redis_kv")
            location, prefix = request.getfixturevalue("redis_url"), kv._prefix
        store = ApprovalStore(kv)
        query = _create(store)
        start = time.time() + 1.0
        context = multiprocessing.get_context("spawn")
        with context.Pool(4) as pool:
            outcomes = pool.starmap(
                _approve_in_process, [(kind, location, prefix, query.id, f"U{i}", start) for i in range(4)]
            )
        assert outcomes.count(True) == 1, (kind, outcomes)
        assert store.get(query.id).status == "running"


def test_stale_running_expires_to_failed(kv) -> None:
    store = ApprovalStore(kv, stale_running_s=0.2)
    query = _create(store)
    assert store.transition(query.id, "pending", "running", run_token="dead")
    assert store.get(query.id).status == "running"
    time.sleep(0.3)
    stale = store.get(query.id)
    assert stale.status == "failed" and stale.error == STALE_RUNNING_MESSAGE
    # The dead run cannot come back and overwrite the outcome.
    assert not store.transition(query.id, "running", "done", where={"run_token": "dead"})
    # A longer threshold from the caller keeps a fresh run as running.
    fresh = _create(store)
    store.transition(fresh.id, "pending", "running", run_token="alive")
    time.sleep(0.3)
    assert store.get(fresh.id, stale_running_s=60).status == "running"


def test_pending_queries_expire(kv) -> None:
    store = ApprovalStore(kv, ttl_s=0.3)
    query = _create(store)
    assert store.get(query.id) is not None
    time.sleep(0.5)
    assert store.get(query.id) is None
    assert not store.transition(query.id, "pending", "running")
