"""`python -m bot schema [--json] [--table NAME]`: what the bot understood of the database's names.

Per table and column: the words it reads in the name, what it stripped (prefixes) and expanded
(abbreviations, the table's initials), synonyms, comments and descriptions — so an operator can
see a misreading and fix it with SCHEMA_DESCRIPTIONS_FILE.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.commands import ServicesFactory, Subparsers

if TYPE_CHECKING:
    from core.schema.meanings import IdentifierMeaning

_WIDTH = {"name": 28, "phrase": 30}


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    schema = sub.add_parser("schema", help="print what the bot understood of each table and column")
    schema.add_argument("--json", action="store_true", help="print one JSON object")
    schema.add_argument("--table", action="append", help="only this table (repeatable)")
    schema.add_argument("--match", metavar="QUESTION", help="also show how a question's words map onto the schema")
    schema.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    services = services_factory()
    understanding = services.schema_understanding
    tables = understanding.tables
    if args.table:
        wanted = {name.lower() for name in args.table}
        tables = [t for t in tables if t.name.lower() in wanted]
        missing = wanted - {t.name.lower() for t in tables}
        if missing:
            known = ", ".join(t.name for t in understanding.tables[:20])
            print(f"error: no table named {', '.join(sorted(missing))}; tables: {known}", file=sys.stderr)
            return 2
    matches = understanding.match(args.match) if args.match else None
    if args.json:
        report: dict[str, Any] = {"tables": [t.to_dict() for t in tables]}
        if matches is not None:
            report["question"] = args.match
            report["matches"] = [m.to_dict() for m in matches]
        print(json.dumps(report, indent=2))
        return 0
    for table in tables:
        print(_row(table.name, table.phrase, _notes(table)))
        for column in table.columns:
            print(_row("  " + column.name, column.phrase, _notes(column)))
        print()
    if matches is not None:
        print(f"Question: {args.match}")
        for match in matches:
            where = match.table + (f".{match.column}" if match.column else "") if match.table else match.via
            print(
                f"  {match.text!r:<24} → {match.kind:<6} {where}  ({match.source}, via {match.via}, {match.score:.2f})"
            )
    return 0


def _row(name: str, phrase: str, notes: str) -> str:
    return f"{name:<{_WIDTH['name']}} {phrase or '?':<{_WIDTH['phrase']}} {notes}".rstrip()


def _notes(meaning: IdentifierMeaning) -> str:
    parts = []
    if meaning.prefix:
        parts.append(f"prefix {meaning.prefix!r}")
    pairs = zip(meaning.raw_words, meaning.word_sources, strict=True)
    expanded = [f"{raw}→{source}" for raw, source in pairs if source != "word"]
    if expanded:
        parts.append("expanded " + ", ".join(expanded))
    if meaning.synonyms:
        parts.append("synonyms " + ", ".join(meaning.synonyms[:4]))
    if meaning.comment:
        parts.append(f"comment {meaning.comment!r}")
    if meaning.description:
        parts.append(f"description {meaning.description!r}")
    return "; ".join(parts)
