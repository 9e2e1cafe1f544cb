"""PostgreSQL through psycopg 3 and a small pool, safe behind transaction-mode poolers.

Every query runs in its own READ ONLY transaction with SET LOCAL statement_timeout and
lock_timeout, and is always rolled back (nothing to commit; a rollback also undoes any SET the
statement made). Queries go over the extended protocol (cursor.stream), which refuses more than one
statement per call — so `SELECT 1; COMMIT; DROP …` cannot end our transaction even without the
guard. prepare_threshold=None: no named server-side prepared statements, which transaction
poolers (Supabase on :6543, PgBouncer) cannot keep. sslmode and the like pass through the URL.
When a connection goes back to the pool it is reset with DISCARD ALL (session settings, advisory
locks, prepared statements), so nothing one query did outlives it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from core.sql.explain import PlanEstimate, SequentialScan, parse_plan
from core.sql.models import ColumnInfo, DatabaseUnavailable, QueryResult, SqlError, SqlTimeout, TableInfo, Value
from core.sql.values import display_value

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)
T = TypeVar("T")

_TABLES_SQL = """
SELECT c.oid, n.nspname, c.relname, pg_table_is_visible(c.oid), obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
  AND NOT c.relispartition
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname
"""
_COLUMNS_SQL = """
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
_KEYS_SQL = """
SELECT con.conrelid, con.contype, con.conkey, con.confrelid, con.confkey
FROM pg_constraint con
WHERE con.conrelid = ANY(%s) AND con.contype IN ('p', 'f')
"""
_ATTNAMES_SQL = "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attrelid = ANY(%s) AND attnum > 0"
_RELNAMES_SQL = """
SELECT c.oid, n.nspname, c.relname, pg_table_is_visible(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY(%s)
"""

# SQLSTATE classes that mean "the server is not there for us" rather than "your SQL is wrong".
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300", "28")


