"""The database interface every runner implements, and `open_database` to pick one from a URL.

Implementations: PostgresDatabase (core/sql/postgres_db.py) and SqliteDatabase
(core/sql/sqlite_db.py). Both run one query at a time inside a read-only boundary with a
statement timeout and a row cap, and return display-safe values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from core.sql.databases.postgres import PostgresDatabase
from core.sql.databases.sqlite import SqliteDatabase
from core.sql.explain import PlanEstimate
from core.sql.models import QueryResult, TableInfo, Value

__all__ = ["Database", "PostgresDatabase", "SqliteDatabase", "open_database"]


class Database(Protocol):
    @property
    def dialect(self) -> Literal["postgres", "sqlite"]: ...

    def run_readonly(self, sql: str, max_rows: int = 1000, timeout_s: float = 15.0) -> QueryResult:
        """Run one query read-only; raises SqlTimeout, DatabaseUnavailable or SqlError."""
        ...

    def explain(self, sql: str, timeout_s: float = 5.0) -> PlanEstimate | None:
        """The planner's estimate without running the query (never ANALYZE); None when the
        database has no such estimate. Raises like run_readonly."""
        ...

    def tables(self) -> list[TableInfo]: ...

    def distinct_values(self, table: str, column: str, limit: int = 50) -> list[Value]: ...

    def close(self) -> None: ...


def open_database(
    url_or_path: str, *, lock_timeout_s: float = 5.0, pool_size: int = 4, retry_after_s: float = 30.0
) -> Database:
    """postgresql://… (or postgres://…) → PostgreSQL; sqlite:///path or a file path → SQLite."""
    target = url_or_path.strip()
    if not target:
        raise ValueError("No database given: set DATABASE_URL to postgresql://… or a SQLite file path")
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    if scheme in ("postgres", "postgresql"):
        return PostgresDatabase(target, lock_timeout_s=lock_timeout_s, pool_size=pool_size, retry_after_s=retry_after_s)
    if scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        return SqliteDatabase(Path(target[len("sqlite://") :][1:]))
    if scheme:
        raise ValueError(f"Unsupported database URL scheme {scheme!r}: use postgresql://… or a SQLite file path")
    return SqliteDatabase(Path(target))
