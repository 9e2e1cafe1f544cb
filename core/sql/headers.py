"""Result headers people can read: `orders` rather than `COUNT(*)`, `total amount` rather than `sum`.

Named from the query itself (parsed with sqlglot), so they hold for any SQL — written by the
pattern engine, an LLM, a saved example or a person's edit: an alias is kept as written, a
column is its name, an aggregate says what it aggregates, a date cut to 7 characters is a
month. When the SQL cannot be parsed or selects `*`, the database's names are kept, tidied.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

_AGGREGATE_WORDS: dict[type[exp.Expression], str] = {
    exp.Sum: "total",
    exp.Avg: "average",
    exp.Min: "lowest",
    exp.Max: "highest",
}
_DATE_PARTS = {4: "year", 7: "month", 10: "day"}


def readable_headers(columns: list[str], sql: str, dialect: str) -> list[str]:
    """One header per result column, distinct; the database's own names when unsure."""
    projections = _projections(sql, dialect)
    if projections is None or len(projections) != len(columns):
        named = [_tidy(c) for c in columns]
    else:
        named = [_name(p, table) or _tidy(c) for (p, table), c in zip(projections, columns, strict=True)]
    headers: list[str] = []
    for header, column in zip(named, columns, strict=True):
        headers.append(header if header not in headers else _tidy(column) if _tidy(column) not in headers else column)
    return headers


def _projections(sql: str, dialect: str) -> list[tuple[exp.Expression, str | None]] | None:
    """(projection, the table its FROM counts when it has no join) for each output column."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None or any(_selects_all(p) for p in select.expressions):
        return None
    source = select.args.get("from_") or select.args.get("from")  # the key's name varies across sqlglot versions
    counted = None
    if source is not None and not select.args.get("joins") and isinstance(source.this, exp.Table):
        counted = source.this.name
    return [(p, counted) for p in select.expressions]


def _selects_all(projection: exp.Expression) -> bool:
    """`*` or `T1.*`: one projection, many columns."""
    return isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star)


def _name(projection: exp.Expression, counted: str | None) -> str | None:
    if isinstance(projection, exp.Alias):
        return _tidy(projection.alias)
    if isinstance(projection, exp.Column):
        return _tidy(projection.name)
    if isinstance(projection, exp.Count):
        inner = projection.this
        if isinstance(inner, exp.Star) or inner is None:
            return _tidy(counted) if counted else "count"
        if isinstance(inner, exp.Distinct):
            columns = [_name(e, None) for e in inner.expressions]
            return "distinct " + ", ".join(c for c in columns if c) if all(columns) else None
        described = _name(inner, None)
        return f"number of {described}" if described else None
    for kind, word in _AGGREGATE_WORDS.items():
        if isinstance(projection, kind):
            described = _name(projection.this, None)
            if described is None:
                return None
            return described if described.split()[0] == word else f"{word} {described}"
    if isinstance(projection, exp.Substring):
        length = projection.args.get("length")
        start = projection.args.get("start")
        if isinstance(length, exp.Literal) and (start is None or start.name == "1") and length.name.isdigit():
            return _DATE_PARTS.get(int(length.name))
    if isinstance(projection, exp.Cast):
        return _name(projection.this, counted)
    return None


def _tidy(name: str) -> str:
    """'total_amount' → 'total amount'; 'T1.name' → 'name'."""
    name = name.rsplit(".", 1)[-1].strip('"')
    return " ".join(name.replace("_", " ").split()) or name
