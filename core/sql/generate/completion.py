"""After the last tag: the query as a whole — what to show, groupings, orderings, and how the
tables it names take part (joined, or looked up as related rows)."""

from __future__ import annotations

from core.sql.generate.joins import JoinGraph
from core.sql.generate.query import Abstain, Filter, Query, RelatedRows, Select, merge_equalities
from core.sql.generate.reading import Reading
from core.sql.generate.resolution import Resolver
from core.sql.generate.schema_index import Column, SchemaIndex
from core.sql.generate.tags import TagKind
from core.sql.generate.tokens import Word

K = TagKind
_ARTICLES = {"a", "an", "the", "any", "some"}
# Words that ask for every column of the rows, not what they are called
_WHOLE_ROWS = {"information", "info", "details", "detail", "everything", "columns", "attributes", "records", "data"}
_HAVING = {"have", "has", "had", "having", "with", "own", "owns", "owned"}


class Completion:
    def __init__(self, schema: SchemaIndex, joins: JoinGraph, resolver: Resolver) -> None:
        self.schema = schema
        self.joins = joins
        self.resolver = resolver

    def complete(self, r: Reading) -> Query:
        """The query as a whole: what to show, and checks that it means one thing."""
        query, words = r.query, r.words
        if r.pending_count and r.main is None and len({f.column.table for f in query.filters}) == 1:
            r.main = query.filters[0].column.table  # "How many cats are there?": rows of the table holding 'cat'
        main = r.main
        if r.pending_count:
            if main is None:
                raise Abstain("counting what?")
            query.selects.append(Select(None, "COUNT", counted=main))
        if r.pending_aggs or r.pending_distinct:
            raise Abstain("an aggregate without a column")
        if query.count_table is not None:
            self._count_related(query, main, words)
        if not query.selects and main is not None and (_asks_for_rows(words) or any(t.kind == K.TOP for t in r.tags)):
            if query.order_by is not None and any(t.kind == K.TOP for t in r.tags):
                # "top 5 products by unit price": which products (key and name), and the price
                query.selects += [*self._identifying(main, words), Select(query.order_by[0])]
            else:
                query.selects.append(self._rows_of(main, words))  # "list the orders": whole rows
        if query.rank is not None and all(s.agg for s in query.selects):
            assert main is not None  # a ranking always has a main table (_rank)
            query.selects[0:0] = self._identifying(main, words)  # the ranked rows, then their measure
        if not query.selects:
            raise Abstain("no column to show")
        self._check_grouping(query)
        if sum(x is not None for x in (query.count_order, query.order_by, query.rank)) > 1:
            raise Abstain("two orderings")
        for required in query.required:
            if any(f.column == required.column for f in query.filters):
                # "revenue of cancelled orders": the metric's definition already decides the status
                raise Abstain(f"the business term's definition already sets {required.column.name}")
        if (
            query.order_by is not None
            and query.limit is not None
            and any(s.agg for s in query.selects)
            and query.group_by is None
        ):
            raise Abstain("aggregate with a superlative")
        query.filters = merge_equalities(query.filters, either=any(t.kind == K.OR for t in r.tags))
        _check_ranges(query.filters)
        query.tables = self._tables(r)
        self._check_one_side_of_a_link(query)
        self._show_each_row_once(query)
        return query

    def _check_one_side_of_a_link(self, query: Query) -> None:
        """ "Names of the friends of Kyle": friend links students to students, so the names
        shown are of the other student than the one filtered — a second copy of the table the
        engine does not write."""
        shown = {s.column.table for s in query.selects if s.column is not None}
        filtered = {f.column.table for f in query.filters if f.op == "="}  # one row named: "Kyle"
        for table in shown & filtered:
            if any(self.joins.edges_between(link, table) > 1 for link in query.tables if link != table):
                raise Abstain(f"{table} is on both sides of a link")

    def _check_grouping(self, query: Query) -> None:
        """A grouping shows its key and aggregates, nothing else; no grouping, no mixing."""
        if query.group_by is None:
            extremes = [s for s in query.selects if s.agg in ("MIN", "MAX") and s.column is not None]
            plain = [s for s in query.selects if not s.agg and s.column is not None]
            if (
                len(extremes) == 1
                and plain
                and len(plain) == len(query.selects) - 1
                and query.order_by is None
                and query.limit is None  # "top 3 highest rating": a ranking, not one row
                and not query.distinct  # "for all the different cylinders": a grouping
            ):
                # "the smallest version number and its type code": the row with the smallest one
                extreme = extremes[0]
                assert extreme.column is not None
                query.order_by = (extreme.column, "ASC" if extreme.agg == "MIN" else "DESC")
                query.limit = 1
                query.selects = [Select(s.column) for s in query.selects]
            if any(s.agg for s in query.selects) and any(not s.agg for s in query.selects):
                raise Abstain("mixes aggregates and plain columns")
            return
        group_by = query.group_by
        if not any(s.agg for s in query.selects) and query.count_order is None and query.having is None:
            raise Abstain("grouping without an aggregate")
        by_key = group_by.primary_key
        key_name = f"{group_by.table}.{group_by.name}"
        if any(
            not s.agg
            and not (s.column is None and by_key)  # T1.* grouped by T1's key
            and s.column != group_by
            and not (by_key and s.column is not None and s.column.table == group_by.table)
            and not (s.column is not None and s.column.references == key_name)
            for s in query.selects
        ):
            raise Abstain("shows columns it does not group by")
        shown = [s.column for s in query.selects if not s.agg and s.column is not None]
        star = any(s.column is None and not s.agg for s in query.selects)
        if (
            group_by not in shown
            and not star
            and not any(c.references == key_name for c in shown)
            and not (by_key and any(c.table == group_by.table for c in shown))
        ):
            query.selects.insert(0, Select(group_by))

    def _tables(self, r: Reading) -> list[str]:
        """The tables the query reads, the main one first; related-row conditions placed."""
        query, main = r.query, r.main
        tables = [main] if main else []
        for column in _columns(query):
            if column.table not in tables:
                tables.append(column.table)
        if main is not None and any(f.op == "!=" and f.column.table != main for f in query.filters):
            # "students who do not have a cat": no related cat at all (NOT IN), not "some pet
            # that is not a cat" (a != on each related row)
            _negate_related(query, main)
        if query.related and any(f.column.table != main for f in query.filters):
            assert main is not None  # related rows are always of the main table's
            self._move_into_related(query, main)
        if query.related:
            assert main is not None  # related rows are always the main table's
            tables = list(dict.fromkeys([main, *(c.table for c in _columns(query))]))
        if len(tables) > 1 and any(f.op == "!=" for f in query.filters):
            raise Abstain("negation across related tables needs an LLM")
        if query.count_table is not None and query.count_table not in tables:
            tables.append(query.count_table)
        if not tables:
            raise Abstain("no table")
        unused = [t for t in r.in_play if t not in tables and t not in {a.table for a in query.related}]
        if len(unused) == 1 and main is not None and main != unused[0] and self._had(r, unused[0]):
            # "students who have a pet", "professionals who treated a dog": rows with some related row
            query.related.append(RelatedRows(unused[0], negated=False))
            unused = []
        if unused:
            # "students who have a pet": a mentioned table that takes no part is a relation
            # the engine cannot express.
            raise Abstain(f"does not know how {unused[0]} relates")
        return tables

    def _had(self, r: Reading, table: str) -> bool:
        """Whether the question says its rows have one of these ("who have a pet", "that
        treated a dog"): the table's word follows "have", "with" or a relating verb — not
        "and" ("names of teachers and the courses": something to show)."""
        if r.main is None or not self.joins.path([r.main], table):
            return False
        starts = [t.start for t in r.tags if t.kind == K.TABLE and table in t.tables]
        for start in starts:
            before = start - 1
            while before >= 0 and r.words[before].lower in _ARTICLES:
                before -= 1
            if before >= 0 and (r.words[before].lower in _HAVING or before in r.relations):
                return True
        return False

    def _show_each_row_once(self, query: Query) -> None:
        """Students filtered through their pets: each student once, not once per matching pet."""
        shown_tables = {s.column.table for s in query.selects if s.column is not None}
        joined = set(query.tables) | {
            table for table, _ in self.joins.join_path(query.tables, query.relation_verb, query.directions)
        }
        fans_out = any(
            a.table in joined and a.table not in shown_tables and b.table in shown_tables
            for a, b in self.schema.foreign_keys
        )
        if fans_out and query.group_by is None and all(s.agg is None and s.column is not None for s in query.selects):
            query.distinct = True

    def _move_into_related(self, query: Query, main: str) -> None:
        """ "Departments with no students from Paris": a condition on the negated table, or on a
        table reached through it, describes the rows that must not exist. "Cities in Europe
        where English is not official": Europe sits on the way there and stays outside."""
        if len(query.related) != 1:
            raise Abstain("conditions next to several related-row conditions need an LLM")
        link = query.related[0]

        def inside(item: Filter) -> bool:
            path = self.joins.path([main], item.column.table) or []
            return item.column.table == link.table or any(step[1] == link.table for step in path)

        link.filters.extend(f for f in query.filters if f.column.table != main and inside(f))
        query.filters = [f for f in query.filters if f.column.table == main or not inside(f)]

    def _count_related(self, query: Query, main: str | None, words: list[Word]) -> None:
        """Group so that COUNT(*) counts rows of query.count_table per answer row."""
        if (
            query.group_by is not None
            and query.having is None
            and query.count_order is not None
            and query.count_table is None
        ):
            return
        if any(s.agg for s in query.selects):
            raise Abstain("counts related rows and aggregates at once")
        plain = [s.column for s in query.selects if s.column is not None]
        if query.group_by is not None:
            raise Abstain("two groupings")
        select_tables = {c.table for c in plain} or ({main} if main else set())
        if len(select_tables) != 1:
            raise Abstain("counted rows of several tables")
        (select_table,) = select_tables
        if select_table == query.count_table:
            if len(plain) != 1 or plain[0].primary_key:
                raise Abstain("cannot tell what to count per row")
            query.group_by = plain[0]  # "which year has the most concerts": years by count
        elif len(plain) == 1 and sum(c.primary_key for c in self.schema.tables[select_table]) > 1:
            # countrylanguage is keyed by (country, language): "the language spoken in the most
            # countries" counts per language
            query.group_by = plain[0]
        else:
            query.group_by = self.resolver.primary_key(select_table)
        if not query.selects:
            query.selects.append(self._rows_of(select_table, words))

    def _identifying(self, table: str, words: list[Word]) -> list[Select]:
        """What tells ranked rows apart for a reader: the key and the name ("top 5 customers by
        revenue" shows customer_id, name, revenue — not every column with the answer off-screen)."""
        keys = [c for c in self.schema.tables[table] if c.primary_key]
        name = self._name_column(table)
        if len(keys) != 1 or name is None:
            return [self._rows_of(table, words)]
        return [Select(keys[0]), Select(name)]

    def _name_column(self, table: str) -> Column | None:
        """The one text column that names a row: `name`, `<table> name`, or the column named like the table."""
        phrases = {phrase for phrase, tables in self.schema.table_phrases.items() if table in tables}
        wanted = {("name",), ("title",)} | {(*p, "name") for p in phrases} | phrases
        names = [c for c in self.schema.tables[table] if c.kind == "text" and c.readings & wanted]
        return names[0] if len(names) == 1 else None

    def _rows_of(self, table: str, words: list[Word]) -> Select:
        """ "Which airlines…", "airlines with fewer than 200 flights" ask who they are: their
        name column. "All the information about the orders": whole rows."""
        if not any(w.lower in _WHOLE_ROWS for w in words):
            # model_list is also "model": its column Model names its rows
            phrases = {phrase for phrase, tables in self.schema.table_phrases.items() if table in tables}
            names = [
                c
                for c in self.schema.tables[table]
                if c.kind == "text" and c.readings & ({("name",)} | {(*p, "name") for p in phrases} | phrases)
            ]
            if not names:
                # "Which cartoons…": what a cartoon is called is its title
                names = [c for c in self.schema.tables[table] if c.kind == "text" and ("title",) in c.readings]
            if len(names) == 1:
                return Select(names[0])
        return Select(None)


