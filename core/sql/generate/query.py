"""What the pattern engine understood, as a small query model, and the SQL text of its parts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.sql.generate.schema_index import Column


class Abstain(Exception):
    """The engine cannot write this query with confidence; the message says why."""


@dataclass
class Select:
    column: Column | None  # None with COUNT means count(*)
    agg: str | None = None
    distinct: bool = False
    label: str | None = None  # the output column's name ("revenue" for a business metric)
    # With COUNT and no column: the table whose rows are counted ("number of orders": orders).
    counted: str | None = None


@dataclass
class Filter:
    column: Column
    op: str
    value: object


@dataclass
class TableAverage:
    """The average of a column over its whole table, as a comparison value."""

    column: Column


@dataclass
class RelatedRows:
    """Rows of the main table with no related row in `table` matching `filters` (NOT IN), or,
    not negated, with one (IN): "students who have both a cat and a dog" is two of these."""

    table: str
    filters: list[Filter] = field(default_factory=list)
    negated: bool = True


@dataclass
class Query:
    selects: list[Select] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    group_by: Column | None = None
    order_by: tuple[Column, str] | None = None  # (column, "ASC" | "DESC")
    limit: int | None = None
    distinct: bool = False
    tables: list[str] = field(default_factory=list)
    # Counting related rows: "airlines with at least 10 flights" (having), "the year with the
    # most concerts" (count_order). count_table is the table whose rows are counted.
    count_table: str | None = None
    having: tuple[str, int | float] | None = None
    count_order: str | None = None
    # A verb such as "arriving" or "departing" chose one of several ways two tables join.
    relation_verb: bool = False
    related: list[RelatedRows] = field(default_factory=list)  # NOT IN / IN conditions
    # Which key a related table joins by when there are several: table → "source" | "destination".
    directions: dict[str, str] = field(default_factory=dict)
    # Grouping a date column by its first characters (ISO text): 4 = year, 7 = month, 10 = day.
    bucket: int | None = None
    # Conditions a business metric brings along ("revenue" counts paid orders only): always
    # applied, and never merged with or negated like the question's own filters.
    required: list[Filter] = field(default_factory=list)
    # Ordering by an aggregate that is shown: "top 5 customers by revenue" (select, direction).
    rank: tuple[Select, str] | None = None
    notes: list[str] = field(default_factory=list)  # how relative words were read ("last month" = …)


def merge_equalities(filters: list[Filter], either: bool) -> list[Filter]:
    """'Asia or Europe' on one column becomes IN; 'Brazil and Ireland' (both? either?) abstains."""
    merged: list[Filter] = []
    for item in filters:
        same = next((f for f in merged if f.column == item.column and f.op in ("=", "IN") and item.op == "="), None)
        if same is None:
            merged.append(item)
        elif not either:
            raise Abstain(f"'and' between two values of {item.column.name} could mean both or either")
        else:
            values = same.value if same.op == "IN" and isinstance(same.value, list) else [same.value]
            same.op, same.value = "IN", [*values, item.value]
    return merged


def filter_sql(item: Filter, ref: Callable[[Column], str]) -> str:
    if item.value is None:
        return f"{ref(item.column)} {item.op} NULL"
    if isinstance(item.value, TableAverage):
        column = item.value.column
        average = f"(SELECT AVG({quote_identifier(column.name)}) FROM {quote_identifier(column.table)})"
        return f"{ref(item.column)} {item.op} {average}"
    if item.op == "LIKE" and isinstance(item.value, str):
        # "containing 'Al'" matches any case, as SQLite's LIKE does; PostgreSQL's LIKE would not.
        return f"LOWER({ref(item.column)}) LIKE {literal(item.value.lower())}"
    if item.op in ("IN", "NOT IN"):
        values = item.value if isinstance(item.value, list) else [item.value]
        return f"{ref(item.column)} {item.op} ({', '.join(typed_literal(v, item.column) for v in values)})"
    if item.op in _ORDERING and _is_number(item.value) and item.column.numeric_text:
        # Numbers kept as text compare as numbers, not as text ('97' > '130' as text).
        return f"CAST({ref(item.column)} AS DOUBLE PRECISION) {item.op} {literal(item.value)}"
    return f"{ref(item.column)} {item.op} {typed_literal(item.value, item.column)}"


_ORDERING = {"<", ">", "<=", ">="}
_TEXTUAL_TYPE = re.compile(r"char|text|clob|string", re.I)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def typed_literal(value: object, column: Column) -> str:
    """A number compared with a text column is written as text: PostgreSQL refuses `text = integer`,
    and SQLite converts the number to text for such a column anyway, so its results stay the same."""
    if _is_number(value) and _TEXTUAL_TYPE.search(column.type):
        return literal(str(value))
    return literal(value)


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """Plain lower-case names stay bare; anything else is quoted (PostgreSQL folds bare names)."""
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = {
    "order",
    "group",
    "select",
    "from",
    "where",
    "table",
    "user",
    "limit",
    "by",
    "to",
    "desc",
    "asc",
    "all",
    "and",
    "or",
    "not",
}
