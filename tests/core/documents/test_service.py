"""DocumentService end to end with real parts: MiniLM, the local vector store, SQLite/Redis
catalogs, local/S3 object stores."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from core.documents.chunking import ChunkingConfig
from core.documents.limits import IngestLimits
from core.documents.objects import DocumentObjects
from core.documents.parsers import DocumentParser
from core.documents.service import VERSION_KEY, DocumentService
from core.embeddings.minilm import MODEL_ID
from core.storage.local import LocalObjectStore
from core.storage.s3 import S3ObjectStore
from core.vectors.base import VectorRecord
from core.vectors.local import LocalVectorStore
from tests import fixtures_docs as fx

NS = "docs-T1"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id, self.dimension = inner.model_id, inner.dimension
        self.max_tokens, self.tokenizer = inner.max_tokens, inner.tokenizer
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


class CountingParser(DocumentParser):
    parses = 0

    def parse(self, data, file_name, deadline=None):
        self.parses += 1
        return super().parse(data, file_name, deadline)


class FailingStore:
    """Object store whose put fails for keys ending with `fail_on` (a disk or network failure)."""

    def __init__(self, inner, fail_on: str) -> None:
        self.inner, self.fail_on = inner, fail_on

    def put(self, key, data):
        if key.endswith(self.fail_on):
            raise OSError(f"disk full writing {key}")
        self.inner.put(key, data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def make_service(embedder, vectors, objects, kv, parser=None) -> DocumentService:
    return DocumentService(
        parser=parser or CountingParser(),
        embedder=embedder,
        vectors=vectors,
        objects=objects,
        catalog_kv=kv,
        namespace=NS,
        limits=IngestLimits(),
        chunking=ChunkingConfig(),
    )


@pytest.fixture
def embedder(minilm):
    return CountingEmbedder(minilm)


@pytest.fixture
def vectors(tmp_path):
    return LocalVectorStore(tmp_path / "vectors")


@pytest.fixture
def objects(tmp_path):
    return LocalObjectStore(tmp_path / "files")


@pytest.fixture
def service(embedder, vectors, objects, local_kv):
    return make_service(embedder, vectors, objects, local_kv)


def doc_vectors(vectors, doc_id, flt=None):
    query = np.ones(384, dtype=np.float32) / np.sqrt(384)
    flt = {"$and": [{"doc_id": {"$eq": doc_id}}, flt]} if flt else {"doc_id": {"$eq": doc_id}}
    return vectors.query(NS, query, top_k=1000, filter=flt)


def test_ingest_indexes_a_pdf_with_pages_chunks_objects_and_vectors(service, vectors, objects):
    before = service.version()
    result = service.ingest(fx.pdf_with_table(), "2023 Q3 ORCH.pdf", channel="C1", team_id="T1")
    assert result.status == "indexed", result.reason
    assert result.pages == 3 and result.chunks >= 1
    assert (
        result.message == f"Indexed 2023 Q3 ORCH.pdf — 3 pages, {result.chunks} chunk{'s' if result.chunks > 1 else ''}"
    )

    record = service.get(result.doc_id)
    assert record.doc_id == result.doc_id and len(record.doc_id) == 64
    assert (record.file_name, record.ext, record.channels, record.team_id) == ("2023 Q3 ORCH.pdf", "pdf", ["C1"], "T1")
    assert record.embedding_model == MODEL_ID
    assert DocumentObjects(objects, "pdf", record.doc_id).complete()
    assert service.version() != before

    matches = doc_vectors(vectors, record.doc_id)
    assert len(matches) == record.chunks
    meta = matches[0].metadata
    assert meta["channels"] == ["C1"] and meta["workspace_wide"] is False and meta["team_id"] == "T1"
    assert meta["file_name"] == "2023 Q3 ORCH.pdf" and isinstance(meta["pages"], list)

    chunks = service.chunks_in_scope("C1")
    assert any("Total net sales 81,797 82,959" in c.text and 2 in c.pages for c in chunks)
    assert sorted({p for c in chunks for p in c.pages}) == [1, 2, 3]
    assert all(c.text.startswith("2023 Q3 ORCH") for c in chunks)
    assert {m.id for m in matches} == {c.id for c in chunks}
    assert "text" not in meta, "texts live in the keyword index, not copied into every vector's metadata"


def test_same_bytes_again_is_not_parsed_or_embedded_only_linked(service, embedder, vectors):
    first = service.ingest(fx.pdf_with_table(), "report.pdf", channel="C1")
    embedded, parses = embedder.texts, service.parser.parses

    again = service.ingest(fx.pdf_with_table(), "copy of report.pdf", channel="C1")
    assert again.status == "already_indexed" and again.doc_id == first.doc_id
    # Named twice: this name was never shared, its content was (under the other one).
    assert again.message == "copy of report.pdf has the same content as report.pdf, which is already indexed"
    assert again.indexed_as == "report.pdf"
    assert service.ingest(fx.pdf_with_table(), "report.pdf", channel="C1").message == "report.pdf is already indexed"
    version = service.version()

    linked = service.ingest(fx.pdf_with_table(), "renamed.pdf", channel="C2")
    assert linked.status == "linked" and linked.chunks == first.chunks
    assert linked.message.startswith("renamed.pdf has the same content as report.pdf (already indexed — ")
    assert linked.message.endswith("): linked it to this channel")
    assert (embedder.texts, service.parser.parses) == (embedded, parses)
    assert service.get(first.doc_id).channels == ["C1", "C2"]
    assert service.version() != version
    # The vector metadata follows, so a channel filter finds the document in C2 now.
    assert len(doc_vectors(vectors, first.doc_id, {"channels": {"$in": ["C2"]}})) == first.chunks


def test_scope_channel_only_unless_workspace_wide(service):
    private = service.ingest(fx.pdf_with_table(), "private.pdf", channel="C-private")
    public = service.ingest(fx.MARKDOWN, "policy.md", channel="C-hr", workspace_wide=True)
    assert {c.doc_id for c in service.chunks_in_scope("C-other")} == {public.doc_id}
    assert {c.doc_id for c in service.chunks_in_scope("C-private")} == {private.doc_id, public.doc_id}
    assert {c.doc_id for c in service.chunks_in_scope(None)} == {private.doc_id, public.doc_id}
    assert [r.file_name for r in service.list("C-other")] == ["policy.md"]
    # Marking an existing document workspace-wide is a link, not a re-index.
    assert service.ingest(fx.pdf_with_table(), "private.pdf", workspace_wide=True).status == "linked"
    assert private.doc_id in {c.doc_id for c in service.chunks_in_scope("C-other")}


def test_delete_removes_vectors_objects_catalog_and_cached_answers(service, vectors, objects, local_kv):
    result = service.ingest(fx.docx_bytes(), "travel.docx", channel="C1")
    keep = service.ingest(fx.TEXT, "notes.txt", channel="C1")
    local_kv.set("answer:abc", json.dumps({"text": "cached"}))
    version = service.version()

    assert service.delete(result.doc_id) is True
    assert service.get(result.doc_id) is None
    assert doc_vectors(vectors, result.doc_id) == []
    assert objects.list(f"docx/{result.doc_id}/") == []
    assert local_kv.keys("answer:") == []
    assert service.version() != version
    assert [c.doc_id for c in service.chunks_in_scope("C1")] == [keep.doc_id]
    assert len(doc_vectors(vectors, keep.doc_id)) == keep.chunks
    assert service.delete(result.doc_id) is False
    # Deleted means gone: sharing it again indexes it from scratch.
    assert service.ingest(fx.docx_bytes(), "travel.docx", channel="C1").status == "indexed"


def test_reindex_restores_a_catalogue_the_cache_lost_from_the_object_store(service, local_kv):
    kept = service.ingest(fx.TEXT, "notes.txt", channel="C1")
    for key in local_kv.keys("doc:"):  # a Redis restart without persistence: the catalogue is gone
        local_kv.delete(key)
    assert service.list() == [] and service.chunks_in_scope("C1") == []

    report = service.reindex()

    assert report["catalog_restored"] == 1 and report["reindexed"] == 1 and report["failed"] == []
    (record,) = service.list()
    assert (record.doc_id, record.file_name, record.channels) == (kept.doc_id, "notes.txt", ["C1"])
    assert [c.doc_id for c in service.chunks_in_scope("C1")] == [kept.doc_id] * kept.chunks
    assert service.reindex()["catalog_restored"] == 0  # nothing lost the second time


def test_a_batch_continues_past_bad_files(service):
    files = [
        ("scan.pdf", fx.image_only_pdf()),
        ("handbook.html", fx.HTML),
        ("secret.pdf", fx.encrypted_pdf()),
        ("bomb.docx", fx.docx_zip_bomb()),
        ("sales.csv", fx.CSV),
        ("empty.txt", b""),
        ("org.json", fx.JSON),
    ]
    results = [service.ingest(data, name, channel="C1") for name, data in files]
    assert [r.status for r in results] == ["failed", "indexed", "failed", "failed", "indexed", "failed", "indexed"]
    assert results[0].message == (
        "Could not index scan.pdf: no extractable text — it looks like a scanned image; OCR is not available"
    )
    assert results[2].message.startswith("Could not index secret.pdf: the PDF is encrypted")
    assert results[5].message == "Could not index empty.txt: the file is empty"
    assert sorted(r.file_name for r in service.list()) == ["handbook.html", "org.json", "sales.csv"]


def test_a_failed_write_leaves_nothing_half_stored_and_a_retry_works(embedder, vectors, objects, local_kv):
    broken = make_service(embedder, vectors, FailingStore(objects, "embeddings.npy"), local_kv)
    result = broken.ingest(fx.pdf_with_table(), "report.pdf", channel="C1")
    assert result.status == "failed" and "disk full" in result.reason
    doc_id = __import__("hashlib").sha256(fx.pdf_with_table()).hexdigest()
    assert broken.get(doc_id) is None and broken.list() == []
    assert not DocumentObjects(objects, "pdf", doc_id).complete()
    assert doc_vectors(vectors, doc_id) == []

    healthy = make_service(embedder, vectors, objects, local_kv)
    assert healthy.ingest(fx.pdf_with_table(), "report.pdf", channel="C1").status == "indexed"
    assert DocumentObjects(objects, "pdf", doc_id).complete()


def test_a_complete_object_set_is_reused_without_parsing_or_embedding(embedder, vectors, objects, tmp_path):
    from core.cache.local import LocalKeyValueStore

    first = make_service(embedder, vectors, objects, LocalKeyValueStore(tmp_path / "a.sqlite"))
    original = first.ingest(fx.pdf_with_table(), "report.pdf", channel="C1")
    embedded = embedder.texts
    # A new catalog over the same objects (another workspace, or a lost catalog).
    second = make_service(
        embedder, LocalVectorStore(tmp_path / "v2"), objects, LocalKeyValueStore(tmp_path / "b.sqlite")
    )
    result = second.ingest(fx.pdf_with_table(), "report (1).pdf", channel="C9")
    assert result.status == "indexed" and result.chunks == original.chunks
    assert (embedder.texts, second.parser.parses) == (embedded, 0)
    assert second.get(result.doc_id).channels == ["C9"]
    assert [c.text for c in second.chunks_in_scope("C9")] == [c.text for c in first.chunks_in_scope("C1")]


def test_an_index_built_with_another_model_is_refused(service, vectors):
    vectors.check_model(NS, "some-other-model", 8)
    vectors.upsert(NS, [VectorRecord("x:0", np.ones(8, dtype=np.float32), {})])
    result = service.ingest(fx.TEXT, "notes.txt")
    assert result.status == "failed"
    assert "some-other-model" in result.reason and MODEL_ID in result.reason


class RenamedEmbedder(CountingEmbedder):
    """The same vectors under another model id: an index built before the embedder changed."""

    def __init__(self, inner, model_id: str) -> None:
        super().__init__(inner)
        self.model_id = model_id


def test_after_an_embedder_change_the_old_index_is_refused_until_reindex_embeds_it_again(
    embedder, vectors, objects, local_kv
):
    old = make_service(RenamedEmbedder(embedder.inner, "old-model"), vectors, objects, local_kv)
    kept = old.ingest(fx.TEXT, "notes.txt", channel="C1")
    assert kept.status == "indexed"
    service = make_service(embedder, vectors, objects, local_kv)

    refused = service.ingest(fx.HTML, "handbook.html", channel="C1")
    assert refused.status == "failed"
    assert "built with old-model" in refused.reason and "`python -m bot docs reindex`" in refused.reason
    assert [p for p in service.check() if "built with old-model" in p]

    report = service.reindex()

    assert report["reindexed"] == 1 and report["failed"] == []
    assert embedder.texts == kept.chunks  # every chunk embedded again, by the configured model
    assert service.get(kept.doc_id).embedding_model == MODEL_ID
    assert service.check() == []
    assert service.ingest(fx.HTML, "handbook.html", channel="C1").status == "indexed"


def test_too_big_files_are_refused_before_parsing(embedder, vectors, objects, local_kv):
    svc = DocumentService(
        parser=CountingParser(IngestLimits(max_bytes=100)),
        embedder=embedder,
        vectors=vectors,
        objects=objects,
        catalog_kv=local_kv,
        namespace=NS,
        limits=IngestLimits(max_bytes=100),
        chunking=ChunkingConfig(),
    )
    result = svc.ingest(fx.TEXT * 3, "notes.txt")
    assert result.status == "failed" and "over the limit of 100 bytes" in result.reason
    assert svc.parser.parses == 0


def test_redis_catalog_and_s3_objects(embedder, vectors, redis_kv, s3_endpoint):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"docs-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    objects = S3ObjectStore(bucket, "bot", client)
    svc = make_service(embedder, vectors, objects, redis_kv)

    result = svc.ingest(fx.MARKDOWN, "refunds.md", channel="C1")
    assert result.status == "indexed"
    assert sorted(objects.list(f"md/{result.doc_id}/")) == [
        f"md/{result.doc_id}/{name}" for name in ("chunks.json", "document.md", "embeddings.npy", "metadata.json")
    ]
    assert redis_kv.get(VERSION_KEY) == svc.version()
    assert svc.ingest(fx.MARKDOWN, "refunds.md", channel="C2").status == "linked"
    # A second service (another process) sees the same catalog and chunks.
    other = make_service(embedder, vectors, objects, redis_kv)
    assert next(c.heading for c in other.chunks_in_scope("C2")).startswith("Refund Policy")
    assert other.delete(result.doc_id)
    assert objects.list("md/") == [] and svc.list() == []


def test_a_catalogued_document_whose_files_vanished_is_rebuilt_keeping_its_links(
    service, embedder, vectors, objects, local_kv
):
    first = service.ingest(fx.CSV, "sales.csv", channel="C1")
    objects.delete_prefix(f"csv/{first.doc_id}/")
    service = make_service(embedder, vectors, objects, local_kv)  # a fresh process: no cached chunks
    again = service.ingest(fx.CSV, "sales.csv", channel="C2")
    assert again.status == "indexed"
    assert service.get(first.doc_id).channels == ["C1", "C2"]
    assert DocumentObjects(objects, "csv", first.doc_id).complete()
    assert len(service.chunks_in_scope("C1")) == first.chunks


class BrokenEmbedder:
    """The embedding service is down (an API outage): every call fails."""

    def __init__(self, inner) -> None:
        self.model_id, self.dimension, self.max_tokens, self.tokenizer = (
            inner.model_id,
            inner.dimension,
            inner.max_tokens,
            inner.tokenizer,
        )

    def embed(self, texts):
        from core.embeddings.base import EmbeddingError

        raise EmbeddingError("the embedding service is unreachable")


def test_searchable_before_its_vectors_and_a_failed_background_completion_keeps_it(
    embedder, vectors, objects, local_kv
):
    broken = make_service(BrokenEmbedder(embedder), vectors, objects, local_kv)
    first = broken.ingest(fx.TEXT, "notes.txt", channel="C1", defer_vectors=True)
    assert first.status == "indexed" and first.pending_chunks == first.chunks and "searchable now" in first.message
    assert broken.get(first.doc_id).vectors_pending
    assert broken.chunks_in_scope("C1"), "searchable by keywords before any vector exists"
    done = broken.complete_vectors(first.doc_id)
    assert done.status == "failed" and "unreachable" in done.reason and "reindex" in done.reason
    assert broken.get(first.doc_id) is not None and broken.chunks_in_scope("C1")

    healthy = make_service(embedder, vectors, objects, local_kv)
    summary = healthy.reindex()
    assert summary["reindexed"] == 1 and not healthy.get(first.doc_id).vectors_pending
    assert len(doc_vectors(vectors, first.doc_id)) == first.chunks
