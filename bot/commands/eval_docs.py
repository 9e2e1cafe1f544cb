"""`python -m bot eval retrieval`: dense vs BM25 vs hybrid retrieval quality, as one JSON object.

  python -m bot eval retrieval --docs ../shared/datasets/sec10q/docs \
      --questions ../shared/datasets/sec10q/qna.csv [--k 5]
  python -m bot eval retrieval --format pubmedqa ../shared/datasets/pubmedqa/ori_pqal.json

Documents are ingested once into a cached workspace under DATA_DIR/eval-workspaces (reruns are
fast); metric definitions are in core/eval/retrieval.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from bot.commands import ServicesFactory, Subparsers, subcommands

if TYPE_CHECKING:
    from bot.wiring import Services
    from core.documents.models import IngestResult
    from core.embeddings.base import Embedder
    from core.eval.retrieval import EvalQuestion
    from core.eval.workspace import Workspace
    from core.rerank.base import Reranker
    from core.search.retriever import Mode, Retriever


class AblatedSettings(TypedDict, total=False):
    """The Retriever settings a run varies; the rest stay the Retriever's defaults."""

    doc_prior: float
    repeated_figures: float | None
    discount_boilerplate: bool


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "eval").add_parser(
        "retrieval", help="retrieval quality: file/evidence recall@k, MRR, latency per retriever"
    )
    add_dataset_arguments(p)
    p.add_argument(
        "--rerank",
        choices=("on", "off"),
        help="the hybrid run with or without the re-ranker "
        "(default: RERANKER); the 'stages' entry measures each stage either way",
    )
    p.set_defaults(func=cmd_eval_retrieval)


def add_dataset_arguments(p: argparse.ArgumentParser) -> None:
    """The documents and questions an evaluation reads, and the split to run."""
    p.add_argument("file", nargs="?", type=Path, help="pubmedqa: the ori_pqal.json file")
    p.add_argument("--docs", type=Path, help="sec10q: folder of documents")
    p.add_argument("--questions", type=Path, help="sec10q: CSV with Question, Source Docs, Answer")
    p.add_argument("--format", choices=("sec10q", "pubmedqa"), default="sec10q")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--limit", type=int, default=0, help="only the first N questions")
    p.add_argument(
        "--source-filter",
        metavar="REGEX",
        help="only questions whose source (Source Docs glob, "
        "pubmedqa: PMID.txt) matches, e.g. a dev split of some filings",
    )
    p.add_argument("--source-exclude", metavar="REGEX", help="leave out questions whose source matches")


class UsageError(Exception):
    """A bad argument or input file, said in one line (exit status 2)."""


def eval_inputs(args: argparse.Namespace) -> tuple[str, dict[str, bytes], list[EvalQuestion]]:
    """(workspace label, documents by file name, questions) from the dataset arguments."""
    from core.eval.retrieval import load_pubmedqa, load_sec10q_questions, select

    if args.k < 1:
        raise UsageError("--k must be at least 1")
    if args.limit < 0:
        raise UsageError("--limit must be 0 (every question) or more")
    if args.format == "sec10q":
        if not args.docs or not args.questions:
            raise UsageError("sec10q format needs --docs DIR and --questions CSV")
        if not args.docs.is_dir():
            raise UsageError(f"{args.docs} is not a folder")
        if not args.questions.is_file():
            raise UsageError(f"{args.questions} does not exist")
        try:
            questions = load_sec10q_questions(args.questions)
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            raise UsageError(str(exc)) from exc
        documents = {
            p.name: p.read_bytes() for p in sorted(args.docs.iterdir()) if p.is_file() and not p.name.startswith(".")
        }
        label = f"sec10q-{args.docs.resolve()}"
    else:
        source = args.file or args.questions
        if source is None or not source.is_file():
            raise UsageError("pubmedqa format needs the path of ori_pqal.json")
        try:
            questions, documents = load_pubmedqa(source)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSONDecodeError is a ValueError
            raise UsageError(f"{source} is not PubMedQA's ori_pqal.json ({type(exc).__name__}: {exc})") from exc
        label = f"pubmedqa-{source.resolve()}"
    try:
        questions = select(questions, args.source_filter, args.source_exclude)
    except re.error as exc:
        raise UsageError(f"--source-filter/--source-exclude is not a valid regular expression ({exc})") from exc
    if not questions:
        raise UsageError("no question left after --source-filter/--source-exclude")
    if args.limit:
        questions = questions[: args.limit]
    if not documents:
        raise UsageError("no documents to ingest")
    return label, documents, questions


