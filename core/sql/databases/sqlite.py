"""SQLite (the bundled sample database, Spider's files) opened read-only.

Defence in depth for a query that got past the guard: the file is opened with `mode=ro`,
`PRAGMA query_only` is on, an authorizer allows only reading (no PRAGMA, ATTACH, writes,
transactions, or denylisted functions), ATTACH is limited to zero databases, values are capped in
size, and a progress handler stops the statement at its deadline. Python's sqlite3 refuses more
than one statement per execute().
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from core.sql.denylist import denied_function_reason
from core.sql.explain import PlanEstimate
from core.sql.models import ColumnInfo, DatabaseUnavailable, QueryResult, SqlError, SqlTimeout, TableInfo, Value
from core.sql.values import display_value

_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_MAX_VALUE_BYTES = 32_000_000  # zeroblob(2e9) and friends fail instead of eating memory
_PROGRESS_STEPS = 10_000  # VM instructions between deadline checks


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if arg2 and denied_function_reason(arg2) else sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class SqliteDatabase:
    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, path: Path, *, lock_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self._tables: list[TableInfo] | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise DatabaseUnavailable(f"The SQLite database {self.path} does not exist")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=self.lock_timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"Cannot open the SQLite database {self.path}: {exc}") from None
        # Text that is not valid UTF-8 is shown with replacement characters instead of failing.
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
        return conn

    def run_readonly(self, sql: str, max_rows: int = 1000, timeout_s: float = 15.0) -> QueryResult:
        conn = self._connect()
        deadline = time.monotonic() + timeout_s
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_STEPS)
        conn.set_authorizer(_authorize)
        started = time.perf_counter()
        try:
            cur = conn.execute(sql)
            rows = cur.fetchmany(max_rows + 1)
            columns = [d[0] for d in cur.description or []]
        except sqlite3.Error as exc:
            raise self._error(exc, timeout_s, deadline) from None
        except sqlite3.Warning as exc:  # "You can only execute one statement at a time."
            raise SqlError(str(exc)) from None
        finally:
            conn.close()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if not columns:
            raise SqlError("The statement returned no rows to show; only queries can run.")
        truncated = len(rows) > max_rows
        shown = [tuple(display_value(v) for v in row) for row in rows[:max_rows]]
        return QueryResult(columns, shown, len(shown), truncated, round(elapsed_ms, 1))

    def _error(self, exc: sqlite3.Error, timeout_s: float, deadline: float) -> SqlError:
        message = str(exc)
        if message == "interrupted" and time.monotonic() >= deadline:
            return SqlTimeout(f"The query ran longer than {timeout_s:g} s and was stopped.")
        if "locked" in message or "busy" in message:
            return SqlTimeout(f"The database stayed locked for more than {self.lock_timeout_s:g} s: {message}")
        if "not authorized" in message or "authorization denied" in message.lower():
            return SqlError(
                "Not authorized: only reading queries may run (no writes, PRAGMA, ATTACH or unsafe functions)."
            )
        if "unable to open" in message or "disk I/O" in message:
            return DatabaseUnavailable(f"Cannot read the SQLite database {self.path}: {message}")
        return SqlError(message[:1].upper() + message[1:])

    def tables(self) -> list[TableInfo]:
        with self._lock:
            if self._tables is None:
                conn = self._connect()
                try:
                    self._tables = _introspect(conn)
                except sqlite3.Error as exc:
                    raise SqlError(f"Cannot read the schema of {self.path}: {exc}") from None
                finally:
                    conn.close()
            return self._tables

    def explain(self, sql: str, timeout_s: float = 5.0) -> PlanEstimate | None:
        """SQLite's planner keeps no row estimates worth showing (EXPLAIN QUERY PLAN has none)."""
        return None

    def distinct_values(self, table: str, column: str, limit: int = 50) -> list[Value]:
        """The most frequent non-null values of a known column (for literal matching)."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or column not in {c.name for c in info.columns}:
            raise SqlError(f"Unknown column {table}.{column}")
        col, source = _quote(column), _quote(table)
        sql = (
            f"SELECT {col} FROM {source} WHERE {col} IS NOT NULL "
            f"GROUP BY {col} ORDER BY count(*) DESC, {col} LIMIT {int(limit)}"
        )
        return [row[0] for row in self.run_readonly(sql, max_rows=limit, timeout_s=10.0).rows]

    def close(self) -> None:
        """Nothing held open: every query opens and closes its own connection."""


def _introspect(conn: sqlite3.Connection) -> list[TableInfo]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    tables: list[TableInfo] = []
    primary: dict[str, list[str]] = {}
    for name in names:
        rows = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        # table_info: cid, name, type, notnull, dflt_value, pk (position in the key, 0 = not in it)
        columns = [ColumnInfo(r[1], r[2] or "", nullable=not r[3], primary_key=bool(r[5])) for r in rows]
        primary[name.lower()] = [r[1] for r in sorted(rows, key=lambda r: r[5]) if r[5]]
        tables.append(TableInfo(name, columns))
    canonical = {name.lower(): name for name in names}
    for table in tables:
        by_name = {c.name.lower(): c for c in table.columns}
        # foreign_key_list: id, seq, table, from, to, …; one row per column of a (composite) key
        keys: dict[int, list[tuple[Any, ...]]] = {}
        for fk in conn.execute(f"PRAGMA foreign_key_list({_quote(table.name)})").fetchall():
            keys.setdefault(fk[0], []).append(fk)
        for rows in keys.values():
            if len(rows) != 1:
                continue
            _, _, target_name, from_column, to_column = rows[0][:5]
            target = canonical.get(str(target_name).lower())
            column = by_name.get(str(from_column).lower())
            if target is None or column is None or column.references:
                continue
            to_column = to_column or next(iter(primary.get(target.lower()) or []), None)
            if to_column:
                column.references = f"{target}.{to_column}"
    return tables


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
