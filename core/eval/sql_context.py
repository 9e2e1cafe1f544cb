"""How much of the schema the LLM would need is in its prompt: `eval sql --spider DIR --context`.

All of the set's databases go into one knowledge store, their tables named `<db_id>.<table>` as
one warehouse would hold them. For each question the prompt is built exactly as the LLM path
would build it (nothing is sent) and the gold query's tables and columns are looked for in it:
table_recall is the share of a gold query's tables whose CREATE TABLE is in the prompt,
column_recall the share of its columns listed inside those. Tokens are counted as Vanna counts
them for its own budget, four characters to a token.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.eval.sql_eval import database_file, load_questions
from core.schema.selector import approx_tokens

if TYPE_CHECKING:
    from core.llm.base import ChatMessage
    from core.sql.models import TableInfo

_CREATE = re.compile(r'CREATE TABLE\s+("?)([\w."]+)\1\s*\((.*?)\n\);', re.S | re.I)


@dataclass
class GoldSchema:
    tables: set[str]  # qualified, lower case
    columns: set[tuple[str, str]]  # (qualified table, column), lower case


def qualified_tables(spider_dir: Path, db_ids: list[str]) -> list[TableInfo]:
    """Every table of these databases, named `<db_id>.<table>`, foreign keys qualified alike."""
    from core.sql.databases.base import SqliteDatabase

    tables: list[TableInfo] = []
    for db_id in db_ids:
        for table in SqliteDatabase(database_file(spider_dir, db_id)).tables():
            table.name = f"{db_id}.{table.name}"
            for column in table.columns:
                if column.references:
                    column.references = f"{db_id}.{column.references}"
            tables.append(table)
    return tables


def gold_schema(sql: str, db_id: str, tables: dict[str, TableInfo]) -> GoldSchema | None:
    """Tables and columns a gold query reads; None when sqlglot cannot parse it."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return None
    aliases: dict[str, str] = {}
    used: set[str] = set()
    for table in tree.find_all(exp.Table):
        name = f"{db_id}.{table.name}".lower()
        if name in tables:
            used.add(name)
            aliases[(table.alias or table.name).lower()] = name
    columns: set[tuple[str, str]] = set()
    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star):
            continue
        name = column.name.lower()
        if column.table:
            owner = aliases.get(column.table.lower())
            owners = [owner] if owner else []
        else:
            owners = [t for t in used if name in {c.name.lower() for c in tables[t].columns}]
        for owner in owners[:1]:
            if name in {c.name.lower() for c in tables[owner].columns}:
                columns.add((owner, name))
    return GoldSchema(used, columns)


def prompt_schema(prompt_text: str) -> dict[str, set[str]]:
    """Qualified table (lower case) → its column names, for every CREATE TABLE in the prompt."""
    found: dict[str, set[str]] = {}
    for match in _CREATE.finditer(prompt_text):
        name = match.group(2).replace('"', "").lower()
        columns = set()
        for line in match.group(3).splitlines():
            first = line.strip().split(" ", 1)[0].strip('",')
            if first and first.upper() not in ("PRIMARY", "FOREIGN", "UNIQUE", "CONSTRAINT", "--"):
                columns.add(first.lower())
        found[name] = columns
    return found


def evaluate_context(
    spider_dir: Path,
    build_prompter: Callable[[list[TableInfo]], Callable[[str], list[ChatMessage]]],
    *,
    db_ids: list[str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """build_prompter(all qualified tables) → prompt(question) → chat messages."""
    questions = load_questions(spider_dir, db_ids, limit)
    databases = sorted({q["db_id"] for q in questions})
    tables = qualified_tables(spider_dir, databases)
    by_name = {t.name.lower(): t for t in tables}
    prompt = build_prompter(tables)
    table_recalls: list[float] = []
    column_recalls: list[float] = []
    tokens: list[int] = []
    unparsed = 0
    per_db: dict[str, list[float]] = {}
    for item in questions:
        gold = gold_schema(item["query"], item["db_id"], by_name)
        if gold is None or not gold.tables:
            unparsed += 1
            continue
        text = "\n".join(str(message.get("content", "")) for message in prompt(item["question"]))
        tokens.append(approx_tokens(text))
        shown = prompt_schema(text)
        table_recalls.append(sum(t in shown for t in gold.tables) / len(gold.tables))
        per_db.setdefault(item["db_id"], []).append(table_recalls[-1])
        if gold.columns:
            column_recalls.append(sum(c in shown.get(t, set()) for t, c in gold.columns) / len(gold.columns))
    return {
        "databases": len(databases),
        "tables": len(tables),
        "questions": len(table_recalls),
        "unparsed_gold": unparsed,
        "table_recall": _mean(table_recalls),
        "column_recall": _mean(column_recalls),
        "prompt_tokens_p50": _percentile(tokens, 50),
        "prompt_tokens_p95": _percentile(tokens, 95),
        "prompt_tokens_max": max(tokens) if tokens else 0,
        "table_recall_by_database": {db: _mean(values) for db, values in sorted(per_db.items())},
    }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _percentile(values: list[int], pct: int) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
