"""`python -m bot sql "QUESTION"`, `approve ID`, `reject ID`, `check-sql [--dialect …] FILE`.

sql proposes SQL and prints it with its pending id; approve runs it (read-only) and prints the
table; reject drops it; check-sql runs the guard over JSON lines {"sql": …} and writes JSON lines
{"sql", "allowed", "reason"}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands import ServicesFactory, Subparsers

if TYPE_CHECKING:
    from core.sql.guard import SqlGuard

CLI_USER = "cli"  # the requester of questions asked from the command line
_TERMINAL_CELL = 40


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    ask = sub.add_parser("sql", help="propose SQL for a data question (prints the SQL and its pending id)")
    ask.add_argument("question")
    ask.add_argument("--user", default=CLI_USER, help="requester id (default: cli)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(func=cmd_sql)

    approve = sub.add_parser("approve", help="run a pending query read-only and print the result")
    approve.add_argument("id")
    approve.add_argument("--user", default=CLI_USER, help="approver id (default: cli)")
    approve.add_argument("--csv", type=Path, help="also write the full result to this CSV file")
    approve.add_argument("--chart", type=Path, help="also write a chart PNG here when the result suits one")
    approve.add_argument("--json", action="store_true", help="print one JSON object")
    approve.set_defaults(func=cmd_approve)

    reject = sub.add_parser("reject", help="reject a pending query")
    reject.add_argument("id")
    reject.add_argument("--user", default=CLI_USER)
    reject.set_defaults(func=cmd_reject)

    check = sub.add_parser("check-sql", help='guard JSON lines {"sql": …} → {"sql", "allowed", "reason"}')
    check.add_argument("file", help="JSON lines file, or - for stdin")
    check.add_argument("--dialect", choices=["postgres", "sqlite"], default="postgres")
    check.add_argument("--tables", help="comma-separated allowed tables (default: any non-system table)")
    check.add_argument("--allow-system-catalogs", action="store_true")
    check.add_argument("--default-limit", type=int, default=1000)
    check.set_defaults(func=cmd_check_sql)


def cmd_sql(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    proposal = services_factory().sql.propose(args.question, requester=args.user, channel=None, thread_ts=None)
    if args.json:
        print(json.dumps(proposal.to_dict(), ensure_ascii=False, indent=2))
        return 0 if proposal.kind != "refused" else 1
    if proposal.kind == "sql":
        assert proposal.pending is not None  # kind "sql" always carries the query awaiting approval
        print(proposal.sql)
        print(f"-- pending id: {proposal.pending.id}  (run it: python -m bot approve {proposal.pending.id})")
        for line in proposal.message.splitlines():  # how it was written, e.g. what "last month" meant
            print(f"-- {line}", file=sys.stderr)
        return 0
    if proposal.kind == "refused":
        if proposal.sql:
            print(proposal.sql, file=sys.stderr)
        print(f"refused: {proposal.message}", file=sys.stderr)
        return 1
    print(proposal.message)
    for question in proposal.similar:
        if question not in proposal.message:  # the offline generator already lists them
            print(f"  similar: {question}")
    return 0


def cmd_approve(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.sql.render import chart_png, result_table, to_csv

    for target in (args.csv, args.chart):  # checked first: the query runs once, the files come after
        problem = _unwritable(target) if target else None
        if problem:
            print(f"error: cannot write {target}: {problem}", file=sys.stderr)
            return 2
    run = services_factory().sql.approve(args.id, user=args.user)
    if args.json:
        print(
            json.dumps(
                {"status": run.status, "message": run.message, "result": run.result.to_dict() if run.result else None},
                ensure_ascii=False,
                indent=2,
            )
        )
    if run.result is None:
        if not args.json:
            print(f"{run.status}: {run.message}", file=sys.stderr)
        return 1
    if not args.json:
        print(format_table(result_table(run.result, cell_limit=_TERMINAL_CELL)))
        print(run.message)
    if args.csv:
        args.csv.write_bytes(to_csv(run.result))
        print(f"CSV: {args.csv}", file=sys.stderr)
    if args.chart:
        png = chart_png(run.result, title=run.query.question if run.query else None)
        if png is None:
            print("no chart: the result is not a category or time column with 1–3 numbers", file=sys.stderr)
        else:
            args.chart.write_bytes(png)
            print(f"chart: {args.chart}", file=sys.stderr)
    return 0


def _unwritable(path: Path) -> str | None:
    """Why a result file cannot be written there, or None."""
    if path.is_dir():
        return "it is a folder"
    if not path.parent.is_dir():
        return "its folder does not exist"
    return None


def cmd_reject(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    rejection = services_factory().sql.reject(args.id, user=args.user)
    if not rejection.rejected or rejection.query is None:
        print(f"error: {rejection.message}", file=sys.stderr)
        return 1
    print(f"rejected {rejection.query.id}")
    return 0


def cmd_check_sql(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from core.sql.guard import SqlGuard

    tables = {t.strip() for t in args.tables.split(",") if t.strip()} if args.tables else None
    guard = SqlGuard(
        args.dialect, tables, allow_system_catalogs=args.allow_system_catalogs, default_limit=args.default_limit
    )
    try:
        # Standard input or a file, closed by `with lines` below.
        lines = sys.stdin if args.file == "-" else Path(args.file).open(encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    with lines:
        for row in check_lines(guard, lines):
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def check_lines(guard: SqlGuard, lines: Iterable[str]) -> Iterable[dict[str, object]]:
    """One verdict per non-blank line; a line that is not {"sql": "…"} gets a refusal saying so."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"sql": None, "allowed": False, "reason": f"line {number} is not JSON: {exc.msg}"}
            continue
        sql = item.get("sql") if isinstance(item, dict) else None
        if not isinstance(sql, str):
            yield {"sql": sql, "allowed": False, "reason": f'line {number} has no "sql" string'}
            continue
        verdict = guard.check(sql)
        yield {"sql": sql, "allowed": verdict.allowed, "reason": verdict.reason}


def format_table(table: dict[str, Any]) -> str:
    """A plain-text grid of result_table() output, with a note on what was left out."""
    header, rows = table["columns"], table["rows"]
    if not rows:
        return " | ".join(header) + "\n(no rows)"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return " | ".join(
            c.rjust(w) if numeric else c.ljust(w)
            for c, w, numeric in zip(cells, widths, table["numeric"], strict=False)
        ).rstrip()

    out = [line(header), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    if table["hidden_columns"]:
        out.append(f"({table['hidden_columns']} more columns in the CSV)")
    return "\n".join(out)
