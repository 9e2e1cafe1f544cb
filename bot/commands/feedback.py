"""`python -m bot feedback export`: every 👍 / 👎 with its question, answer and citations, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.commands import ServicesFactory, Subparsers


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    feedback = sub.add_parser("feedback", help="ratings of answers").add_subparsers(
        dest="feedback_command", metavar="ACTION", required=True
    )
    export = feedback.add_parser("export", help="ratings as JSON lines (question, answer, citations, rating, user)")
    export.add_argument("--rating", choices=("up", "down"), help="only this rating (down: answers to fix)")
    export.add_argument("--out", type=Path, help="write to this file instead of standard output")
    export.set_defaults(func=cmd_feedback_export)


def cmd_feedback_export(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    rows = [f.to_dict() for f in services_factory().feedback.all() if not args.rating or f.rating == args.rating]
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
        print(f"wrote {len(rows):,} ratings to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0
