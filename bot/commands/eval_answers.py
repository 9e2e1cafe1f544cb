"""`python -m bot eval answers`: what the answers state, against the reference answers, as one JSON object.

  python -m bot eval answers --docs ../shared/datasets/sec10q/docs \\
      --questions ../shared/datasets/sec10q/qna.csv [--k 5]

The bot's own answerer over the bot's retriever (the same stages as `eval retrieval`'s hybrid
run), offline unless OPENAI_API_KEY is set; no answer cache. Documents are ingested once into
the cached evaluation workspace; metric definitions are in core/eval/answers.py.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands import ServicesFactory, Subparsers, subcommands
from bot.commands.eval_docs import (
    UsageError,
    add_dataset_arguments,
    eval_inputs,
    ingested_workspace,
    workspace_retriever,
)


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "eval").add_parser(
        "answers", help="answer quality: figures of the reference answers stated, citations of the right files"
    )
    add_dataset_arguments(p)
    p.set_defaults(func=cmd_eval_answers)


def cmd_eval_answers(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.answers.answerer import Answerer
    from core.eval.answers import evaluate_answers

    try:
        label, documents, questions = eval_inputs(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    services = services_factory()
    workspace, ingest = ingested_workspace(services, label, documents)
    options = services.retriever_options()
    retriever = workspace_retriever(workspace, options["reranker"], options["table_passage_tokens"])
    answerer = Answerer(retriever, services.llm, k=args.k)
    answerer.answer("warm-up", channel=None)  # load the index and the model outside timings
    result = evaluate_answers(questions, lambda q: answerer.answer(q, channel=None))
    result["setup"] = {
        "dataset": args.format,
        "k": args.k,
        "documents": len(documents),
        "answerer": services.llm.model if services.llm else "extractive (offline)",
        "ingest": ingest,
    }
    print(json.dumps(result))
    return 0
