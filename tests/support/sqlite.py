"""A SQLite database file built from a script, for tests that need real rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.sql.databases.base import SqliteDatabase


def sqlite_database(path: Path, script: str) -> SqliteDatabase:
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.commit()
    connection.close()
    return SqliteDatabase(path)
