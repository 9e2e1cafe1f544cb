"""The documents CLI (ingest, docs list, docs delete) and `bench ingest`, on real services."""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

from bot.commands import bench_docs, docs
from core.cache.local import LocalKeyValueStore
from core.documents.service import build_document_service
from core.search.retriever import Retriever
from core.storage.local import LocalObjectStore
from core.vectors.local import LocalVectorStore
from tests import fixtures_docs as fx


@pytest.fixture
def services(minilm, tmp_path):
    kv = LocalKeyValueStore(tmp_path / "kv.sqlite")
    documents = build_document_service(
        embedder=minilm,
        vectors=LocalVectorStore(tmp_path / "vectors"),
        objects=LocalObjectStore(tmp_path / "files"),
        kv=kv,
        namespace="docs-default",
    )
    return SimpleNamespace(documents=documents, kv=kv)


@pytest.fixture
def run(services, capsys):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    docs.register(sub, lambda: services)

    def _run(*argv: str) -> tuple[int, str, str]:
        args = parser.parse_args(list(argv))
        code = args.func(args, lambda: services)
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "incoming"
    (d / "sub").mkdir(parents=True)
    (d / "report.pdf").write_bytes(fx.pdf_with_table())
    (d / "sub" / "policy.md").write_bytes(fx.MARKDOWN)
    (d / "scan.pdf").write_bytes(fx.image_only_pdf())
    (d / ".hidden.txt").write_bytes(fx.TEXT)
    return d


@pytest.mark.slow
def test_ingest_a_folder_reports_each_file_and_fails_the_batch_at_the_end(run, folder):
    code, out, err = run("ingest", str(folder), "--channel", "C1")
    assert code == 1
    assert "Indexed report.pdf — 3 pages" in out and "Indexed policy.md — " in out
    assert "Could not index scan.pdf: no extractable text" in err
    assert ".hidden" not in out + err

    code, out, _ = run("ingest", str(folder / "report.pdf"), "--channel", "C2", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["results"][0]["status"] == "linked" and payload["failed"] == 0


def test_ingest_a_missing_path_is_a_clear_failure(run, tmp_path):
    code, _, err = run("ingest", str(tmp_path / "nope.pdf"))
    assert code == 1 and "Could not index nope.pdf: cannot read" in err


def test_list_and_delete(run, folder, services):
    run("ingest", str(folder / "report.pdf"), "--channel", "C1")
    run("ingest", str(folder / "sub" / "policy.md"), "--workspace-wide")

    code, out, _ = run("docs", "list", "--channel", "C7", "--json")
    assert code == 0
    assert [d["file_name"] for d in json.loads(out)["documents"]] == ["policy.md"]
    code, out, _ = run("docs", "list")
    assert "report.pdf  (3 pages" in out and "workspace-wide" in out

    doc_id = services.documents.list("C1")[0].doc_id
    code, out, _ = run("docs", "delete", doc_id[:12])
    assert code == 0 and out.startswith("Deleted report.pdf")
    assert [r.file_name for r in services.documents.list()] == ["policy.md"]
    code, _, err = run("docs", "delete", doc_id)
    assert code == 1 and "no document with id" in err


def test_bench_ingest_reports_speed_and_memory(minilm, folder):
    result = bench_docs.bench_ingest(sorted(folder.glob("*.pdf")), minilm)
    assert set(result) >= {"files", "pages", "chunks", "seconds", "pages_per_s", "chunks_per_s", "peak_rss_mb"}
    assert (result["files"], result["pages"]) == (2, 3)
    assert result["chunks"] >= 1 and result["peak_rss_mb"] > 0
    assert len(result["failed"]) == 1 and "scan.pdf" in result["failed"][0]


def test_ingest_without_a_channel_says_slack_will_not_see_it(run, folder):
    code, out, err = run("ingest", str(folder / "sub" / "policy.md"))
    assert code == 0 and "Indexed policy.md" in out
    assert "not linked to any channel" in err
    code, _, err = run("ingest", str(folder / "report.pdf"), "--workspace-wide")
    assert code == 0 and "not linked" not in err


def _vector_files(tmp_path):
    return sorted((tmp_path / "vectors" / "docs-default").glob("vectors-*.npy"))


@pytest.mark.parametrize("damage", ["deleted", "random bytes"])
def test_reindex_repairs_a_damaged_vector_index(run, folder, services, tmp_path, damage):
    run("ingest", str(folder / "report.pdf"), str(folder / "sub" / "policy.md"), "--channel", "C1")
    before = services.documents.chunks_in_scope("C1")

    def retriever_hits() -> list[object]:
        documents = services.documents
        retriever = Retriever(documents.embedder, documents.vectors, documents, "docs-default")
        return retriever.search("revenue", channel="C1", mode="dense")

    assert retriever_hits()
    (matrix,) = _vector_files(tmp_path)
    if damage == "deleted":
        for path in (tmp_path / "vectors" / "docs-default").iterdir():
            path.unlink()
    else:
        raw = bytearray(matrix.read_bytes())
        raw[-200:-100] = bytes(range(100))  # inside the float data: the .npy header still parses
        matrix.write_bytes(bytes(raw))
    services.documents.vectors._cache.clear()
    keyword_hits = Retriever(
        services.documents.embedder, services.documents.vectors, services.documents, "docs-default"
    ).search("revenue", channel="C1", mode="hybrid")
    assert keyword_hits, "damaged vectors degrade to keyword search instead of failing"

    code, _, err = run("docs", "check")
    assert code == 1 and ("reindex" in err) and ("vectors" in err or "checksum" in err or "damaged" in err)

    code, out, err = run("docs", "reindex")
    assert code == 0, err
    assert out.startswith("Reindexed 2 of 2 documents")
    assert run("docs", "check")[0] == 0
    assert [c.text for c in services.documents.chunks_in_scope("C1")] == [c.text for c in before]
    assert retriever_hits()


def test_a_text_over_the_character_limit_is_refused_in_seconds(minilm, tmp_path):
    import time

    service = build_document_service(
        embedder=minilm,
        vectors=LocalVectorStore(tmp_path / "v"),
        objects=LocalObjectStore(tmp_path / "f"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace="docs-default",
        max_chars=100_000,
    )
    started = time.monotonic()
    result = service.ingest(b"word " * 40_000, "big.txt")
    assert result.status == "failed" and "200,000 characters" in result.reason and "MAX_TEXT_CHARS" in result.reason
    assert time.monotonic() - started < 5
    assert service.list() == []