def _asks_for_rows(words: list[Word]) -> bool:
    first = words[0].lower
    return first in ("list", "show", "display", "which", "find", "give", "get", "return") or (
        first == "what" and words[1].lower in ("are", "were")
    )


def _columns(query: Query) -> list[Column]:
    """Every column the query touches outside related-row conditions ('*' touches none)."""
    columns = [s.column for s in query.selects if s.column is not None]
    columns += [f.column for f in query.filters]
    columns += [f.column for f in query.required]
    if query.group_by is not None:
        columns.append(query.group_by)
    if query.order_by is not None:
        columns.append(query.order_by[0])
    return columns


def _check_ranges(filters: list[Filter]) -> None:
    """'before 1945 and after 1955' on one column matches nothing: it meant two sets (shared by
    both), which the engine cannot write."""
    for low in filters:
        for high in filters:
            if low.column == high.column and low.op in (">", ">=") and high.op in ("<", "<="):
                try:
                    empty = low.value >= high.value  # type: ignore[operator]
                except TypeError:
                    continue
                if empty:
                    raise Abstain(f"the bounds on {low.column.name} exclude each other")


def _negate_related(query: Query, main: str) -> None:
    """Turn != filters on related tables into one NOT IN over rows with the = filters."""
    negated = [f for f in query.filters if f.op == "!=" and f.column.table != main]
    tables = {f.column.table for f in negated}
    if len(tables) != 1:
        raise Abstain("negation across several related tables needs an LLM")
    table = tables.pop()
    # "countries where English is not the official language": no row that is both English
    # and official — the related table's conditions on other columns belong inside the negation.
    # "students who have a dog but not a cat": the same column, so a row of its own (IN).
    negated_columns = {id(f.column) for f in negated}
    alongside = [
        f for f in query.filters if f.column.table == table and f.op != "!=" and id(f.column) in negated_columns
    ]
    inside = [f for f in query.filters if f.column.table == table and f not in alongside]
    query.filters = [f for f in query.filters if f.column.table != table]
    query.related.append(RelatedRows(table, [Filter(f.column, "=" if f.op == "!=" else f.op, f.value) for f in inside]))
    query.related += [RelatedRows(table, [f], negated=False) for f in alongside]