def cmd_eval_retrieval(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    try:
        label, documents, questions = eval_inputs(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = run_eval(services_factory(), label, documents, questions, args.k, args.format, args.rerank)
    print(json.dumps(result))
    return 0


def run_eval(
    services: Services,
    label: str,
    documents: dict[str, bytes],
    questions: list[EvalQuestion],
    k: int,
    dataset: str,
    rerank: str | None = None,
) -> dict[str, Any]:
    from core.eval.retrieval import TimedReranker, evaluate
    from core.rerank.evidence import EvidenceReranker

    workspace, ingest = ingested_workspace(services, label, documents)
    corpus = workspace.service
    options = services.retriever_options()
    if rerank is not None:
        options["reranker"] = EvidenceReranker() if rerank == "on" else None
    stage_reranker = options["reranker"] or EvidenceReranker()
    table_tokens = options["table_passage_tokens"]

    # Settings not given are the Retriever's own defaults, so the eval measures what the bot runs.
    def retriever(
        reranker: Reranker | None = None, table_passage_tokens: int = 0, **settings: Unpack[AblatedSettings]
    ) -> Retriever:
        timed = TimedReranker(reranker) if reranker is not None else None
        return workspace_retriever(workspace, timed, table_passage_tokens, **settings)

    configured = retriever(options["reranker"], table_tokens)
    first_stage = retriever()
    runs: dict[str, tuple[Retriever, Mode]] = {
        "dense": (first_stage, "dense"),
        "bm25": (first_stage, "bm25"),
        "hybrid": (configured, "hybrid"),
        "hybrid_no_doc_prior": (retriever(options["reranker"], table_tokens, doc_prior=0.0), "hybrid"),
    }
    # Each stage on its own and all together, against the first stage alone; and all but one part
    # of a stage: the re-ranker's sentence evidence, the skipping of passages that repeat figures,
    # the discount of boilerplate's first-stage rank.
    stages = {
        "first_stage": first_stage,
        "table_passages": retriever(table_passage_tokens=table_tokens),
        "rerank": retriever(stage_reranker),
        "all": retriever(stage_reranker, table_tokens),
        "all_rows_only": retriever(EvidenceReranker(sentence_weight=0.0), table_tokens),
        "all_repeats_kept": retriever(stage_reranker, table_tokens, repeated_figures=None),
        "all_boilerplate_ranked": retriever(stage_reranker, table_tokens, discount_boilerplate=False),
    }
    configured.search("warm-up", channel=None, k=1, mode="hybrid")  # load the index and the model outside timings

    def run(r: Retriever, mode: Mode) -> dict[str, Any]:
        result = evaluate(questions, lambda q, depth: r.search(q, channel=None, k=depth, mode=mode), k)
        if mode == "hybrid" and isinstance(r.reranker, TimedReranker):
            result["rerank_ms"] = r.reranker.summary()
        return result

    out: dict[str, Any] = {name: run(r, mode) for name, (r, mode) in runs.items()}
    out["stages"] = {name: run(r, "hybrid") for name, r in stages.items()}
    out["setup"] = {
        "dataset": dataset,
        "k": k,
        "documents": len(documents),
        "chunks": len(corpus.chunks_in_scope(None)),
        "embedder": workspace.embedder.model_id,
        "reranker": options["reranker"].name if options["reranker"] else None,
        "table_passage_tokens": table_tokens,
        "ingest": ingest,
        "workspace": str(workspace.root),
    }
    return out


def workspace_retriever(
    workspace: Workspace,
    reranker: Reranker | None,
    table_passage_tokens: int,
    **settings: Unpack[AblatedSettings],
) -> Retriever:
    """A retriever over the evaluation workspace (uncached embedder: latency is measured with it);
    settings not given are the Retriever's own defaults, so an eval measures what the bot runs."""
    from core.eval.workspace import NAMESPACE
    from core.search.retriever import Retriever

    return Retriever(
        workspace.raw_embedder,
        workspace.vectors,
        workspace.service,
        NAMESPACE,
        reranker=reranker,
        table_passage_tokens=table_passage_tokens,
        **settings,
    )


def ingested_workspace(services: Services, label: str, documents: dict[str, bytes]) -> tuple[Workspace, dict[str, Any]]:
    """The evaluation workspace for these documents (cached under DATA_DIR), with every document
    ingested (a rerun finds them already indexed), and the ingest counts."""
    from bot.progress import ProgressBar
    from core.eval.workspace import open_workspace

    s = services.settings
    chunking = {
        "chunk_tokens": s.chunk_tokens,
        "chunk_overlap": s.chunk_overlap,
        "chunk_min_tokens": s.chunk_min_tokens,
    }
    workspace = open_workspace(
        s.data_dir,
        label,
        _raw_embedder(services),
        chunking,
        max_file_mb=s.max_file_mb,
        max_pages=s.max_pages,
        artifacts_path=s.docling_artifacts_path or None,
    )
    bar = ProgressBar(len(documents), sum(len(d) for d in documents.values()), label="ingesting")

    def done(name: str, result: IngestResult) -> None:
        bar.finish_file(result.pages)
        if len(documents) > 1:
            bar.start_file(0)

    bar.start_file(len(next(iter(documents.values()))))
    ingest = workspace.ingest_all(documents, progress=bar.update, on_result=done)
    bar.close()
    return workspace, ingest


def _raw_embedder(services: Services) -> Embedder:
    """The configured embedder without the bot's cache (the workspace has its own)."""
    if services.settings.embedding_provider == "local":
        from core.embeddings.minilm import LocalMiniLMEmbedder

        return LocalMiniLMEmbedder()
    return services.embedder
