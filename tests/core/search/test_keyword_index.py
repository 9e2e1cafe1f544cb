"""The persisted keyword index against the in-memory BM25 and document matcher it replaces."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from core.documents.models import Chunk
from core.search.doc_match import DocumentMatcher
from core.search.keyword_index import KeywordIndex, KeywordIndexError
from core.search.text import terms
from core.storage.local import LocalObjectStore

WORDS = "revenue net sales iphone services margin cash dividends shares tax lease debt risk china supply".split()


def make_doc(doc_id: str, name: str, n: int, seed: int) -> list[Chunk]:
    rng = np.random.default_rng(seed)
    return [
        Chunk(
            doc_id,
            name,
            i,
            f"{name} — Note {i % 3}\n" + " ".join(rng.choice(WORDS, 30)) + f" {1000 + i:,}",
            [i + 1],
            f"Note {i % 3}" if i % 4 else None,
            40,
        )
        for i in range(n)
    ]


@pytest.fixture(params=["local", "redis+s3"])
def index(request, tmp_path) -> KeywordIndex:
    """Local files and SQLite; or what a Lambda deployment uses: S3 (moto) and Redis."""
    if request.param == "local":
        return KeywordIndex(LocalObjectStore(tmp_path / "files"), request.getfixturevalue("local_kv"), "docs-test")
    import boto3

    from core.storage.s3 import S3ObjectStore

    client = boto3.client("s3", endpoint_url=request.getfixturevalue("s3_endpoint"), region_name="us-east-1")
    bucket = f"kw-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    return KeywordIndex(S3ObjectStore(bucket, "bot", client), request.getfixturevalue("redis_kv"), "docs-test")


def bm25s_scores(texts: list[str]):
    """The reference: bm25s with the parameters the index uses."""
    import bm25s

    model = bm25s.BM25(k1=1.5, b=0.5)
    model.index([terms(t) for t in texts], show_progress=False)

    def scores(query: str) -> np.ndarray:
        known = [t for t in terms(query) if t in model.vocab_dict]
        return np.asarray(model.get_scores(known), dtype=np.float32) if known else np.zeros(len(texts), np.float32)

    return scores


def test_bm25_finds_a_figure_however_it_is_written(index: KeywordIndex) -> None:
    rows = ["Total net sales 81,797 82,959", "Gross margin 36,413", "Operating income 22,998"]
    index.add([Chunk("d", "f.txt", i, text, [], None, 5) for i, text in enumerate(rows)])
    snap = index.snapshot()
    scores = snap.bm25_scores("81797")
    assert scores.argmax() == 0 and scores[1] == scores[2] == 0
    assert not snap.bm25_scores("unrelated words").any()


def corpus() -> list[list[Chunk]]:
    return [make_doc(f"d{i}", f"2023 Q{i % 4 + 1} CO{i}.pdf", 5 + i, i) for i in range(11)]


def test_scores_equal_bm25s_and_the_matcher_after_merges(index: KeywordIndex) -> None:
    docs = corpus()
    for chunks in docs:
        index.add(chunks)
    index.remove(["d3"])
    live = [c for chunks in docs if chunks[0].doc_id != "d3" for c in chunks]
    snap = KeywordIndex(index.objects, index.kv, index.namespace).snapshot()  # a fresh process
    assert snap.documents == {c.doc_id for c in live}
    assert len(index._read()[1]) < len(docs), "segments of one size class are merged"
    expected = bm25s_scores([c.text for c in live])
    positions = [snap.get(c.id) for c in live]
    assert all(p is not None for p in positions)
    assert [snap.chunks[p] for p in positions] == live
    for query in ("net sales iphone", "cash dividends 1,004", "unknown words only", "tax"):
        got = snap.bm25_scores(query)
        np.testing.assert_allclose(got[positions], expected(query), rtol=1e-4, atol=1e-5)
        assert not got[~snap.live].any()
    reference = DocumentMatcher(live)
    for question in ("revenue of CO2 in Q3 2023", "latest dividends", "china supply risk"):
        assert snap.matcher().scores(question) == pytest.approx(reference.scores(question))
    assert snap.doc_mask({"d1", "d3"}).sum() == 6  # d3 is removed


def test_a_document_added_again_replaces_its_old_copy(index: KeywordIndex) -> None:
    first = make_doc("d1", "a.txt", 3, 1)
    index.add(first)
    index.add(make_doc("d1", "a.txt", 2, 2))
    snap = index.snapshot()
    assert len([p for p in range(len(snap)) if snap.live[p]]) == 2
    assert snap.get("d1:2") is None


def test_a_damaged_or_missing_segment_is_reported(index: KeywordIndex) -> None:
    index.add(make_doc("d1", "a.txt", 3, 1))
    entry = index._read()[1][0]
    key = index._key(entry.id)
    index.objects.put(key, b"garbage")
    fresh = KeywordIndex(index.objects, index.kv, index.namespace)
    with pytest.raises(KeywordIndexError, match=r"damaged.*reindex"):
        fresh.snapshot()
    assert "damaged" in index.verify()[0]
    index.objects.delete_prefix(key)
    assert "missing" in index.verify()[0]
    index.clear()
    assert len(index.snapshot()) == 0 and index.verify() == []


def test_a_flipped_byte_inside_a_segment_is_caught_by_its_checksum(index: KeywordIndex) -> None:
    index.add(make_doc("d1", "a.txt", 20, 1))
    key = index._key(index._read()[1][0].id)
    data = bytearray(index.objects.get(key))
    at = data.find(b"revenue")  # inside the stored chunk texts
    assert at > 0
    data[at] ^= 0x20
    index.objects.put(key, bytes(data))
    with pytest.raises(KeywordIndexError, match="damaged"):
        KeywordIndex(index.objects, index.kv, index.namespace).snapshot()


def test_a_merge_drops_removed_documents_for_good(index: KeywordIndex) -> None:
    docs = [make_doc(f"m{i}", f"m{i}.txt", 4, 20 + i) for i in range(5)]
    index.add(docs[0] + docs[1])  # one segment holding two documents
    index.add(docs[2])
    index.add(docs[3])
    index.remove(["m1"])  # still in the first segment's bytes, no longer live
    index.add(docs[4])  # the fourth segment of its size class: all four are merged
    (entry,) = index._read()[1]
    merged = KeywordIndex(index.objects, index.kv, index.namespace)._load(entry)
    assert merged.doc_ids == ["m0", "m2", "m3", "m4"]
    live = [c for chunks in docs if chunks[0].doc_id != "m1" for c in chunks]
    snap = KeywordIndex(index.objects, index.kv, index.namespace).snapshot()
    positions = [snap.get(c.id) for c in live]
    assert [snap.chunks[p] for p in positions] == live
    np.testing.assert_allclose(
        snap.bm25_scores("tax lease debt")[positions],
        bm25s_scores([c.text for c in live])("tax lease debt"),
        rtol=1e-4,
        atol=1e-5,
    )


def test_chunks_keep_their_source_marks_through_a_saved_segment() -> None:
    from core.documents.models import SourceMark
    from core.search.keyword_segment import KeywordSegment

    chunk = Chunk(
        "d1",
        "policy.pdf",
        0,
        "policy\nHotels 150 EUR.\nMeals 45 EUR.",
        [1, 2],
        "Hotels",
        12,
        [SourceMark(7, 1, "Hotels"), SourceMark(23, 2, "Meals")],
    )
    plain = Chunk("d2", "notes.txt", 0, "notes\nNo pages here.", [], None, 5)
    loaded = KeywordSegment.from_bytes(KeywordSegment.build([chunk, plain]).to_bytes())
    assert [loaded.chunk(0), loaded.chunk(1)] == [chunk, plain]
