"""Guard evaluation on Spider: every gold query is a legitimate SELECT, so every one must pass.

For each question whose SQLite file exists, the guard (SQLite dialect, allowed tables = the
database's own) checks the gold SQL. A refusal is a false block. Accepted queries are then run
twice through the read-only runner — the gold text and the guarded text (with its added LIMIT) —
to show that the runner's defences (authorizer, read-only mode) refuse nothing legitimate and that
the added LIMIT leaves results unchanged.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from core.sql.databases.sqlite import SqliteDatabase
from core.sql.guard import SqlGuard
from core.sql.models import SqlError, Value

_EXAMPLES = 20  # failures listed in the report, per kind
_MAX_ROWS = 100_000


def guard_eval(
    spider_dir: Path | str, db_ids: list[str] | None = None, *, run_queries: bool = True, default_limit: int = 1000
) -> dict[str, Any]:
    root = Path(spider_dir)
    questions_file = root / "dev.json"
    if not questions_file.is_file():
        raise FileNotFoundError(
            f"{questions_file} not found: --spider must point at a Spider folder (dev.json, database/)"
        )
    items = json.loads(questions_file.read_text(encoding="utf-8"))
    if db_ids:
        items = [item for item in items if item["db_id"] in set(db_ids)]

    databases: dict[str, SqliteDatabase | None] = {}
    guards: dict[str, SqlGuard] = {}
    missing: Counter[str] = Counter()
    blocked: list[dict[str, Any]] = []
    mismatches: list[dict[str, Any]] = []
    run_errors: list[dict[str, Any]] = []
    checked = allowed = limit_added = executed = same = 0
    guard_seconds = 0.0

    for item in items:
        db_id, gold = item["db_id"], item["query"]
        if db_id not in databases:
            path = root / "database" / db_id / f"{db_id}.sqlite"
            opened = databases[db_id] = SqliteDatabase(path) if path.is_file() else None
            if opened is not None:
                tables = {t.name for t in opened.tables()}
                guards[db_id] = SqlGuard("sqlite", allowed_tables=tables, default_limit=default_limit)
        db = databases[db_id]
        if db is None:
            missing[db_id] += 1
            continue
        checked += 1
        started = time.perf_counter()
        verdict = guards[db_id].check(gold)
        guard_seconds += time.perf_counter() - started
        if not verdict.allowed:
            blocked.append({"db_id": db_id, "query": gold, "reason": verdict.reason})
            continue
        allowed += 1
        limit_added += verdict.sql != gold.strip().rstrip(";").strip()
        if not run_queries:
            continue
        try:
            expected = db.run_readonly(gold, max_rows=_MAX_ROWS, timeout_s=30)
        except SqlError:
            continue  # a gold query this SQLite cannot run says nothing about the guard
        try:
            got = db.run_readonly(verdict.sql, max_rows=_MAX_ROWS, timeout_s=30)
        except SqlError as exc:
            run_errors.append({"db_id": db_id, "query": verdict.sql, "error": str(exc)})
            continue
        executed += 1
        if _same_rows(expected.rows[:default_limit], got.rows, ordered="order by" in gold.lower()):
            same += 1
        else:
            mismatches.append({"db_id": db_id, "query": verdict.sql})

    return {
        "dataset": str(root),
        "questions": len(items),
        "checked": checked,
        "skipped_missing_db": sum(missing.values()),
        "missing_db_ids": sorted(missing),
        "allowed": allowed,
        "blocked": len(blocked),
        "false_block_rate": round(len(blocked) / checked, 4) if checked else None,
        "limit_added": limit_added,
        "guard_ms_mean": round(guard_seconds * 1000 / checked, 3) if checked else None,
        "executed": executed,
        "same_result": same,
        "run_errors": len(run_errors),
        "blocked_examples": blocked[:_EXAMPLES],
        "run_error_examples": run_errors[:_EXAMPLES],
        "mismatch_examples": mismatches[:_EXAMPLES],
    }


def _same_rows(expected: list[tuple[Value, ...]], got: list[tuple[Value, ...]], *, ordered: bool) -> bool:
    if ordered:
        return expected == got
    return Counter(map(repr, expected)) == Counter(map(repr, got))
