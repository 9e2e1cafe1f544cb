"""`python -m bot ingest PATH…`, `docs list`, `docs delete ID`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.commands import ServicesFactory, Subparsers


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    ingest = sub.add_parser("ingest", help="index files or folders of documents")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders (read recursively)")
    ingest.add_argument("--channel", help="Slack channel id the documents belong to")
    ingest.add_argument("--workspace-wide", action="store_true", help="answer from them in every channel")
    ingest.add_argument("--team", default="", help="Slack team id recorded with the documents")
    ingest.add_argument("--json", action="store_true", help="print one JSON object")
    ingest.set_defaults(func=cmd_ingest)

    docs = sub.add_parser("docs", help="manage indexed documents").add_subparsers(
        dest="docs_command", metavar="ACTION", required=True
    )
    listing = docs.add_parser("list", help="list indexed documents")
    listing.add_argument("--channel", help="only documents visible in this channel")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=cmd_docs_list)
    delete = docs.add_parser("delete", help="delete a document: vectors, stored files, cached answers")
    delete.add_argument("doc_id", metavar="ID", help="document id (or a unique prefix of it)")
    delete.set_defaults(func=cmd_docs_delete)
    reindex = docs.add_parser("reindex", help="rebuild the vector and keyword indexes from the stored originals")
    reindex.add_argument("--json", action="store_true", help="print one JSON object")
    reindex.set_defaults(func=cmd_docs_reindex)
    check = docs.add_parser("check", help="check the vector and keyword indexes for damage (exit 1 if any)")
    check.set_defaults(func=cmd_docs_check)


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Files named directly, and every non-hidden file under named folders, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
                if found.is_file() and not hidden:
                    yield found
        else:
            yield path


def cmd_ingest(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.progress import ProgressBar
    from core.documents.models import IngestResult

    documents = services_factory().documents
    results: list[IngestResult] = []
    paths = list(iter_files(args.paths))
    bar = ProgressBar(len(paths), sum(_size(p) for p in paths))
    for path in paths:
        bar.start_file(_size(path))
        try:
            data = path.read_bytes()
        except OSError as exc:
            result = IngestResult(path.name, "failed", reason=f"cannot read {path}: {exc.strerror or exc}")
        else:
            result = documents.ingest(
                data,
                path.name,
                channel=args.channel,
                team_id=args.team,
                workspace_wide=args.workspace_wide,
                progress=bar.update,
            )
        results.append(result)
        bar.clear_line()
        if not args.json:
            print(result.message, file=sys.stdout if result.ok else sys.stderr, flush=True)
        bar.finish_file(result.pages)
    bar.close()
    if not results:
        print("error: no files found", file=sys.stderr)
        return 2
    failed = sum(1 for r in results if not r.ok)
    if not (args.channel or args.workspace_wide or args.json) and failed < len(results):
        print(
            "note: not linked to any channel, so Slack will not answer from these yet; "
            "ingest again with --channel C or --workspace-wide (`ask` without --channel sees them)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps({"results": [r.to_dict() for r in results], "ok": len(results) - failed, "failed": failed}))
    return 1 if failed else 0


def cmd_docs_list(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    records = services_factory().documents.list(args.channel)
    if args.json:
        print(json.dumps({"documents": [r.to_dict() for r in records]}))
        return 0
    if not records:
        print("No documents indexed" + (f" for channel {args.channel}" if args.channel else ""))
        return 0
    for r in records:
        scope = "workspace-wide" if r.workspace_wide else (", ".join(r.channels) or "no channel")
        pages = f"{_count(r.pages, 'page')}, " if r.pages else ""
        print(f"{r.doc_id[:12]}  {r.file_name}  ({pages}{_count(r.chunks, 'chunk')}; {scope})")
    return 0


def cmd_docs_delete(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    documents = services_factory().documents
    record = documents.resolve(args.doc_id)
    if record is None:
        print(f"error: no document with id {args.doc_id!r} (see `docs list`)", file=sys.stderr)
        return 1
    documents.delete(record.doc_id)
    print(f"Deleted {record.file_name} ({record.doc_id[:12]}): vectors, stored files and cached answers")
    return 0


def cmd_docs_reindex(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from bot.progress import ProgressBar
    from core.documents.models import IngestProgress

    documents = services_factory().documents
    records = documents.list()
    bar = ProgressBar(len(records), sum(r.size for r in records), label="reindexing")
    sizes = {r.file_name: r.size for r in records}

    def progress(event: IngestProgress) -> None:
        if event.stage == "parsed":
            bar.start_file(sizes.get(event.file_name, 0))
        bar.update(event)
        if event.stage == "done":
            bar.finish_file(event.pages)

    summary = documents.reindex(progress)
    bar.close()
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Reindexed {summary['reindexed']:,} of {summary['documents']:,} documents ({summary['chunks']:,} chunks)"
        )
        if summary["catalog_restored"]:
            print(f"Restored {summary['catalog_restored']:,} documents the catalogue had lost, from the stored files")
        for failure in summary["failed"]:
            print(f"failed: {failure}", file=sys.stderr)
    return 1 if summary["failed"] else 0


def cmd_docs_check(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    problems = services_factory().documents.check()
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print("run `python -m bot docs reindex` to rebuild the indexes from the stored originals", file=sys.stderr)
        return 1
    print("indexes are sound")
    return 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
