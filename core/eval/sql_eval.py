"""Text-to-SQL evaluation on Spider: answered %, execution accuracy on answered, overall.

For each database: knowledge is trained from the SQLite schema only (no Spider question of that
database becomes a saved example — that would be answering from the key), each question is
generated, and gold and predicted queries run on the SQLite file. Result sets are compared as
Spider's execution match does: same number of columns (in any order), same rows as a multiset,
or as a sequence when the gold query has ORDER BY.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.sql.databases.base import Database, SqliteDatabase
    from core.sql.generate.base import SqlGenerator
    from core.sql.models import Value

_MAX_ROWS = 100_000
_TIMEOUT_S = 30.0
_MAX_PERMUTED_COLUMNS = 6
_NUMBER_TEXT = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")


@dataclass
class PathScore:
    questions: int = 0
    answered: int = 0
    correct: int = 0
    errors: int = 0  # answered SQL that failed to run
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        answered_pct = 100.0 * self.answered / self.questions if self.questions else 0.0
        return {
            "questions": self.questions,
            "answered": self.answered,
            "answered_pct": round(answered_pct, 1),
            "correct": self.correct,
            "execution_errors": self.errors,
            "execution_accuracy_on_answered": round(100.0 * self.correct / self.answered, 1) if self.answered else None,
            "overall_accuracy": round(100.0 * self.correct / self.questions, 1) if self.questions else 0.0,
        }


def load_questions(spider_dir: Path, db_ids: list[str] | None, limit: int | None) -> list[dict[str, Any]]:
    path = Path(spider_dir) / "dev.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: --spider must point at a Spider folder with dev.json")
    questions = json.loads(path.read_text(encoding="utf-8"))
    if db_ids:
        wanted = set(db_ids)
        questions = [q for q in questions if q["db_id"] in wanted]
    runnable = [q for q in questions if database_file(spider_dir, q["db_id"]).is_file()]
    return runnable[:limit] if limit else runnable


def database_file(spider_dir: Path, db_id: str) -> Path:
    return Path(spider_dir) / "database" / db_id / f"{db_id}.sqlite"


@contextmanager
def _same_file(db_id: str, gold: Database) -> Iterator[Database]:
    yield gold


def evaluate(
    spider_dir: Path,
    make_generators: Callable[[str, Database], dict[str, SqlGenerator]],
    *,
    db_ids: list[str] | None = None,
    limit: int | None = None,
    keep_mistakes: int = 0,
    target: Callable[[str, SqliteDatabase], AbstractContextManager[Database]] = _same_file,
) -> dict[str, Any]:
    """make_generators(db_id, database) -> {"offline": generator, "llm": generator, …}.

    `target(db_id, sqlite_database)` opens the database the generators are trained on and their
    SQL runs on (default: the SQLite file itself; e.g. a PostgreSQL copy). Gold always runs on the
    SQLite file."""
    from core.sql.databases.base import SqliteDatabase

    scores: dict[str, PathScore] = {}
    questions = load_questions(spider_dir, db_ids, limit)
    by_db: dict[str, list[dict[str, Any]]] = {}
    for question in questions:
        by_db.setdefault(question["db_id"], []).append(question)
    for db_id, items in by_db.items():
        gold_database = SqliteDatabase(database_file(spider_dir, db_id))
        with target(db_id, gold_database) as database:
            try:
                _score_database(db_id, items, gold_database, database, make_generators, scores, keep_mistakes)
            finally:
                database.close()
    return {name: score.to_dict() for name, score in scores.items()} | (
        {"mistakes": {name: s.mistakes for name, s in scores.items()}} if keep_mistakes else {}
    )


def _score_database(
    db_id: str,
    items: list[dict[str, Any]],
    gold_database: Database,
    database: Database,
    make_generators: Callable[[str, Database], dict[str, SqlGenerator]],
    scores: dict[str, PathScore],
    keep_mistakes: int,
) -> None:
    cross_engine = database is not gold_database
    generators = make_generators(db_id, database)
    for item in items:
        gold = _run(gold_database, item["query"])
        if cross_engine:
            gold = _in_target_order(gold, item["query"], database)
        ordered = bool(re.search(r"\border\s+by\b", item["query"], re.I))
        for name, generator in generators.items():
            score = scores.setdefault(name, PathScore())
            score.questions += 1
            proposal = generator.generate(item["question"])
            if proposal.kind != "sql" or not proposal.sql:
                continue
            score.answered += 1
            predicted = _run(database, proposal.sql)
            if isinstance(predicted, Exception):
                score.errors += 1
            if results_match(gold, predicted, ordered, numbers_as_text=cross_engine):
                score.correct += 1
            elif len(score.mistakes) < keep_mistakes:
                score.mistakes.append(
                    {"db_id": db_id, "question": item["question"], "predicted": proposal.sql, "gold": item["query"]}
                )


def _in_target_order(
    gold: list[tuple[Value, ...]] | Exception, query: str, target: Database
) -> list[tuple[Value, ...]] | Exception:
    """Gold rows in the order the target engine gives them, when the gold query, translated to
    its dialect (names folded to lower case), returns the same rows there: rows tied on the sort
    key come in engine-dependent order, which is not a wrong answer."""
    if isinstance(gold, Exception):
        return gold
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(query, read="sqlite")
        for identifier in tree.find_all(exp.Identifier):
            identifier.set("this", identifier.this.lower())
            identifier.set("quoted", True)
        there = _run(target, tree.sql(dialect="postgres" if target.dialect == "postgres" else "sqlite"))
    except Exception:  # a gold query sqlglot cannot carry over keeps SQLite's order
        return gold
    if isinstance(there, Exception) or not results_match(gold, there, ordered=False, numbers_as_text=True):
        return gold
    return there


def _run(database: Database, sql: str) -> list[tuple[Value, ...]] | Exception:
    try:
        return database.run_readonly(sql, max_rows=_MAX_ROWS, timeout_s=_TIMEOUT_S).rows
    except Exception as error:  # a failing query simply does not match
        return error


def results_match(
    gold: list[tuple[Value, ...]] | Exception,
    predicted: list[tuple[Value, ...]] | Exception,
    ordered: bool,
    *,
    numbers_as_text: bool = False,
) -> bool:
    """Spider-style execution match: column order free; row order only if the gold query orders.
    numbers_as_text: number-looking text equals its number (gold and prediction from two engines)."""
    if isinstance(gold, Exception) or isinstance(predicted, Exception):
        return False
    if len(gold) != len(predicted):
        return False
    if not gold:
        return True
    width = len(gold[0])
    if any(len(row) != width for row in predicted):
        return False
    gold_rows = [tuple(_normalise(v, numbers_as_text) for v in row) for row in gold]
    predicted_rows = [tuple(_normalise(v, numbers_as_text) for v in row) for row in predicted]
    permutations = itertools.permutations(range(width)) if width <= _MAX_PERMUTED_COLUMNS else [tuple(range(width))]
    gold_counts = None if ordered else Counter(gold_rows)
    for permutation in permutations:
        candidate = [tuple(row[i] for i in permutation) for row in predicted_rows]
        if ordered and candidate == gold_rows:
            return True
        if not ordered and Counter(candidate) == gold_counts:
            return True
    return False


def _normalise(value: object, numbers_as_text: bool = False) -> object:
    # Across engines only (numbers_as_text): PostgreSQL's numeric results (avg of bigint) arrive as
    # exact decimal text where SQLite gives floats, and a number SQLite stored as text may be a
    # typed number in the PostgreSQL copy; both sides are read the same way there.
    if numbers_as_text and isinstance(value, str) and _NUMBER_TEXT.match(value):
        value = float(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 6)
    return value
