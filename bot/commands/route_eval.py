"""`python -m bot eval route FILE`: routing accuracy on labelled questions, against the keyword baseline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.commands import ServicesFactory, Subparsers, subcommands


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    p = subcommands(sub, "eval").add_parser(
        "route",
        help="routing accuracy on JSON lines {question, expected: docs|sql|both} (configured schema and documents)",
    )
    p.add_argument("file", type=Path, help="JSON lines file of labelled questions")
    p.add_argument("--channel", default=None, help="answer as if asked in this channel (default: all documents)")
    p.set_defaults(func=_eval_route)


def _eval_route(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.eval.route import evaluate_routing, read_labels
    from core.routing import KeywordRouter

    labels = read_labels(args.file)
    services = services_factory()
    report = evaluate_routing(services.router, KeywordRouter(), labels, channel=args.channel)
    print(json.dumps(report, indent=2))
    return 0
