"""Measures that a join makes repeat, for the renderer.

A row joined to the rows that refer to it appears once per referring row: an order joined to its
items appears once per item. MIN and MAX do not mind, but SUM, AVG and COUNT of a column of the
order would count the order that often — "top 5 products by revenue" summed each order's whole
total once per item line and showed 5.66M of a 2.25M revenue. Nothing in a schema says how a
total splits over the rows joined to it, so such a measure is refused, saying why; a count of
the table's own key is the one that stays right, counted DISTINCT. So is a count of the table's
rows ("number of orders per product" counts orders, not their item lines): COUNT(*) becomes
COUNT(DISTINCT key), or is refused when the table has no single key that tells its rows apart.
"""

from __future__ import annotations

from dataclasses import replace

from core.sql.generate.joins import Join
from core.sql.generate.query import Abstain, Select
from core.sql.generate.schema_index import Column, SchemaIndex

# Aggregates whose value changes when the same row comes twice.
_REPEAT_SENSITIVE = {"SUM", "AVG", "COUNT"}


def measured_once(select: Select, joins: list[Join], schema: SchemaIndex) -> Select:
    """The select as it must be written over these joins: unchanged where its rows come once, its
    table's key counted DISTINCT (for a COUNT(*), that of the table it counts), or Abstain."""
    column = select.column
    if column is None and select.agg == "COUNT" and select.counted is not None:
        key = counted_once(select.counted, joins, schema)
        return select if key is None else replace(select, column=key, distinct=True)
    if column is None or select.agg not in _REPEAT_SENSITIVE or select.distinct:
        return select
    repeating = repeating_table(column.table, joins, schema)
    if repeating is None:
        return select
    if select.agg == "COUNT" and _sole_key(column, schema):
        return replace(select, distinct=True)
    own = [c.name for c in schema.tables[repeating] if c.kind == "number" and not (c.primary_key or c.references)]
    raise Abstain(
        f"{column.table}.{column.name} would count once per {repeating} row, as each {column.table} row joins"
        f" several, so its {select.agg} would be inflated"
        + (f"; {repeating} has its own measures: {', '.join(own)}" if own else "")
    )


def counted_once(table: str, joins: list[Join], schema: SchemaIndex) -> Column | None:
    """The key to count DISTINCT so that each row of `table` counts once over these joins; None
    when COUNT(*) already does."""
    repeating = repeating_table(table, joins, schema)
    if repeating is None:
        return None
    keys = [c for c in schema.tables[table] if c.primary_key]
    if len(keys) != 1:
        raise Abstain(
            f"{table} would count once per {repeating} row, as each {table} row joins several,"
            f" and {table} has no single key to count each of its rows once"
        )
    return keys[0]


def repeating_table(table: str, joins: list[Join], schema: SchemaIndex) -> str | None:
    """A joined table with several rows for one row of `table`, which makes that row repeat;
    None when each join, followed outwards from `table`, meets at most one row."""
    links: dict[str, list[tuple[Column, Column]]] = {}
    for joined, (here, there) in joins:
        links.setdefault(joined, []).append((there, here))
        links.setdefault(here.table, []).append((here, there))
    seen = {table}
    frontier = [table]
    while frontier:
        current = frontier.pop()
        for mine, theirs in links.get(current, []):
            if theirs.table in seen:
                continue
            if _refers_to(theirs, mine, schema) and not _sole_key(theirs, schema):
                return theirs.table
            seen.add(theirs.table)
            frontier.append(theirs.table)
    return None


def _refers_to(column: Column, target: Column, schema: SchemaIndex) -> bool:
    return any(a == column and b == target for a, b in schema.foreign_keys)


def _sole_key(column: Column, schema: SchemaIndex) -> bool:
    """The table's one primary key column: its rows never share a value (one-to-one when it refers)."""
    return column.primary_key and sum(c.primary_key for c in schema.tables[column.table]) == 1
