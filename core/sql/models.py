"""Plain data shared by the SQL side: query results, guard verdicts, schema, and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import DocBotError


class SqlError(DocBotError):
    """A query could not run; the message is meant for the person who asked (often the database's own)."""

    what = "The database reported an error"


class SqlTimeout(SqlError):
    """The statement or a lock wait ran past its time limit and was cancelled."""

    what = "The query ran longer than the time limit and was stopped"


class DatabaseUnavailable(SqlError):
    """The database cannot be reached (down, wrong address, refused credentials, missing file)."""

    what = "The database is not reachable right now"


# A value as queries return it: display-safe (dates and decimals arrive as text or numbers).
Value = str | int | float | bool | None


@dataclass
class QueryResult:
    """Rows of a read-only query. Values are display-safe: str, int, float, bool or None.

    row_count is the number of rows in `rows`; truncated says the database had more than that.
    """

    columns: list[str]
    rows: list[tuple[Value, ...]]
    row_count: int
    truncated: bool
    elapsed_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": [list(r) for r in self.rows],
            "row_count": self.row_count,
            "truncated": self.truncated,
            "elapsed_ms": self.elapsed_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueryResult:
        return cls(
            columns=list(data["columns"]),
            rows=[tuple(r) for r in data["rows"]],
            row_count=int(data["row_count"]),
            truncated=bool(data["truncated"]),
            elapsed_ms=float(data["elapsed_ms"]),
        )


@dataclass
class GuardResult:
    """The guard's verdict. `sql` is what may run (a LIMIT added when absent); `reason` names a refusal."""

    allowed: bool
    reason: str | None
    sql: str
    tables: list[str] = field(default_factory=list)


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True
    primary_key: bool = False
    comment: str | None = None
    references: str | None = None  # "table.column" of a foreign key


@dataclass
class TableInfo:
    name: str
    columns: list[ColumnInfo]
    comment: str | None = None

    def ddl(self) -> str:
        """CREATE TABLE text with keys and comments: what a text-to-SQL model reads."""
        keys = [c.name for c in self.columns if c.primary_key]
        lines = []
        for column in self.columns:
            parts = [_quote_if_needed(column.name), column.type or "TEXT"]
            if len(keys) == 1 and column.primary_key:
                parts.append("PRIMARY KEY")
            elif not column.nullable:
                parts.append("NOT NULL")
            if column.references and "." in column.references:
                table, col = column.references.rsplit(".", 1)
                parts.append(f"REFERENCES {_quote_if_needed(table)}({_quote_if_needed(col)})")
            lines.append([" ".join(parts), column.comment])
        if len(keys) > 1:
            lines.append([f"PRIMARY KEY ({', '.join(_quote_if_needed(k) for k in keys)})", None])
        body = []
        for i, (text, comment) in enumerate(lines):
            comma = "," if i < len(lines) - 1 else ""
            body.append(f"  {text}{comma}" + (f"  -- {_one_line(comment)}" if comment else ""))
        header = f"-- {_one_line(self.comment)}\n" if self.comment else ""
        return f"{header}CREATE TABLE {_quote_if_needed(self.name)} (\n" + "\n".join(body) + "\n);"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quote_if_needed(name: str) -> str:
    # Schema-qualified names ("sales.orders") stay as they are; odd identifiers get double quotes.
    if all(part.replace("_", "").isalnum() and not part[:1].isdigit() for part in name.split(".")):
        return name
    return '"' + name.replace('"', '""') + '"'
