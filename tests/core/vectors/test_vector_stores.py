"""One behavioural contract, run against the local store and Pinecone (through a fake server)."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from core.vectors.base import IndexMismatch, VectorRecord
from core.vectors.local import LocalVectorStore
from core.vectors.pinecone import PineconeVectorStore, decode_metadata, encode_metadata
from tests.fakes.pinecone_server import FakePinecone

DIM = 8
NS = "docs-T1"


def unit(i: int, dim: int = DIM) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i % dim] = 1.0
    return v


def record(id_: str, axis: int, **metadata) -> VectorRecord:
    return VectorRecord(id_, unit(axis), metadata)


@pytest.fixture(params=["local", "pinecone"])
def store(request, tmp_path):
    if request.param == "local":
        yield LocalVectorStore(tmp_path / "vectors")
    else:
        with FakePinecone(dimension=DIM) as fake:
            yield PineconeVectorStore(api_key="test", host=fake.host)


def test_query_ranks_by_cosine_and_returns_metadata(store):
    store.upsert(NS, [record("a", 0, doc_id="d1", pages=[1, 2]), record("b", 1, doc_id="d2", heading=None)])
    query = unit(0) * 0.9 + unit(1) * 0.1
    hits = store.query(NS, query / np.linalg.norm(query), top_k=5)
    assert [h.id for h in hits] == ["a", "b"]
    assert hits[0].score > hits[1].score
    assert hits[0].metadata["pages"] == [1, 2]
    assert hits[0].metadata["doc_id"] == "d1"
    assert store.query(NS, unit(0), top_k=1)[0].id == "a"


def test_upsert_replaces_an_existing_id(store):
    store.upsert(NS, [record("a", 0, v=1)])
    store.upsert(NS, [record("a", 3, v=2)])
    hits = store.query(NS, unit(3), top_k=5)
    assert [(h.id, h.metadata["v"]) for h in hits] == [("a", 2)]
    assert hits[0].score == pytest.approx(1.0)


def test_scope_filters_with_lists_or_and_booleans(store):
    store.upsert(
        NS,
        [
            record("general", 0, channels=["C1"], workspace_wide=False),
            record("private", 0, channels=["G9"], workspace_wide=False),
            record("shared", 0, channels=["C2", "C1"], workspace_wide=False),
            record("everyone", 0, channels=[], workspace_wide=True),
        ],
    )
    scope = {"$or": [{"channels": {"$in": ["C1"]}}, {"workspace_wide": {"$eq": True}}]}
    assert {h.id for h in store.query(NS, unit(0), 10, scope)} == {"general", "shared", "everyone"}
    assert {h.id for h in store.query(NS, unit(0), 10, {"channels": {"$eq": "G9"}})} == {"private"}
    both = {"$and": [{"channels": {"$in": ["C1"]}}, {"channels": {"$in": ["C2"]}}]}
    assert {h.id for h in store.query(NS, unit(0), 10, both)} == {"shared"}
    assert store.query(NS, unit(0), 10, {"channels": {"$in": ["nowhere"]}}) == []


def test_namespaces_are_separate(store):
    store.upsert("docs-A", [record("a", 0)])
    store.upsert("docs-B", [record("b", 0)])
    assert [h.id for h in store.query("docs-A", unit(0), 5)] == ["a"]
    assert store.query("docs-empty", unit(0), 5) == []


def test_delete_by_ids_and_by_filter(store):
    store.upsert(NS, [record(f"d1:{i}", i, doc_id="d1") for i in range(3)] + [record("d2:0", 4, doc_id="d2")])
    store.delete(NS, ids=["d1:0"])
    assert {h.id for h in store.query(NS, unit(0), 10)} == {"d1:1", "d1:2", "d2:0"}
    store.delete(NS, filter={"doc_id": {"$eq": "d1"}})
    assert [h.id for h in store.query(NS, unit(0), 10)] == ["d2:0"]
    with pytest.raises(ValueError, match="needs ids or a filter"):
        store.delete(NS)


def test_check_model_records_an_empty_namespace_and_refuses_another_model(store):
    store.check_model(NS, "model-a", DIM)
    store.upsert(NS, [record("a", 0)])
    store.check_model(NS, "model-a", DIM)  # same model: fine
    with pytest.raises(IndexMismatch, match=r"built with model-a \(dim 8\); configured embedder is model-b"):
        store.check_model(NS, "model-b", DIM)
    # The bookkeeping never surfaces as a search result.
    assert [h.id for h in store.query(NS, unit(0), 10)] == ["a"]


def test_batched_upserts_to_pinecone():
    with FakePinecone(dimension=DIM) as fake:
        store = PineconeVectorStore(api_key="test", host=fake.host)
        store.upsert(NS, [record(f"r{i}", i, n=i) for i in range(250)])
        upserts = [body for method, path, body in fake.requests if path == "/vectors/upsert"]
        assert [len(b["vectors"]) for b in upserts] == [100, 100, 50]
        assert all(b["namespace"] == NS for b in upserts)
        assert len(fake.vectors(NS)) == 250
        assert fake.requests[0][0] == "POST"


def test_pinecone_dimension_mismatch_is_refused_before_writing():
    with FakePinecone(dimension=1536) as fake:
        store = PineconeVectorStore(api_key="test", host=fake.host)
        with pytest.raises(
            IndexMismatch, match=r"dim 1536\); configured embedder is all-MiniLM-L6-v2-onnx-int8 \(dim 384\)"
        ):
            store.check_model(NS, "all-MiniLM-L6-v2-onnx-int8", 384)


def test_pinecone_metadata_round_trip_keeps_types():
    meta = {"pages": [3, 4], "heading": None, "channels": ["C1"], "workspace_wide": False, "index": 7, "text": "x"}
    decoded = decode_metadata(encode_metadata(meta))
    assert decoded == {"pages": [3, 4], "channels": ["C1"], "workspace_wide": False, "index": 7, "text": "x"}


def test_local_store_refuses_vectors_of_another_dimension(tmp_path):
    store = LocalVectorStore(tmp_path)
    store.check_model(NS, "all-MiniLM-L6-v2-onnx-int8", 384)
    with pytest.raises(IndexMismatch, match="dim 384"):
        store.upsert(NS, [VectorRecord("a", np.ones(1536), {})])
    with pytest.raises(ValueError, match="invalid namespace"):
        store.upsert("../escape", [record("a", 0)])


def test_local_store_survives_reopening(tmp_path):
    LocalVectorStore(tmp_path).upsert(NS, [record("a", 0, text="kept")])
    hits = LocalVectorStore(tmp_path).query(NS, unit(0), 1)
    assert hits[0].metadata == {"text": "kept"}
    # Only the committed files remain: no temporaries, one matrix.
    files = sorted(p.name for p in (tmp_path / NS).iterdir())
    assert [f for f in files if f.endswith(".npy")] and not [f for f in files if f.endswith(".tmp")]
    assert len([f for f in files if f.endswith(".npy")]) == 1


def _write_many(root: str, worker: int, count: int) -> None:
    store = LocalVectorStore(root)
    for i in range(count):
        store.upsert(NS, [VectorRecord(f"w{worker}-{i}", unit(i), {"worker": worker})])


@pytest.mark.slow
def test_two_processes_writing_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_many, args=(str(tmp_path), w, 25)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(60)
        assert p.exitcode == 0
    store = LocalVectorStore(tmp_path)
    assert store.count(NS) == 50
    assert len(store.query(NS, unit(0), 100)) == 50
