"""The interpreted Query as SQL text.

The SQL written is plain enough to run unchanged on SQLite and PostgreSQL: ISO date literals,
standard aggregates, identifiers quoted only when not lower-case.
"""

from __future__ import annotations

from collections.abc import Callable

from core.sql.generate.fan_out import counted_once, measured_once
from core.sql.generate.joins import JoinGraph
from core.sql.generate.query import Abstain, Filter, Query, RelatedRows, Select, filter_sql, literal, quote_identifier
from core.sql.generate.schema_index import Column


class Renderer:
    def __init__(self, joins: JoinGraph) -> None:
        self.joins = joins

    def render(self, query: Query, alias_prefix: str = "T") -> str:
        joins = self.joins.join_path(query.tables, query.relation_verb, query.directions)
        multi = len(query.tables) > 1
        alias = {table: (f"{alias_prefix}{n}" if multi else None) for n, table in enumerate(query.tables, start=1)}
        for table, _ in joins:
            alias.setdefault(table, f"{alias_prefix}{len(alias) + 1}")

        def ref(column: Column) -> str:
            name = quote_identifier(column.name)
            return f"{alias[column.table]}.{name}" if alias.get(column.table) else name

        joined = set(alias)

        def as_grouped(column: Column) -> Column:
            """The grouping key itself for a column the join makes equal to it: PostgreSQL accepts
            `paragraphs.doc_id` beside `GROUP BY documents.doc_id` only when it is the key named."""
            key = query.group_by
            if key is None or column == key or key.table == column.table:
                return column
            for a, b in self.joins.schema.foreign_keys:
                linked = (a == column and b == key) or (a == key and b == column)
                if linked and {a.table, b.table} <= joined and self.joins.edges_between(a.table, b.table) == 1:
                    return key
            return column

        def grouped(column: Column) -> str:
            column = as_grouped(column)
            # The cast makes substr work on PostgreSQL dates as on SQLite's ISO text.
            if query.bucket is not None and column == query.group_by:
                return f"substr(CAST({ref(column)} AS TEXT), 1, {query.bucket})"
            return ref(column)

        def expression(select: Select) -> str:
            select = measured_once(select, joins, self.joins.schema)
            if select.agg == "COUNT" and select.column is None:
                return "COUNT(*)"
            if select.column is None:
                return f"{alias[query.tables[0]]}.*" if multi else "*"
            if not select.agg:
                return grouped(select.column)
            inner = ref(select.column)
            if select.column.numeric_text and select.agg in ("AVG", "SUM"):
                inner = f"CAST({inner} AS DOUBLE PRECISION)"  # numbers kept as text: PostgreSQL will not average text
            return f"{select.agg}({'DISTINCT ' if select.distinct else ''}{inner})"

        def count_of(table: str | None) -> str:
            """COUNT(*) of the rows counted per answer row, each row once however the joins repeat it."""
            key = None if table is None else counted_once(table, joins, self.joins.schema)
            return "COUNT(*)" if key is None else f"COUNT(DISTINCT {ref(key)})"

        plain = [s.column for s in query.selects if s.column is not None and not s.agg]
        if any(column in plain[:i] for i, column in enumerate(plain)):
            # Two things asked and one column found for both ("owner's first name and their dog's
            # name" read as the dog's name twice): one of them was misread.
            raise Abstain("two of the things asked for read as the same column")
        parts = [expression(s) + (f" AS {quote_identifier(s.label)}" if s.label else "") for s in query.selects]
        distinct = query.distinct
        # PostgreSQL refuses DISTINCT with an ORDER BY outside the select list, and on SQLite the
        # order would follow whichever duplicate was kept. Grouping by the shown columns keeps each
        # row once on both, and orders a row by its first appearance in the order asked for.
        distinct_by_group = False
        if distinct and query.order_by is not None and query.order_by[0] not in plain:
            distinct = False
            # Only plain shown columns can be regrouped: `*` cannot be grouped by, and a grouping or
            # aggregate of the query's own would count other rows. Those rows are listed as joined.
            distinct_by_group = (
                len(plain) == len(query.selects)
                and query.group_by is None
                and query.having is None
                and query.count_order is None
                and query.rank is None
            )
        sql = "SELECT " + ("DISTINCT " if distinct else "") + ", ".join(parts)
        first = query.tables[0]
        sql += f" FROM {quote_identifier(first)}" + (f" AS {alias[first]}" if multi else "")
        for table, (here, there) in joins:
            sql += f" JOIN {quote_identifier(table)} AS {alias[table]} ON {ref(here)} = {ref(there)}"
        conditions = [filter_sql(f, ref) for f in [*query.filters, *query.required]]
        if joins and any(link.negated for link in query.related):
            # Measured: a "not" beside a join in the outer query was right 1 time in 8 on the
            # development sets (which rows the negation is about becomes ambiguous).
            raise Abstain("a 'not' over rows that are themselves joined needs an LLM")
        conditions += [self._related_sql(query.tables[0], link, ref) for link in query.related]
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if query.group_by is not None:
            sql += f" GROUP BY {grouped(query.group_by)}"
        if distinct_by_group:
            sql += " GROUP BY " + ", ".join(ref(column) for column in plain)
        if query.having is not None:
            sql += f" HAVING {count_of(query.count_table)} {query.having[0]} {literal(query.having[1])}"
        if query.count_order is not None:
            sql += f" ORDER BY {count_of(query.count_table)} {query.count_order}"
        if query.order_by is not None:
            column, direction = query.order_by
            key = ref(as_grouped(column))
            if distinct_by_group:
                key = f"{'MIN' if direction == 'ASC' else 'MAX'}({key})"
            sql += f" ORDER BY {key} {direction}"
        if query.rank is not None:
            select, direction = query.rank
            sql += f" ORDER BY {expression(select)} {direction}"
        if query.bucket is not None and query.count_order is None and query.order_by is None and query.rank is None:
            assert query.group_by is not None  # a bucket is always a grouping
            sql += f" ORDER BY {grouped(query.group_by)}"  # a time series reads in time order
        if query.limit is not None:
            sql += f" LIMIT {query.limit}"
        return sql

    def _related_sql(self, main: str, link: RelatedRows, ref: Callable[[Column], str]) -> str:
        """main.key [NOT] IN (the keys related rows point at), along the one foreign key that
        links main to its neighbour on the way to the related table."""
        path = self.joins.path([main], link.table)
        if path is None:
            raise Abstain(f"no foreign key path to {link.table}")
        _, neighbour, (here, there) = path[0]
        if self.joins.edges_between(main, neighbour) > 1:
            raise Abstain(f"{main} and {neighbour} join in more than one way")
        if (there, here) not in self.joins.schema.foreign_keys and not link.filters:
            # "students without a department" (student.dept_id → department) asks about a
            # missing key, not about rows that point at the student; "students not in the
            # Physics department" is fine: their key is not among Physics' keys
            raise Abstain(f"{main} refers to {neighbour}; negating that needs an LLM")
        tables = list(
            dict.fromkeys([neighbour] + [step[1] for step in path[1:]] + [f.column.table for f in link.filters])
        )
        if link.negated and len(tables) > 2:
            # Measured: negations through a chain of three or more tables were right 3 times in 7.
            raise Abstain(f"a 'not' through {len(tables)} linked tables needs an LLM")
        inner = Query(selects=[Select(there)], filters=[*link.filters, Filter(there, "IS NOT", None)], tables=tables)
        # NULL keys are left out: one NULL would make NOT IN match nothing
        return f"{ref(here)} {'NOT IN' if link.negated else 'IN'} ({self.render(inner, alias_prefix='S')})"
