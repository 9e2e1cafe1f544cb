"""A PostgreSQL database built from statements in a scratch database, for tests that need real rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from core.sql.databases.postgres import PostgresDatabase


@contextmanager
def postgres_database(url: str, statements: Iterable[str]) -> Iterator[PostgresDatabase]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)
    database = PostgresDatabase(url)
    try:
        yield database
    finally:
        database.close()
