"""Whether a saved query's value may be swapped for another: the column the saved SQL compares
'Germany' to must hold 'France' too.

The column is read from the SQL itself (`ship_country = 'Germany'`, `o.ship_country IN (…)`), its
table through the query's aliases; a literal used any other way (LIKE, inside a function) is not
swapped. The new value is looked up among the values read from that column, then asked of the
database, and returned as the data spells it ("france" → 'France').
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.sql.generate.adaptation import sql_string
from core.sql.generate.query import quote_identifier
from core.sql.generate.schema_index import normalise_value

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.sql.databases.base import Database
    from core.sql.generate.schema_index import Column, SchemaIndex

    # A column named without its table, and the query's tables → the one table that has it.
    OwnerOf = Callable[[str, list[str]], str | None]

_LOOKUP_TIMEOUT_S = 5.0


class ColumnValues:
    """The ValueLookup of core/sql/generate/adaptation.py over one database and what was read of it."""

    def __init__(self, db: Database, schema: SchemaIndex) -> None:
        self.db = db
        self.schema = schema

    def swap(self, saved_sql: str, old: str, new: str) -> str | None:
        """`new` as the data spells it, when every place the saved SQL says `old` compares it to
        one column and that column holds `new`; else None."""
        compared = compared_columns(saved_sql, self.db.dialect, old, self._owner)
        columns = [self._column(table, name) for table, name in compared]
        first = columns[0] if columns else None
        if first is None or any(column is not first for column in columns):
            return None
        return self._spelling(first, new)

    def _column(self, table: str, name: str) -> Column | None:
        """The schema's column, however the SQL cased its name."""
        columns = next((cs for t, cs in self.schema.tables.items() if t.lower() == table.lower()), [])
        return next((c for c in columns if c.name.lower() == name.lower()), None)

    def _owner(self, column: str, tables: list[str]) -> str | None:
        """The one table of the query that has the column, for a column named without its table."""
        owners = {table for table in tables if self._column(table, column) is not None}
        return owners.pop() if len(owners) == 1 else None

    def _spelling(self, column: Column, text: str) -> str | None:
        for hit in self.schema.values.get(normalise_value(text), []):
            if hit.column is column and isinstance(hit.value, str):
                return hit.value
        if column.kind != "text":
            return None
        # Only the most frequent values of a column are read: the database has the rest.
        name = quote_identifier(column.name)
        sql = (
            f"SELECT DISTINCT {name} FROM {quote_identifier(column.table)}"
            f" WHERE LOWER({name}) = LOWER({sql_string(text)}) LIMIT 2"
        )
        try:
            rows = self.db.run_readonly(sql, 2, _LOOKUP_TIMEOUT_S).rows
        except Exception:  # unreadable: the swap is refused, never guessed
            return None
        return rows[0][0] if len(rows) == 1 and isinstance(rows[0][0], str) else None


def compared_columns(sql: str, dialect: str, literal: str, owner: OwnerOf) -> set[tuple[str, str]]:
    """(table, column) pairs the string literal is compared to (=, <>, IN); empty when the SQL does
    not parse, does not say it, or uses it any other way."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="postgres" if dialect == "postgres" else "sqlite")
    except Exception:  # an unparsable saved query is reused verbatim or not at all
        return set()
    if tree is None:
        return set()
    tables = [t.name for t in tree.find_all(exp.Table)]
    aliases = {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}
    found: set[tuple[str, str]] = set()
    for node in tree.find_all(exp.Literal):
        if not node.is_string or node.this != literal:
            continue
        parent = node.parent
        if isinstance(parent, exp.In) and node in parent.expressions:
            column = parent.this
        elif isinstance(parent, (exp.EQ, exp.NEQ)):
            column = parent.left if parent.right is node else parent.right
        else:
            return set()
        if not isinstance(column, exp.Column):
            return set()
        table = aliases.get(column.table.lower()) if column.table else owner(column.name, tables)
        if table is None:
            return set()
        found.add((table, column.name))
    return found