class PostgresDatabase:
    dialect: Literal["postgres"] = "postgres"

    def __init__(
        self,
        url: str,
        *,
        lock_timeout_s: float = 5.0,
        pool_size: int = 4,
        connect_timeout_s: float = 10.0,
        retry_after_s: float = 30.0,
    ) -> None:
        from psycopg.conninfo import conninfo_to_dict

        try:
            info = conninfo_to_dict(url)
        except Exception as exc:  # psycopg's parse errors carry the reason
            raise ValueError(f"Invalid PostgreSQL URL: {exc}") from None
        self._url = url
        self._where = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
        self.lock_timeout_s = lock_timeout_s
        self._pool_size = pool_size
        self._connect_timeout_s = connect_timeout_s
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._tables: list[TableInfo] | None = None
        self._reachable = False  # set after a connection worked; cleared when one fails
        # After a failed try, queries fail at once with its reason for this long instead of each
        # waiting the connect timeout again (a host that drops packets costs every try that much).
        self.retry_after_s = retry_after_s
        self._down: tuple[float, str] | None = None  # (when, the message) of the last failed try

    # ---- connections ---------------------------------------------------------------------------

    def _get_pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self._pool_size,
                    open=False,
                    kwargs={
                        "autocommit": True,
                        "prepare_threshold": None,
                        "connect_timeout": max(1, int(self._connect_timeout_s)),
                    },
                    check=_check_connection,
                    reset=_reset_connection,
                    timeout=self._connect_timeout_s,
                    name="sql",
                )
                self._pool.open(wait=False)
            return self._pool

    def _unavailable(self, exc: BaseException | None = None) -> DatabaseUnavailable:
        self._reachable = False
        if exc is not None:
            reason = _first_line(str(exc))
        else:
            reason = self._diagnose() or f"no connection became free within {self._connect_timeout_s:g} s"
        return self._went_down(reason)

    def _went_down(self, reason: str) -> DatabaseUnavailable:
        message = f"Cannot reach the database at {self._where}: {reason}"
        self._down = (time.monotonic(), message)
        return DatabaseUnavailable(message)

    def _diagnose(self) -> str | None:
        """The server's own words for why we cannot connect (one direct attempt); None if we can."""
        import psycopg

        try:
            psycopg.connect(self._url, connect_timeout=max(1, int(self._connect_timeout_s)), autocommit=True).close()
        except psycopg.Error as exc:
            return _first_line(str(exc))
        return None

    def _run(self, work: Callable[[psycopg.Connection[Any]], T], timeout_s: float) -> T:
        """work(conn) inside a READ ONLY transaction with timeouts; errors mapped to ours."""
        import psycopg
        from psycopg_pool import PoolTimeout

        pool = self._get_pool()
        if not self._reachable:
            down = self._down
            if down is not None and time.monotonic() - down[0] < self.retry_after_s:
                raise DatabaseUnavailable(down[1])
            # First use, or the server went away: one direct attempt says at once why we cannot
            # connect, instead of waiting for the pool's timeout.
            reason = self._diagnose()
            if reason is not None:
                raise self._went_down(reason)
            self._down = None
        try:
            with pool.connection() as conn, conn.transaction(force_rollback=True):
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}")
                conn.execute(f"SET LOCAL lock_timeout = {max(1, int(self.lock_timeout_s * 1000))}")
                self._reachable = True
                return work(conn)
        except PoolTimeout:
            raise self._unavailable() from None
        except psycopg.errors.QueryCanceled:
            raise SqlTimeout(f"The query ran longer than {timeout_s:g} s and was stopped.") from None
        except psycopg.errors.LockNotAvailable:
            raise SqlTimeout(
                f"The query waited longer than {self.lock_timeout_s:g} s for a lock held by someone else "
                "and was stopped."
            ) from None
        except psycopg.Error as exc:
            state = exc.sqlstate or ""
            if state.startswith(_UNAVAILABLE_STATES) or (isinstance(exc, psycopg.OperationalError) and not state):
                raise self._unavailable(exc) from None
            raise SqlError(_database_message(exc)) from None

    # ---- Database ------------------------------------------------------------------------------

    def run_readonly(self, sql: str, max_rows: int = 1000, timeout_s: float = 15.0) -> QueryResult:
        from psycopg import capabilities

        chunk = min(max_rows + 1, 1000) if capabilities.has_stream_chunked() else 1

        def work(conn: psycopg.Connection[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
            cur = conn.cursor()
            rows: list[tuple[Any, ...]] = []
            # stream() always uses the extended protocol: exactly one statement per call. It is
            # typed as an Iterator but is a generator: closing it cancels the query.
            stream = cast("Generator[tuple[Any, ...], None, None]", cur.stream(sql, size=chunk))
            try:
                for row in stream:
                    rows.append(row)
                    if len(rows) > max_rows:
                        break
            finally:
                stream.close()  # cancels a query we stopped reading (truncated result)
            return [d.name for d in cur.description or []], rows

        started = time.perf_counter()
        try:
            columns, rows = self._run(work, timeout_s)
        except SqlError as exc:
            if "didn't produce a result" in str(exc):
                raise SqlError("The statement returned no rows to show; only queries can run.") from None
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        truncated = len(rows) > max_rows
        shown = [tuple(display_value(v) for v in row) for row in rows[:max_rows]]
        return QueryResult(columns, shown, len(shown), truncated, round(elapsed_ms, 1))

    def explain(self, sql: str, timeout_s: float = 5.0) -> PlanEstimate | None:
        """The planner's estimate for sql, through the same read-only transaction as run_readonly.

        Plain EXPLAIN plans without executing; one statement over the extended protocol, so
        nothing can follow it. The table sizes come from pg_class in the same transaction."""

        def work(conn: psycopg.Connection) -> PlanEstimate:
            row = conn.execute("EXPLAIN (FORMAT JSON) " + sql).fetchone()
            document = row[0] if row else None
            if isinstance(document, str):
                import json

                document = json.loads(document)
            rows, cost, before_limit, scanned = parse_plan(document)
            scans = []
            for name in scanned:
                found = conn.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", (_quote_path(name),)
                ).fetchone()
                scans.append(SequentialScan(name.split(".")[-1], max(0, int(found[0])) if found else 0))
            return PlanEstimate(rows, cost, before_limit, tuple(scans))

        return self._run(work, timeout_s)

    def tables(self) -> list[TableInfo]:
        if self._tables is None:
            self._tables = self._run(_introspect, timeout_s=30.0)
        return self._tables

    def distinct_values(self, table: str, column: str, limit: int = 50) -> list[Value]:
        """The most frequent non-null values of a known column (for literal matching)."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or column not in {c.name for c in info.columns}:
            raise SqlError(f"Unknown column {table}.{column}")
        col, source = _quote(column), ".".join(_quote(part) for part in _split_name(table))
        sql = (
            f"SELECT {col} FROM {source} WHERE {col} IS NOT NULL "
            f"GROUP BY {col} ORDER BY count(*) DESC, {col} LIMIT {int(limit)}"
        )
        return [row[0] for row in self.run_readonly(sql, max_rows=limit, timeout_s=10.0).rows]

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def _check_connection(conn: psycopg.Connection) -> None:
    from psycopg_pool import ConnectionPool

    ConnectionPool.check_connection(conn)


def _reset_connection(conn: psycopg.Connection) -> None:
    conn.execute("DISCARD ALL")


def _introspect(conn: psycopg.Connection) -> list[TableInfo]:
    relations = conn.execute(_TABLES_SQL).fetchall()
    oids = [r[0] for r in relations]
    names = {oid: (rel if visible else f"{nsp}.{rel}") for oid, nsp, rel, visible, _ in relations}
    columns: dict[int, list[ColumnInfo]] = {oid: [] for oid in oids}
    attnums: dict[tuple[int, int], ColumnInfo] = {}
    for relid, attnum, attname, type_name, not_null, comment in conn.execute(_COLUMNS_SQL, (oids,)):
        info = ColumnInfo(attname, type_name, nullable=not not_null, comment=comment)
        columns[relid].append(info)
        attnums[(relid, attnum)] = info
    foreign: list[tuple[int, list[int], int, list[int]]] = []
    for relid, kind, conkey, confrelid, confkey in conn.execute(_KEYS_SQL, (oids,)):
        if kind == "p":
            for attnum in conkey:
                if (relid, attnum) in attnums:
                    attnums[(relid, attnum)].primary_key = True
        elif len(conkey) == 1:
            foreign.append((relid, conkey, confrelid, confkey))
    targets = {f[2] for f in foreign}
    if targets - set(names):
        for oid, nsp, rel, visible in conn.execute(_RELNAMES_SQL, (list(targets - set(names)),)):
            names[oid] = rel if visible else f"{nsp}.{rel}"
    target_columns = {(r, n): a for r, n, a in conn.execute(_ATTNAMES_SQL, (list(targets),))} if targets else {}
    for relid, conkey, confrelid, confkey in foreign:
        column = attnums.get((relid, conkey[0]))
        target = target_columns.get((confrelid, confkey[0]))
        if column is not None and target is not None and column.references is None:
            column.references = f"{names[confrelid]}.{target}"
    return [TableInfo(names[oid], columns[oid], comment) for oid, _, _, _, comment in relations]


def _split_name(name: str) -> list[str]:
    return name.split(".", 1) if "." in name else [name]


def _quote_path(qualified: str) -> str:
    return ".".join(_quote(part) for part in qualified.split("."))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def _database_message(exc: BaseException) -> str:
    """The server's primary message, plus its detail and hint when it gave them."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or _first_line(str(exc))
    extra = [text for text in (getattr(diag, "message_detail", None), getattr(diag, "message_hint", None)) if text]
    return " ".join([primary[:1].upper() + primary[1:] + ("" if primary.endswith(".") else "."), *extra])
