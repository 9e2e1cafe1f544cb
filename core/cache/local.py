"""A key-value store in one SQLite file: safe across threads and processes on one machine."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_SCHEMA = "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL)"


class LocalKeyValueStore:
    # Threads of one process take turns before SQLite's own lock: its busy-wait backs off in
    # coarse sleeps, which under concurrent writes costs hundreds of milliseconds per ack.
    _write_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = str(path)
        self._local = threading.local()
        with self._conn() as conn:
            conn.execute(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers serialise.
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    @staticmethod
    def _expiry(ttl_s: float | None) -> float | None:
        return time.time() + ttl_s if ttl_s else None

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _live_row(conn: sqlite3.Connection, key: str) -> tuple[str, float | None] | None:
        """(value, expires) of an unexpired key, else None."""
        row = conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] <= time.time()):
            return None
        return row[0], row[1]

    @classmethod
    def _live(cls, conn: sqlite3.Connection, key: str) -> str | None:
        row = cls._live_row(conn, key)
        return None if row is None else row[0]

    @staticmethod
    def _put(conn: sqlite3.Connection, key: str, value: str, expires: float | None) -> None:
        conn.execute("INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)", (key, value, expires))

    def get(self, key: str) -> str | None:
        return self._live(self._conn(), key)

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        self._write(lambda c: self._put(c, key, value, self._expiry(ttl_s)))

    def add(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        def op(c: sqlite3.Connection) -> bool:
            if self._live(c, key) is not None:
                return False
            self._put(c, key, value, self._expiry(ttl_s))
            return True

        return self._write(op)

    def compare_and_set(self, key: str, expected: str, value: str, ttl_s: float | None = None) -> bool:
        def op(c: sqlite3.Connection) -> bool:
            if self._live(c, key) != expected:
                return False
            self._put(c, key, value, self._expiry(ttl_s))
            return True

        return self._write(op)

    def increment(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        def op(c: sqlite3.Connection) -> int:
            row = self._live_row(c, key)
            try:
                value = (int(row[0]) if row else 0) + amount
            except ValueError:
                raise ValueError(f"the value at {key!r} is not an integer") from None
            expires = row[1] if row and row[1] is not None else self._expiry(ttl_s)
            self._put(c, key, str(value), expires)
            return value

        return self._write(op)

    def delete(self, key: str) -> None:
        self._write(lambda c: c.execute("DELETE FROM kv WHERE key = ?", (key,)))

    def keys(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn().execute(
            "SELECT key FROM kv WHERE key LIKE ? ESCAPE '\\' AND (expires IS NULL OR expires > ?) ORDER BY key",
            (escaped + "%", time.time()),
        )
        return [r[0] for r in rows]
