"""A Spider SQLite database copied into a scratch PostgreSQL database, as a real deployment holds it.

Why: the bot's SQL runs on PostgreSQL in production, where unquoted names are folded to lower
case (`sbCustomer.sbCustName` becomes `sbcustomer.sbcustname`), types are strict and the dialect
differs. Evaluating only on SQLite would not show what `python -m bot train` + `python -m bot sql`
do against such a server. The copy:
- names every table and column in lower case, as PostgreSQL folds unquoted identifiers;
- gives each column the narrowest type its stored values allow (bigint, double precision, else
  text), since SQLite's declared types do not bind what the rows hold: a "text" column whose
  every value is a whole number written plainly ('2014', never '007') becomes bigint, as a typed
  company schema would hold it, so keys that SQLite stores as text and as integers can link;
- keeps primary keys and single-column foreign keys where the data satisfies them (Spider's data
  is not always clean: a key the rows violate is left out and counted, never forced).
Gold queries keep running on the SQLite original; only the generated SQL runs here.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.sql.databases.sqlite import SqliteDatabase
from core.sql.models import TableInfo


@dataclass
class CopyReport:
    tables: int = 0
    rows: int = 0
    keys_kept: int = 0
    keys_dropped: int = 0  # primary or foreign keys the data violates


def _ident(name: str) -> str:
    """The folded form, quoted so names with spaces or reserved words stay valid."""
    return _quoted(name.lower())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_type(conn: sqlite3.Connection, table: str, column: str) -> str:
    values = [row[0] for row in conn.execute(f"SELECT DISTINCT {_quoted(column)} FROM {_quoted(table)}")]
    present = [v for v in values if v is not None]
    if not present:
        return "text"
    if all(isinstance(v, int) or (isinstance(v, str) and _WHOLE.match(v)) for v in present):
        return "bigint"
    if all(isinstance(v, (int, float)) for v in present):
        return "double precision"
    return "text"


_WHOLE = re.compile(r"^-?(0|[1-9]\d{0,17})$")


def _convert(value: Any, column_type: str) -> Any:
    if value is None:
        return None
    if column_type == "bigint":
        return int(value)
    if column_type == "double precision":
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


def copy_to_postgres(sqlite_path: Path, pg_url: str) -> CopyReport:
    """Copy every table of `sqlite_path` into the (empty) database at `pg_url`."""
    import psycopg

    report = CopyReport()
    tables: list[TableInfo] = SqliteDatabase(sqlite_path).tables()
    source = sqlite3.connect(Path(sqlite_path).resolve().as_uri() + "?mode=ro", uri=True)
    source.text_factory = lambda data: data.decode("utf-8", "replace")
    try:
        with psycopg.connect(pg_url, autocommit=True) as target:
            for table in tables:
                types = [_column_type(source, table.name, c.name) for c in table.columns]
                columns = ", ".join(f"{_ident(c.name)} {t}" for c, t in zip(table.columns, types, strict=True))
                target.execute(f"CREATE TABLE {_ident(table.name)} ({columns})")
                quoted = ", ".join(_quoted(c.name) for c in table.columns)
                rows = source.execute(f"SELECT {quoted} FROM {_quoted(table.name)}")
                names = ", ".join(_ident(c.name) for c in table.columns)
                with target.cursor().copy(f"COPY {_ident(table.name)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([_convert(v, t) for v, t in zip(row, types, strict=True)])
                        report.rows += 1
                report.tables += 1
            for table in tables:
                keys = [c.name for c in table.columns if c.primary_key]
                if keys:
                    _try(
                        target,
                        report,
                        f"ALTER TABLE {_ident(table.name)} ADD PRIMARY KEY ({', '.join(_ident(k) for k in keys)})",
                    )
            for table in tables:
                for column in table.columns:
                    if column.references and "." in column.references:
                        other, other_column = column.references.rsplit(".", 1)
                        # NOT VALID: the link is declared (introspection reads it) without requiring
                        # every existing row to satisfy it; it still needs a unique target.
                        _try(
                            target,
                            report,
                            f"ALTER TABLE {_ident(table.name)} ADD FOREIGN KEY ({_ident(column.name)}) "
                            f"REFERENCES {_ident(other)} ({_ident(other_column)}) NOT VALID",
                        )
    finally:
        source.close()
    return report


def _try(conn: Any, report: CopyReport, statement: str) -> None:
    import psycopg

    try:
        conn.execute(statement)
        report.keys_kept += 1
    except psycopg.Error:
        report.keys_dropped += 1


@contextmanager
def scratch_postgres(admin_url: str, label: str) -> Iterator[str]:
    """A new, empty database on the server of `admin_url`, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    name = f"sqleval_{''.join(ch for ch in label.lower() if ch.isalnum())[:30]}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # The admin URL's other settings (sslmode, host, user) carry over to the scratch database.
        yield make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
