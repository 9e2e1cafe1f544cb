"""`python -m bot bench ingest DIR`: ingest speed and memory on a folder of documents, into a
throw-away workspace (temporary object store, vector store, catalog and an embedding cache that
starts empty, as a new deployment's does). Two figures, as the product works: every file made
searchable by keywords first (parse, chunk, keyword index, catalog), then their dense vectors."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from bot.commands import ServicesFactory, Subparsers, subcommands

if TYPE_CHECKING:
    from bot.wiring import DocumentOptions
    from core.embeddings.base import Embedder


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "bench").add_parser(
        "ingest", help="ingest speed (pages/s, chunks/s) and peak memory on a folder"
    )
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--limit", type=int, default=0, help="only the first N files")
    p.add_argument("--parse-only", action="store_true", help="parse and chunk, skip embedding and storage")
    p.set_defaults(func=cmd_bench_ingest)


def cmd_bench_ingest(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    if not args.dir.is_dir():
        print(f"error: {args.dir} is not a folder", file=sys.stderr)
        return 2
    files = sorted(p for p in args.dir.iterdir() if p.is_file() and not p.name.startswith("."))
    if args.limit:
        files = files[: args.limit]
    services = services_factory()
    embedder: Embedder
    if services.settings.embedding_provider == "local":
        from core.embeddings.minilm import LocalMiniLMEmbedder

        embedder = LocalMiniLMEmbedder()  # uncached: a benchmark must not measure cache hits
    else:
        embedder = services.embedder
    result = bench_ingest(files, embedder, parse_only=args.parse_only, **services.document_options())
    print(json.dumps(result))
    return 0 if not result["failed"] else 1


def bench_ingest(
    files: list[Path], embedder: Embedder, *, parse_only: bool = False, **service_options: Unpack[DocumentOptions]
) -> dict[str, Any]:
    from bot.progress import ProgressBar
    from core.cache.local import LocalKeyValueStore
    from core.documents.models import IngestError
    from core.documents.service import build_document_service
    from core.embeddings.cached import CachedEmbedder
    from core.storage.local import LocalObjectStore
    from core.vectors.local import LocalVectorStore

    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        kv = LocalKeyValueStore(root / "kv.sqlite")
        service = build_document_service(
            embedder=CachedEmbedder(embedder, kv),  # text repeated across files is embedded once
            vectors=LocalVectorStore(root / "vectors"),
            objects=LocalObjectStore(root / "files"),
            kv=kv,
            namespace="docs-bench",
            **service_options,
        )
        if not parse_only:
            embedder.embed(["warm-up"])  # model load is start-up cost, not ingest speed
        pages = chunks = 0
        failed: list[str] = []
        pending: list[str] = []
        bar = ProgressBar(len(files), sum(p.stat().st_size for p in files), label="bench ingest")
        start = time.perf_counter()
        for path in files:
            data = path.read_bytes()
            bar.start_file(len(data))
            if parse_only:
                try:
                    parsed, parsed_chunks = service.parse_and_chunk(data, path.name, "bench")
                except IngestError as exc:
                    failed.append(f"{path.name}: {exc}")
                    continue
                pages += parsed.pages
                chunks += len(parsed_chunks)
                bar.finish_file(parsed.pages)
                continue
            result = service.ingest(data, path.name, defer_vectors=True, progress=bar.update)
            if result.ok:
                pages += result.pages
                chunks += result.chunks
                pending.append(result.doc_id or "")
            else:
                failed.append(result.message)
            bar.finish_file(result.pages)
        searchable_s = time.perf_counter() - start
        for doc_id in pending:
            result = service.complete_vectors(doc_id, progress=bar.update)
            if not result.ok:
                failed.append(result.message)
        seconds = time.perf_counter() - start
        bar.close()
    out = {
        "files": len(files),
        "pages": pages,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else None,
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # CPU time of the whole run: on a shared machine, what the work cost regardless of waiting.
        "cpu_seconds": round(_cpu_seconds() - cpu_before, 1),
        "embedding_model": getattr(embedder, "model_id", ""),
        "pdf_parser": service.parser.pdf_pipeline,
        "mode": "parse+chunk" if parse_only else "parse+chunk+keywords, then embed+store",
        "cpu_count": os.cpu_count(),
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "failed": failed,
    }
    if not parse_only:
        out["searchable_seconds"] = round(searchable_s, 2)
        out["searchable_pages_per_s"] = round(pages / searchable_s, 1) if searchable_s else None
        out["fully_indexed_pages_per_s"] = out["pages_per_s"]
    return out


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
