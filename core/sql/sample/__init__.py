"""The bundled sample database: a small shop used when no DATABASE_URL is configured.

`ensure_sample_database(data_dir)` builds the SQLite file on first use (deterministic rows);
`load_sample_into_postgres(url)` loads the same rows into an empty PostgreSQL database (tests).
`SAMPLE_DOCS_FILE` and `SAMPLE_EXAMPLES_FILE` are the business terms and question→SQL pairs.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from core.sql.sample.data import generate
from core.sql.sample.schema import TABLES, create_statements

SAMPLE_FILE_NAME = "sample_shop.sqlite"
SAMPLE_DOCS_FILE = Path(__file__).with_name("docs.md")
SAMPLE_EXAMPLES_FILE = Path(__file__).with_name("examples.json")


def ensure_sample_database(data_dir: Path) -> Path:
    """Path of the sample SQLite database under data_dir, created on first use."""
    path = Path(data_dir) / SAMPLE_FILE_NAME
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Build in a temporary file and rename, so a concurrent reader never sees half a database.
    handle, temporary = tempfile.mkstemp(prefix=".sample-", suffix=".sqlite", dir=path.parent)
    os.close(handle)
    try:
        _write_sqlite(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _write_sqlite(path: Path) -> None:
    rows = generate().by_table()
    connection = sqlite3.connect(path)
    try:
        for statement in create_statements("sqlite"):
            connection.execute(statement)
        for table in TABLES:
            marks = ", ".join("?" for _ in table.columns)
            connection.executemany(f"INSERT INTO {table.name} VALUES ({marks})", rows[table.name])
        connection.commit()
    finally:
        connection.close()


def load_sample_into_postgres(url: str) -> None:
    """Create the sample tables in an empty PostgreSQL database and fill them."""
    import psycopg

    rows = generate().by_table()
    with psycopg.connect(url) as connection:
        for statement in create_statements("postgres"):
            connection.execute(statement)
        with connection.cursor() as cursor:
            for table in TABLES:
                columns = ", ".join(column.name for column in table.columns)
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for row in rows[table.name]:
                        copy.write_row(row)
