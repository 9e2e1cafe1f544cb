"""`python -m bot eval retrieval`: dense vs BM25 vs hybrid retrieval quality, as one JSON object.

  python -m bot eval retrieval --docs ../shared/datasets/sec10q/docs \
      --questions ../shared/datasets/sec10q/qna.csv [--k 5]
  python -m bot eval retrieval --format pubmedqa ../shared/datasets/pubmedqa/ori_pqal.json

Documents are ingested once into a cached workspace under DATA_DIR/eval-workspaces (reruns are
fast); metric definitions are in core/eval/retrieval.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.commands import subcommands


def register(sub: argparse._SubParsersAction, services_factory: Callable) -> None:
    p = subcommands(sub, "eval").add_parser(
        "retrieval", help="retrieval quality: file/evidence recall@k, MRR, latency per retriever"
    )
    p.add_argument("file", nargs="?", type=Path, help="pubmedqa: the ori_pqal.json file")
    p.add_argument("--docs", type=Path, help="sec10q: folder of documents")
    p.add_argument("--questions", type=Path, help="sec10q: CSV with Question, Source Docs, Answer")
    p.add_argument("--format", choices=("sec10q", "pubmedqa"), default="sec10q")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--limit", type=int, default=0, help="only the first N questions")
    p.set_defaults(func=cmd_eval_retrieval)


def cmd_eval_retrieval(args: argparse.Namespace, services_factory: Callable) -> int:
    from core.eval.retrieval import load_pubmedqa, load_sec10q_questions

    if args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    if args.format == "sec10q":
        if not args.docs or not args.questions:
            print("error: sec10q format needs --docs DIR and --questions CSV", file=sys.stderr)
            return 2
        if not args.docs.is_dir():
            print(f"error: {args.docs} is not a folder", file=sys.stderr)
            return 2
        if not args.questions.is_file():
            print(f"error: {args.questions} does not exist", file=sys.stderr)
            return 2
        questions = load_sec10q_questions(args.questions)
        documents = {
            p.name: p.read_bytes() for p in sorted(args.docs.iterdir()) if p.is_file() and not p.name.startswith(".")
        }
        label = f"sec10q-{args.docs.resolve()}"
    else:
        source = args.file or args.questions
        if source is None or not source.is_file():
            print("error: pubmedqa format needs the path of ori_pqal.json", file=sys.stderr)
            return 2
        questions, documents = load_pubmedqa(source)
        label = f"pubmedqa-{source.resolve()}"
    if args.limit:
        questions = questions[: args.limit]
    if not documents:
        print("error: no documents to ingest", file=sys.stderr)
        return 2
    result = run_eval(services_factory(), label, documents, questions, args.k, args.format)
    print(json.dumps(result))
    return 0


def run_eval(services, label: str, documents: dict[str, bytes], questions, k: int, dataset: str) -> dict:
    from bot.progress import ProgressBar
    from core.eval.retrieval import evaluate
    from core.eval.workspace import NAMESPACE, open_workspace
    from core.search.retriever import Retriever

    s = services.settings
    chunking = {"chunk_tokens": s.chunk_tokens, "chunk_overlap": s.chunk_overlap, "chunk_min_tokens": s.chunk_min_tokens}
    workspace = open_workspace(
        s.data_dir, label, _raw_embedder(services), chunking,
        max_file_mb=s.max_file_mb, max_pages=s.max_pages, artifacts_path=s.docling_artifacts_path or None,
    )
    bar = ProgressBar(len(documents), sum(len(d) for d in documents.values()), label="ingesting")

    def done(name: str, result) -> None:
        bar.finish_file(result.pages)
        if len(documents) > 1:
            bar.start_file(0)

    bar.start_file(len(next(iter(documents.values()))))
    ingest = workspace.ingest_all(documents, progress=bar.update, on_result=done)
    bar.close()
    corpus = workspace.service
    retriever = Retriever(workspace.raw_embedder, workspace.vectors, corpus, NAMESPACE)
    plain = Retriever(workspace.raw_embedder, workspace.vectors, corpus, NAMESPACE, doc_prior=0.0)
    runs = {
        "dense": (retriever, "dense"),
        "bm25": (retriever, "bm25"),
        "hybrid": (retriever, "hybrid"),
        "hybrid_no_doc_prior": (plain, "hybrid"),
    }
    retriever.search("warm-up", channel=None, k=1, mode="hybrid")  # build BM25 and load the model outside timings
    out: dict = {}
    asked = ProgressBar(len(questions) * len(runs), len(questions) * len(runs), label="evaluating", unit="questions")

    def search(r, mode: str, question: str, depth: int):
        asked.step()
        return r.search(question, channel=None, k=depth, mode=mode)

    for name, (r, mode) in runs.items():
        out[name] = evaluate(questions, lambda q, depth, r=r, mode=mode: search(r, mode, q, depth), k)
    asked.close()
    out["setup"] = {
        "dataset": dataset,
        "k": k,
        "documents": len(documents),
        "chunks": len(corpus.chunks_in_scope(None)),
        "embedder": workspace.embedder.model_id,
        "ingest": ingest,
        "workspace": str(workspace.root),
    }
    return out


def _raw_embedder(services):
    """The configured embedder without the bot's cache (the workspace has its own)."""
    if services.settings.embedding_provider == "local":
        from core.embeddings.minilm import LocalMiniLMEmbedder

        return LocalMiniLMEmbedder()
    return services.embedder
