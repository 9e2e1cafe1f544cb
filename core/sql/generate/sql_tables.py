"""Which tables a query reads: for proposals and their listing (the guard does its own check)."""

from __future__ import annotations


def tables_in(sql: str, dialect: str) -> list[str]:
    """Table names a query reads, CTE names excluded; [] when it does not parse."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="postgres" if dialect == "postgres" else "sqlite")
    except Exception:  # the guard reports parse errors; here it only loses a listing
        return []
    if tree is None:
        return []
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes})
