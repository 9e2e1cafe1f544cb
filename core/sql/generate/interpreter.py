"""Tags → Query: what the question asks, read left to right, one method per tag kind.

The reading's state (the query so far, the main table, aggregates waiting for their column…)
lives in one `Reading` object. Each tag kind has one method, `_on_<kind>(reading, i)`, that
reads the tag at position i, possibly with the tags after it ("more than 20 age"), and returns
how many tags it consumed. Inside a method the constructions are tried in a fixed order, most
specific first; a tag no construction explains makes the engine abstain. After the last tag,
the completion (completion.py) checks the query as a whole; which column a word means is the
resolver's (resolution.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from core.sql.generate.completion import Completion
from core.sql.generate.joins import JoinGraph
from core.sql.generate.metrics import Measure
from core.sql.generate.periods import Periods, is_year, is_year_column
from core.sql.generate.query import Abstain, Filter, Query, RelatedRows, Select, TableAverage
from core.sql.generate.reading import Reading
from core.sql.generate.resolution import Resolver
from core.sql.generate.schema_index import Column, SchemaIndex
from core.sql.generate.tags import Tag, TagKind
from core.sql.generate.tokens import Word

K = TagKind
# Verbs of paying: "spent the most" ranks by an amount, never by how many rows there are
_SPENDING = {"spend", "spent", "pay", "paid", "cost", "earn", "earned"}
_SORT_VERBS = ("sort", "order", "rank", "arrange")
_KEY_WORDS = re.compile(r"\b(id|ids|code|codes|number|key)\b")

Handler = Callable[[Reading, int], int]  # reads the tag at i (and maybe more); returns how many it consumed


class Interpreter:
    def __init__(self, schema: SchemaIndex, joins: JoinGraph, periods: Periods) -> None:
        self.schema = schema
        self.periods = periods
        self.joins = joins
        self.resolver = Resolver(schema)
        self.completion = Completion(schema, joins, self.resolver)
        self._handlers: dict[TagKind, Handler] = {
            K.COUNT: self._on_count,
            K.AGG: self._on_agg,
            K.EXTREME: self._on_extreme,
            K.BY: self._on_by,
            K.MEASURE: self._on_measure,
            K.COMMON: self._on_common,
            K.SUPER_COL: self._on_super_col,
            K.DISTINCT: self._on_distinct,
            K.TABLE: self._on_table,
            K.COLUMN: self._on_column,
            K.CMP: self._on_cmp,
            K.BUCKET: self._on_bucket,
            K.BOTH: self._on_both,
            K.CONTAINS: self._on_contains,
            K.TIME_CMP: self._on_time_cmp,
            K.NUMBER: self._on_number,
            K.DIR: self._on_dir,
            K.NOT: self._on_not,
            K.OR: self._on_or,
            K.VALUE: self._on_value,
            K.CMP_COL: self._on_cmp_col,
            K.GROUP: self._on_group,
            K.ORDER: self._on_order,
            K.PERIOD: self._on_period,
            K.BREAK: self._on_break,
            K.TOP: self._on_top,
            K.ORDER_COL: self._on_order_col,
            K.ASK_COL: self._on_ask_col,
        }

    def interpret(self, tags: list[Tag], words: list[Word]) -> Query:
        reading = self._start(tags, words)
        i = 0
        while i < len(reading.tags):
            tag = reading.tags[i]
            handler = self._handlers.get(tag.kind)
            if handler is None:  # "between" with nothing to bound, a stray UNKNOWN
                raise Abstain(f"cannot place '{tag.text}'")
            i += handler(reading, i)
        return self.completion.complete(reading)

    # ---- before the first tag --------------------------------------------------------------

    def _start(self, all_tags: list[Tag], words: list[Word]) -> Reading:
        query = Query(relation_verb=any(tag.kind == K.RELATION for tag in all_tags))
        tags = [tag for tag in all_tags if tag.kind not in (K.FILLER, K.RELATION)]
        mentioned = [t for tag in tags if tag.kind == K.TABLE for t in tag.tables]
        # A table word that is also a column of another mentioned table is that column
        # ("singers in each country" where country is a column of singer).
        for index, tag in enumerate(tags):
            if tag.kind == K.TABLE and tag.table_word.columns:
                others = [t for t in mentioned if t not in tag.tables]
                # …but not a key to the table the word names: "airlines with 10 flights" are airlines.
                columns = tuple(
                    c
                    for c in tag.table_word.columns
                    if c.table in others and not any(_refers_to(c, t) for t in tag.tables)
                )
                if columns:
                    tags[index] = tag.as_column(columns)
        for index, tag in enumerate(tags):
            # "the makers and models" where model_list.Model sits beside model_list.Maker
            if tag.kind == K.TABLE and tag.table_word.columns and index and tags[index - 1].kind == K.COLUMN:
                joined_by_and = tag.start and words[tag.start - 1].lower == "and"
                neighbours = {c.table for c in tags[index - 1].columns}
                columns = tuple(c for c in tag.table_word.columns if c.table in neighbours)
                if joined_by_and and columns:
                    tags[index] = tag.as_column(columns)
        # "customers without orders": the negated table is only looked up, never joined
        negated = {
            tags[n + 1].start for n, tag in enumerate(tags[:-1]) if tag.kind == K.NOT and tags[n + 1].kind == K.TABLE
        }
        _check_one_row_per_table(tags, words)
        in_play: list[str] = []
        for tag in tags:
            if tag.kind != K.TABLE or tag.start in negated:
                continue
            if len(tag.tables) != 1:
                raise Abstain(f"'{tag.text}' could be several tables")
            if tag.tables[0] not in in_play:
                in_play.append(tag.tables[0])
        # How many column words each table could explain: with no table named, the table that
        # explains them all settles ambiguous words ("makers and models" → model_list).
        coverage: dict[str, int] = {}
        for tag in tags:
            if tag.kind == K.COLUMN:
                for table in {c.table for c in tag.columns}:
                    coverage[table] = coverage.get(table, 0) + 1
        # Periods of a business metric are about its rows: "top customers by revenue in 2023" is
        # the revenue of 2023's orders, not customers who signed up in 2023.
        dated = {self._dated_table(tag.measure) for tag in tags if tag.kind == K.MEASURE}
        return Reading(
            tags=tags,
            words=words,
            query=query,
            main=in_play[0] if in_play else None,
            in_play=in_play,
            coverage=coverage,
            negated=negated,
            period_table=dated.pop() if len(dated) == 1 else None,
            sort_verb=words[0].lower in _SORT_VERBS,  # tagged as filler
            relations={at for tag in all_tags if tag.kind == K.RELATION for at in range(tag.start, tag.end)},
        )

    # ---- one method per tag kind -----------------------------------------------------------

    def _on_count(self, r: Reading, i: int) -> int:
        """ "how many", "number of": counts what comes next (a table) or, at the end, the main rows."""
        r.pending_count = True
        return 1

    def _on_agg(self, r: Reading, i: int) -> int:
        """ "average", "total": waits for its column. "… on average" at the end: of the one
        quantity shown."""
        tag, q = r.tags[i], r.query
        plain = [s for s in q.selects if s.agg is None and s.column is not None]
        if tag.text.lower() == "on average" and i == len(r.tags) - 1 and len(q.selects) == 1 and plain:
            column = plain[0].column
            assert column is not None
            if column.kind != "number" and not column.numeric_text:
                raise Abstain(f"'{column.name}' is not a number")
            q.selects = [Select(column, "AVG")]
            return 1
        r.pending_aggs.append(tag.aggregate)
        return 1

    def _on_extreme(self, r: Reading, i: int) -> int:
        """ "most", "highest", "fewest": a count order, a ranking by a metric, a MIN/MAX, or a superlative row."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        counted = _counted_table(r.tags, i + 1)
        if counted is not None and (r.kind_at(i + 1) == K.COUNT or tag.text.lower() in ("most", "fewest", "least")):
            # "the year with the most concerts", "the shop with the fewest employees"
            skip, table = counted
            apart = r.tags[i + skip].start > tag.end  # "the most in total on dogs", not "the most dogs"
            if r.kind_at(i + 1) != K.COUNT and apart and _asks_for_a_sum(r.words):
                # "the owner who spent the most in total on dogs": a sum of what was paid, not a count of dogs
                raise Abstain(f"'{tag.text}' of a total, and no amount to add up")
            q.count_table = table
            q.count_order = "DESC" if tag.aggregate == "MAX" else "ASC"
            q.limit = q.limit or 1
            return 1 + skip
        if nxt is not None and nxt.kind == K.MEASURE and r.seen_table:
            # "the customer with the highest revenue"
            self._rank(q, self._add_measure(q, nxt.measure), r.main, "ASC" if tag.aggregate == "MIN" else "DESC")
            return 2
        shown = _single_shown(q)
        grouping = shown is not None and shown.kind == "text" and not r.seen_table
        if nxt is not None and nxt.kind == K.MEASURE and grouping and shown is not None:
            # "which category had the most units sold": the one value of the shown column with the
            # highest total. The lowest would miss values with no rows at all, as in _rank.
            if tag.aggregate == "MIN" or q.group_by is not None:
                raise Abstain(f"cannot place '{tag.text}'")
            q.group_by = shown
            q.rank = (self._add_measure(q, nxt.measure), "DESC")
            q.limit = q.limit or 1
            return 2
        previous = r.kind_at(i - 1) if i else None
        if (
            not r.seen_table
            and previous not in (K.COLUMN, K.VALUE)
            and nxt is not None
            and nxt.kind in (K.COLUMN, K.AGG, K.EXTREME)
        ):
            r.pending_aggs.append(tag.aggregate)  # "the highest age of singers": MAX(age)
            return 1
        if nxt is not None and nxt.kind == K.COLUMN and r.seen_table:
            # "the singer with the highest age": the row, by that column
            column = self.resolver.column(r, nxt)
            if column.kind not in ("number", "date"):
                raise Abstain(f"'{nxt.text}' is not a number")
            q.order_by = (column, "DESC" if tag.aggregate == "MAX" else "ASC")
            q.limit = q.limit or 1
            return 2
        raise Abstain(f"cannot place '{tag.text}'")

    def _on_by(self, r: Reading, i: int) -> int:
        """ "by": ranks by a metric or a count after "top N", sorts after "Sort …", else groups."""
        nxt, q = r.at(i + 1), r.query
        if nxt is not None and nxt.kind == K.MEASURE and r.seen_table and q.limit is not None:
            # "top 5 customers by revenue"
            self._rank(q, self._add_measure(q, nxt.measure), r.main, "DESC")
            return 2
        counted = _counted_table(r.tags, i + 1)
        if q.limit is not None and r.seen_table and nxt is not None and nxt.kind == K.COUNT and counted is not None:
            # "top 5 customers by number of orders": counted and shown
            skip, table = counted
            label = re.sub(r"\W+", "_", " ".join(t.text for t in r.tags[i + 1 : i + 1 + skip]).lower())
            q.selects.append(Select(self.resolver.primary_key(table), "COUNT", label=label))
            self._rank(q, q.selects[-1], r.main, "DESC")
            return 1 + skip
        if r.sort_verb and q.order_by is None and nxt is not None and nxt.kind == K.COLUMN:
            # "Sort employee names by their age (in descending order)"
            direction, consumed = "ASC", 2
            following = r.at(i + 2)
            if following is not None and following.kind == K.DIR:
                direction, consumed = following.direction, 3
            q.order_by = (self.resolver.column(r, nxt), direction)
            return consumed
        if q.limit is not None and q.order_by is None and nxt is not None and nxt.kind == K.COLUMN:
            # "top 5 products by unit price"
            column = self.resolver.column(r, nxt)
            if column.kind not in ("number", "date"):
                raise Abstain(f"'{nxt.text}' is not a quantity to rank by")
            q.order_by = (column, "DESC")
            return 2
        return self._group_by_column(r, i)

    def _on_measure(self, r: Reading, i: int) -> int:
        """A business metric ("total revenue in 2022"): its aggregate, its conditions always applied."""
        tag = r.tags[i]
        aggregate = tag.measure.select.agg
        if (
            r.pending_distinct
            or any(a != aggregate for a in r.pending_aggs)
            or (r.pending_count and aggregate != "COUNT")
        ):
            raise Abstain(f"'{tag.text}' is a {aggregate} of its own")
        self._add_measure(r.query, tag.measure)
        r.pending_aggs, r.pending_count = [], False
        return 1

    def _on_common(self, r: Reading, i: int) -> int:
        """ "the most common nationality": the column's values by how often they occur."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        shown = _single_shown(q)
        if (nxt is None or nxt.kind != K.COLUMN) and shown is not None and q.group_by is None and i == 1:
            # "Which nationality is most common?": the column asked about comes first
            q.group_by, q.count_order, q.limit = shown, tag.direction, q.limit or 1
            return 1
        if nxt is None or nxt.kind != K.COLUMN:
            raise Abstain(f"'{tag.text}' needs a column")
        column = self.resolver.column(r, nxt)
        q.selects.append(Select(column))
        q.group_by = column
        q.count_order = tag.direction
        q.limit = q.limit or 1
        return 2

    def _on_super_col(self, r: Reading, i: int) -> int:
        """ "the youngest", "the most recent": the row first by the column the adjective names.
        Before that very column ("average and oldest age") it is the column's extreme."""
        named = r.tags[i].named
        nxt = r.at(i + 1)
        if nxt is not None and nxt.kind == K.COLUMN and not r.seen_table:
            column = self.resolver.named_column(r, named.name)
            if column in nxt.columns:
                r.pending_aggs.append("MAX" if named.op == "DESC" else "MIN")
                return 1
        r.query.order_by = (self.resolver.named_column(r, named.name), named.op)
        r.query.limit = r.query.limit or 1
        return 1

    def _on_distinct(self, r: Reading, i: int) -> int:
        """ "different", "distinct": for the column that follows."""
        if r.pending_aggs:
            raise Abstain(f"cannot place '{r.tags[i].text}'")
        r.pending_distinct = True
        return 1

    def _on_table(self, r: Reading, i: int) -> int:
        """A table word: what is counted, or the rows asked about; later words describe it."""
        tag = r.tags[i]
        listed = self._listed_after_columns(r, i)
        if listed is not None:
            r.query.selects.append(Select(listed))  # "conductors' names and the orchestras"
        r.seen_table = True
        r.recent = tag.tables[0]
        if r.pending_count:
            r.query.selects.append(Select(None, "COUNT", counted=tag.tables[0]))
            r.pending_count = False
        if r.pending_aggs or r.pending_distinct:
            raise Abstain(f"'{tag.text}' follows an aggregate without a column")
        return 1

    def _on_column(self, r: Reading, i: int) -> int:
        """A column word: a condition when a value, comparison or number follows, else what to show."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        # "Which continent is Anguilla in?": the column is what is asked and the value, found
        # in another column, picks the row.
        asks_of_value = (
            nxt is not None
            and nxt.kind == K.VALUE
            and not r.seen_table
            and not r.words[nxt.start].quoted
            and not any(h.column in tag.columns for h in nxt.hits)
        )
        if nxt is not None and nxt.kind == K.VALUE and not asks_of_value:
            q.filters.append(self.resolver.column_value_filter(r, tag, nxt))
            return 2
        if nxt is not None and nxt.kind == K.CONTAINS and r.kind_at(i + 2) == K.VALUE:
            # "a state containing 'North'"
            q.filters.append(_containing(self.resolver.column(r, tag), r.tags[i + 2]))
            return 3
        counted = r.at(i + 3)
        if (
            nxt is not None
            and nxt.kind == K.CMP
            and r.kind_at(i + 2) == K.NUMBER
            and counted is not None
            and counted.kind == K.TABLE
            and counted.tables == (tag.columns[0].table,)
            and not r.pending_aggs
            and not r.pending_count
        ):
            # "hometowns shared by at least two teachers": hometowns by count of teachers
            q.selects.append(Select(self.resolver.column(r, tag)))
            q.count_table, q.having = counted.tables[0], (nxt.op, r.tags[i + 2].number)
            return 4
        if nxt is not None and nxt.kind == K.TIME_CMP:
            return 1  # "birth year before 1945": the bound reads its column from here
        if nxt is not None and nxt.kind == K.NOT and r.kind_at(i + 2) == K.VALUE:
            q.filters.append(
                _negated(self.resolver.column_value_filter(r, tag, r.tags[i + 2]))
            )  # "whose hometown is not X"
            return 3
        column = self.resolver.column(r, tag)
        return self._compare_column(r, i, column) or self._show_column(r, i, column)

    def _listed_after_columns(self, r: Reading, i: int) -> Column | None:
        """A table word ending a list of what to show ("names and the orchestras they led"): the
        column its rows are called by, when it has one."""
        tag, previous = r.tags[i], r.at(i - 1) if i else None
        before = [w.lower for w in r.words[max(0, tag.start - 2) : tag.start]]
        joined = before[-1:] == ["and"] or before == ["and", "the"]
        if previous is None or previous.kind != K.COLUMN or not joined:
            return None
        shown = [s.column for s in r.query.selects if s.agg is None and s.column is not None]
        if not shown or shown[-1] not in previous.columns or shown[-1].table == tag.tables[0]:
            return None
        return self.resolver.title_column(tag.tables[0])

    def _on_cmp(self, r: Reading, i: int) -> int:
        """ "more than", "at least": a bound on a column, or on a count of related rows."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        after = r.at(i + 2)
        if _is_average(r.tags, i + 1) and after is not None and after.kind == K.COLUMN:
            column = self.resolver.column(r, after)  # "singers above the average age"
            _check_quantity(column, after.text)
            q.filters.append(Filter(column, tag.op, TableAverage(column)))
            return 3
        if nxt is not None and nxt.kind == K.COLUMN and _is_average(r.tags, i + 2):
            column = self.resolver.column(r, nxt)  # "stores with more products than average"
            _check_quantity(column, nxt.text)
            q.filters.append(Filter(column, tag.op, TableAverage(column)))
            return 3 + self._same_column_follows(r, i + 3, column)
        if nxt is not None and nxt.kind == K.COLUMN and after is not None and after.kind == K.NUMBER:
            column = self.resolver.column(r, nxt)  # "singers above age 20"
            _check_quantity(column, nxt.text)
            q.filters.append(Filter(column, tag.op, after.number))
            return 3
        if nxt is not None and nxt.kind == K.NUMBER and after is not None and after.kind == K.COLUMN:
            column = self.resolver.column(r, after)  # "cars with more than 4 cylinders"
            _check_quantity(column, after.text)
            q.filters.append(Filter(column, tag.op, nxt.number))
            return 3
        counted = _counted_table(r.tags, i + 2, count_word=False)
        if nxt is not None and nxt.kind == K.NUMBER and counted is not None:
            # "airlines that have at least 10 flights"
            skip, table = counted
            q.count_table, q.having = table, (tag.op, nxt.number)
            return 2 + skip
        aged = self._age_said_of(r, i)
        if aged is not None and nxt is not None and nxt.kind == K.NUMBER:
            # "guests under 30": people compared with a bare number are compared by age
            q.filters.append(Filter(aged, tag.op, nxt.number))
            return 2
        raise Abstain(f"cannot place '{tag.text}'")

    def _age_said_of(self, r: Reading, i: int) -> Column | None:
        """The age column of the table named just before the comparison at i, when nothing after
        its number says what is compared ("pupils over 20", not "pupils over 20 kg")."""
        previous, after = r.at(i - 1) if i else None, r.at(i + 2)
        if previous is None or previous.kind != K.TABLE or len(previous.tables) != 1:
            return None
        if after is not None and after.kind in (K.TABLE, K.COLUMN, K.UNKNOWN):
            return None
        ages = [c for c in self.schema.tables[previous.tables[0]] if c.says("age") and c.kind == "number"]
        return ages[0] if len(ages) == 1 else None

    def _on_bucket(self, r: Reading, i: int) -> int:
        """ "per month", "yearly": groups by a part of the date."""
        if r.query.group_by is not None:
            raise Abstain("two groupings")
        r.query.group_by, r.query.bucket = self.periods.bucket(self._dated_rows(r), r.tags[i].unit)
        return 1

    def _on_both(self, r: Reading, i: int) -> int:
        """ "both the id and the name" (two columns), "both cats and dogs" (a related row of each)."""
        tag, nxt = r.tags[i], r.at(i + 1)
        if nxt is not None and nxt.kind == K.COLUMN:
            return 1
        after = r.at(i + 2)
        if nxt is not None and nxt.kind == K.VALUE and after is not None and after.kind == K.VALUE:
            # "students who have both cats and dogs": one related row of each, not one row that is both
            first, second = self.resolver.value_filter(r, nxt), self.resolver.value_filter(r, after)
            if first.column != second.column or first.column.table == r.main or r.main is None:
                raise Abstain(f"cannot place '{tag.text}'")
            table = first.column.table
            r.query.related += [RelatedRows(table, [first], negated=False), RelatedRows(table, [second], negated=False)]
            return 3
        raise Abstain(f"cannot place '{tag.text}'")

    def _on_time_cmp(self, r: Reading, i: int) -> int:
        """ "before 1980", "since 2023": a bound on the year (of the column just named, or the table's date)."""
        tag, nxt = r.tags[i], r.at(i + 1)
        if nxt is None or nxt.kind != K.NUMBER or not is_year(nxt.number):
            raise Abstain(f"'{tag.text}' needs a year")
        previous = r.at(i - 1) if i else None
        column = self.resolver.column(r, previous) if previous is not None and previous.kind == K.COLUMN else None
        if column is None and tag.start:
            column = self._dated_by_verb(r, r.words[tag.start - 1])
        r.query.filters.append(self.periods.year_bound(column, self._dated_rows(r), tag.op, int(nxt.number)))
        return 2

    def _on_number(self, r: Reading, i: int) -> int:
        """A number: a count bound ("2 or more paragraphs"), a limit ("3 oldest"), a value, or a year."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        counted = _counted_table(r.tags, i + 2, count_word=False)
        if nxt is not None and nxt.kind == K.CMP and nxt.text.lower().startswith("or ") and counted is not None:
            # "documents that have 2 or more paragraphs"
            skip, table = counted
            q.count_table, q.having = table, (nxt.op, tag.number)
            return 2 + skip
        counted = _counted_table(r.tags, i + 1, count_word=False)
        bound = r.at(i + 2)
        if counted is not None and bound is not None and bound.kind == K.CMP and bound.text.lower().startswith("or "):
            # "courses with 2 sections or fewer"
            q.count_table, q.having = counted[1], (bound.op, tag.number)
            return 3
        if (
            nxt is not None
            and nxt.kind == K.COLUMN
            and r.kind_at(i + 2) == K.TABLE
            and not r.seen_table
            and not is_year(tag.number)
            and not r.pending_aggs
        ):
            # "an 8-cylinder car": the number describes the rows the next word names
            r.recent = r.tags[i + 2].tables[0]
            column = self.resolver.column(r, nxt)
            _check_quantity(column, nxt.text)
            q.filters.append(Filter(column, "=", tag.number))
            return 2
        if nxt is not None and nxt.kind in (K.EXTREME, K.SUPER_COL) and not r.pending_aggs:
            q.limit = int(tag.number)  # "the 3 oldest singers"
            return 1
        if nxt is not None and nxt.kind == K.COLUMN and r.seen_table and not is_year(tag.number):
            column = self.resolver.column(r, nxt)  # "cars with 8 cylinders"
            _check_quantity(column, nxt.text)
            q.filters.append(Filter(column, "=", tag.number))
            return 2
        if nxt is not None and nxt.kind == K.TIME_CMP and nxt.text.lower().startswith("or ") and is_year(tag.number):
            # "in 2014 or later": the bound follows its year
            before = r.at(i - 1) if i else None
            bounded = self.resolver.column(r, before) if before is not None and before.kind == K.COLUMN else None
            q.filters.append(self.periods.year_bound(bounded, self._dated_rows(r), nxt.op, int(tag.number)))
            return 2
        if is_year(tag.number) and (i == 0 or r.kind_at(i - 1) not in (K.CMP, K.CMP_COL, K.TOP)):
            return self._on_period(r, i)
        raise Abstain(f"cannot place '{tag.text}'")

    def _on_period(self, r: Reading, i: int) -> int:
        """A year, "March 2024" or "last month": a date range on the rows' date column."""
        r.query.filters.extend(self.periods.filters(r.tags[i], self._dated_rows(r), r.query.notes))
        return 1

    def _on_dir(self, r: Reading, i: int) -> int:
        """ "ascending", "from oldest to youngest": the direction of an ordering, before or after it."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        if nxt is not None and nxt.kind == K.COLUMN and q.order_by is None:
            q.order_by = (self.resolver.column(r, nxt), tag.direction)  # "in ascending order of age"
            return 2
        if nxt is not None and nxt.kind == K.DIR and nxt.direction == tag.direction:
            return 1  # "in ascending alphabetical order": one direction said twice; the second places it
        if nxt is not None and nxt.kind == K.ORDER:
            return 1  # "in descending order of X": the order tag reads this direction
        if q.order_by is not None and q.limit is None:
            q.order_by = (q.order_by[0], tag.direction)
            return 1
        if q.order_by is None and q.rank is None and {"oldest", "youngest"} & set(tag.text.lower().split()):
            # "from youngest to oldest" orders by age, whatever is shown
            q.order_by = (self.resolver.named_column(r, "age"), tag.direction)
            return 1
        shown = _single_shown(q)
        if q.order_by is None and nxt is None and shown is not None:
            # "List the earnings of poker players in descending order": by what is shown
            q.order_by = (shown, tag.direction)
            return 1
        raise Abstain(f"cannot place '{tag.text}'")

    def _on_not(self, r: Reading, i: int) -> int:
        """ "never", "without", "not": rows with no related rows, or a value excluded."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        if nxt is not None and nxt.kind == K.TABLE and nxt.start in r.negated:
            # "products that were never ordered", "customers without orders"
            table = nxt.tables[0]
            if table == r.main or r.main is None:
                raise Abstain(f"cannot place '{tag.text} {nxt.text}'")
            q.related.append(RelatedRows(table))
            return 2
        after = r.at(i + 2)
        if nxt is not None and nxt.kind == K.COLUMN and after is not None and after.kind == K.VALUE:
            # "conductors that do not have the nationality 'USA'"
            q.filters.append(_negated(self.resolver.column_value_filter(r, nxt, after)))
            return 3
        # "countries whose continent is not Asia": only a value may follow
        if nxt is None or nxt.kind != K.VALUE:
            raise Abstain("negation of anything but a value needs an LLM")
        previous = r.at(i - 1) if i else None
        if (
            previous is not None
            and previous.kind == K.COLUMN
            and q.filters
            and q.filters[-1].column in previous.columns
        ):
            raise Abstain("cannot place 'not'")
        q.filters.append(_negated(self.resolver.value_filter(r, nxt)))
        return 2

    def _on_or(self, r: Reading, i: int) -> int:
        """ "9 or 10" widens the equality just read; "Asia or Europe" is merged into IN at the end."""
        nxt, q = r.at(i + 1), r.query
        if nxt is not None and _widens_equality(q.filters, r.tags, i):
            # "grade 9 or 10", "aged either 32 or 33"
            last = q.filters[-1]
            q.filters[-1] = replace(last, op="IN", value=[last.value, nxt.number])
            return 2
        previous = r.at(i - 1) if i else None
        if previous is None or nxt is None or previous.kind != K.VALUE or nxt.kind != K.VALUE:
            raise Abstain("'or' between anything but two values needs an LLM")
        return 1

    def _on_contains(self, r: Reading, i: int) -> int:
        """ "documents that contain the letter 'w' in their description": a text condition on
        the column named after the value."""
        value, column = r.at(i + 1), self._column_after_in(r, i + 2)
        if value is None or value.kind != K.VALUE or column is None:
            raise Abstain(f"cannot place '{r.tags[i].text}'")
        r.query.filters.append(_containing(column, value))
        return 3

    def _column_after_in(self, r: Reading, i: int) -> Column | None:
        """The column of "in its title", "in their description" at tag i."""
        tag = r.at(i)
        if tag is None or tag.kind != K.COLUMN or "in" not in {w.lower for w in r.words[tag.start - 3 : tag.start]}:
            return None
        column = self.resolver.column(r, tag)
        return column if column.kind == "text" else None

    def _on_value(self, r: Reading, i: int) -> int:
        """A literal from the data ("Germany"): a condition on the column that holds it."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        if r.words[tag.start].quoted and not tag.hits and (column := self._column_after_in(r, i + 1)) is not None:
            # "a song with 'Hey' in its title": no such title, a part of one
            q.filters.append(_containing(column, tag))
            return 2
        if r.words[tag.end - 1].possessive and nxt is not None and nxt.kind == K.TABLE:
            # "Kyle's friends" where friends link students to students twice: which side is Kyle?
            holders = {h.column.table for h in tag.hits}
            if any(self.joins.edges_between(holder, nxt.tables[0]) > 1 for holder in holders):
                raise Abstain(f"'{tag.text}'s {nxt.text}' could be read either way round")
        if nxt is not None and nxt.kind == K.COLUMN and any(h.column in nxt.columns for h in tag.hits):
            # "the business segment": the value, then the column that holds it.
            q.filters.append(self.resolver.column_value_filter(r, nxt, tag))
            return 2
        q.filters.append(self.resolver.value_filter(r, tag))
        r.recent = q.filters[-1].column.table
        return 1

    def _on_cmp_col(self, r: Reading, i: int) -> int:
        """ "older than 30", "heavier than average": a bound on the column the comparative names."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        named = tag.named
        if _is_average(r.tags, i + 1):
            column = self.resolver.named_column(r, named.name)  # "singers older than average"
            _check_quantity(column, tag.text)
            q.filters.append(Filter(column, named.op, TableAverage(column)))
            return 2 + self._same_column_follows(r, i + 2, column)
        if nxt is None or nxt.kind != K.NUMBER:
            raise Abstain(f"'{tag.text}' needs a number")
        q.filters.append(Filter(self.resolver.named_column(r, named.name), named.op, nxt.number))
        return 2

    def _on_group(self, r: Reading, i: int) -> int:
        """ "for each", "per": groups by a table's key or by a column."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        if nxt is not None and nxt.kind == K.TABLE:
            table = nxt.tables[0]
            if (
                table == r.main
                and q.group_by is None
                and not (r.pending_aggs or r.pending_count or any(s.agg for s in q.selects))
            ):
                pass  # "name and age for every singer": every row
            elif table != r.main:
                q.group_by = self.resolver.primary_key(table)  # "number of concerts in each stadium"
            else:
                raise Abstain(f"cannot place '{tag.text} {nxt.text}'")
            return 2
        return self._group_by_column(r, i)

    def _on_order(self, r: Reading, i: int) -> int:
        """ "ordered by", "sorted": the ordering column, its direction before or after it."""
        nxt, q = r.at(i + 1), r.query
        if nxt is not None and nxt.kind == K.DIR and q.order_by is None:
            # "ordered by ascending age"; "sorted alphabetically": by what is shown
            following = r.at(i + 2)
            if following is not None and following.kind == K.COLUMN:
                q.order_by = (self.resolver.column(r, following), nxt.direction)
                return 3
            shown = _single_shown(q)
            if following is not None or shown is None:
                raise Abstain("ordering needs a column")
            q.order_by = (shown, nxt.direction)
            return 2
        if nxt is None or nxt.kind != K.COLUMN:
            raise Abstain("ordering needs a column")
        direction, consumed = "ASC", 2
        following, previous = r.at(i + 2), r.at(i - 1) if i else None
        if following is not None and following.kind == K.DIR:
            direction, consumed = following.direction, 3
        elif previous is not None and previous.kind == K.DIR:
            direction = previous.direction
        q.order_by = (self.resolver.column(r, nxt), direction)
        return consumed

    def _on_break(self, r: Reading, i: int) -> int:
        """A second sentence: "Which owner owns the most dogs? List the owner id and last name."."""
        rest = r.tags[i + 1 :]
        listed = [self.resolver.column(r, t) for t in rest] if all(t.kind == K.COLUMN for t in rest) else []
        if listed:
            _show_listed(r.query, listed)
            return len(r.tags) - i  # the listed columns end the reading
        return 1

    def _on_top(self, r: Reading, i: int) -> int:
        """ "top 5": a limit; "top net worth" (no number): the column's maximum."""
        nxt = r.at(i + 1)
        if nxt is not None and nxt.kind == K.COLUMN and not r.seen_table and not r.pending_aggs:
            r.pending_aggs.append("MAX")
            return 1
        if nxt is None or nxt.kind != K.NUMBER:
            raise Abstain("'top' needs a number")
        r.query.limit = int(nxt.number)
        return 2

    def _on_ask_col(self, r: Reading, i: int) -> int:
        """ "how old are the dogs", "how much does the youngest dog weigh": the column the words ask for."""
        name = r.tags[i].named.name
        # what the question is about: its main rows ("students …, and how old are they?"), else
        # the rows named next ("How old are the dogs?")
        following = next((t.tables[0] for t in r.tags[i + 1 :] if t.kind == K.TABLE), None)
        table = r.main if r.seen_table else following
        if table is None:
            raise Abstain(f"'{r.tags[i].text}' of what?")
        found = [c for c in self.schema.tables[table] if c.says(name)]
        if len(found) != 1:
            raise Abstain(f"no single '{name}' column")
        column = found[0]
        aggregates: list[str | None] = list(r.pending_aggs) or [None]
        r.query.selects.extend(Select(column, agg) for agg in aggregates)
        r.pending_aggs = []
        return 1

    def _on_order_col(self, r: Reading, i: int) -> int:
        """ "oldest first", "most recent first": every row, ordered by the column the adjective names."""
        if r.query.order_by is not None or r.query.rank is not None:
            raise Abstain(f"cannot place '{r.tags[i].text}'")
        named = r.tags[i].named
        r.query.order_by = (self.resolver.named_column(r, named.name), named.op)
        return 1

    # ---- parts shared by several tag kinds -------------------------------------------------

    def _group_by_column(self, r: Reading, i: int) -> int:
        """ "by country", "for each nationality": GROUP BY the column that follows."""
        nxt = r.at(i + 1)
        if nxt is None or nxt.kind != K.COLUMN:
            raise Abstain(f"cannot place '{r.tags[i].text}'")
        r.query.group_by = self.resolver.column(r, nxt)
        return 2

    def _compare_column(self, r: Reading, i: int, column: Column) -> int:
        """A column compared: "weight below average", "age over 20", "weight between 10 and 20",
        "weight heavier than 10", "age 20"; 0 when no comparison follows it."""
        tag, nxt, q = r.tags[i], r.at(i + 1), r.query
        if nxt is None:
            return 0
        after = r.at(i + 2)
        if nxt.kind in (K.CMP, K.CMP_COL) and _is_average(r.tags, i + 2):
            # "whose weight is below the average (weight)"
            op = nxt.op if nxt.kind == K.CMP else nxt.named.op
            consumed = 3 + self._same_column_follows(r, i + 3, column)
            q.filters.append(Filter(column, op, TableAverage(column)))
            return consumed
        if nxt.kind == K.CMP and after is not None and after.kind == K.NUMBER:
            _check_quantity(column, tag.text)
            if r.kind_at(i + 3) in (K.TABLE, K.COLUMN):
                raise Abstain("counts of related rows ('at least 10 flights') need an LLM")
            q.filters.append(Filter(column, nxt.op, after.number))
            return 3
        last = r.at(i + 3)
        if (
            nxt.kind == K.BETWEEN
            and after is not None
            and after.kind == K.NUMBER
            and last is not None
            and last.kind == K.NUMBER
        ):
            _check_quantity(column, tag.text)  # "weight between 10 and 20"
            q.filters.append(Filter(column, ">=", after.number))
            q.filters.append(Filter(column, "<=", last.number))
            return 4
        if nxt.kind == K.CMP_COL and after is not None and after.kind == K.NUMBER:
            _check_quantity(column, tag.text)  # "whose weight is heavier than 10"
            q.filters.append(Filter(column, nxt.named.op, after.number))
            return 3
        if nxt.kind == K.NUMBER and r.seen_table:
            q.filters.append(Filter(column, "=", nxt.number))
            return 2
        return 0

    def _show_column(self, r: Reading, i: int, column: Column) -> int:
        """A column to show, with the aggregates, count or "different" waiting for it."""
        tag, q = r.tags[i], r.query
        if r.seen_table and not r.pending_aggs and not r.pending_count:
            if any(f.column == column and f.op in ("=", "!=") for f in q.filters):
                return 1  # "where English is the official language": names the column again
            raise Abstain(f"cannot place the column '{tag.text}'")
        if r.pending_count and r.pending_distinct:
            q.selects.append(Select(column, "COUNT", distinct=True))
        elif r.pending_count:
            raise Abstain(f"'how many {tag.text}' is ambiguous")
        elif (
            not r.seen_table
            and not r.pending_aggs
            and tag.text.lower().startswith("total ")
            and column.kind == "number"
            and _asks_for_one_value(r.words)
        ):
            q.selects.append(Select(column, "SUM"))  # "What is the total amount of orders?": one number, the sum.
        elif r.pending_aggs:
            if column.kind != "number" and not column.numeric_text and any(a in ("AVG", "SUM") for a in r.pending_aggs):
                raise Abstain(f"'{tag.text}' is not a number")
            q.selects.extend(Select(column, agg) for agg in r.pending_aggs)
        else:
            if column.references and not _KEY_WORDS.search(tag.text.lower()):
                # "which airline…" over flights.airline (a key): people want the airline's name
                raise Abstain(f"'{tag.text}' is a reference to {column.references}")
            q.selects.append(Select(column))
            if r.pending_distinct or (i == 0 and self._asks_which_values(r, tag, column)):
                q.distinct = True
        r.pending_aggs, r.pending_count, r.pending_distinct = [], False, False
        return 1

    def _asks_which_values(self, r: Reading, tag: Tag, column: Column) -> bool:
        """ "Which nations do singers come from?": a plural attribute asked first is the set of
        its values, each once, as is "What codes are there?". Not names or keys ("which names"
        are the rows' own), and not after "what are the …", which lists one value per row."""
        said = r.words[tag.end - 1]
        after = [w.lower for w in r.words[tag.end : tag.end + 2]]
        return (
            (r.words[0].lower == "which" or (r.words[0].lower == "what" and after == ["are", "there"]))
            and said.lower != said.lemma
            and column.kind == "text"
            and not column.primary_key
            and "name" not in column.words
            and column != self.resolver.title_column(column.table)
        )

    def _same_column_follows(self, r: Reading, position: int, column: Column) -> int:
        """1 when the tag at position repeats the compared column ("… than the average age"), else 0."""
        tag = r.at(position)
        if tag is None or tag.kind != K.COLUMN:
            return 0
        if self.resolver.column(r, tag) != column:
            raise Abstain("compares one column with the average of another")
        return 1

    def _dated_by_verb(self, r: Reading, verb: Word) -> Column | None:
        """ "conductors of orchestras founded after 2008": the year of the founding is the
        orchestra's Year_of_Founded, whichever table the question is about."""
        named = [
            c
            for table in r.in_play
            for c in self.schema.tables[table]
            if (c.kind == "date" or is_year_column(c)) and {verb.lower, verb.lemma} & set(c.words)
        ]
        return named[0] if len(named) == 1 else None

    def _dated_rows(self, r: Reading) -> str | None:
        """The table a period or bucket is about: the metric's, the main table, or that of the columns so far."""
        return r.period_table or r.main or _table_of(r.query)

    # ---- metrics and keys ------------------------------------------------------------------

    @staticmethod
    def _add_measure(query: Query, measure: Measure) -> Select:
        select = replace(measure.select)
        query.selects.append(select)
        query.required += [replace(f) for f in measure.required if f not in query.required]
        return select

    def _rank(self, query: Query, select: Select, main: str | None, direction: str) -> None:
        """Rows of the main table ordered by a shown aggregate (select) over their related rows."""
        if main is None:
            raise Abstain("ranking needs a table to rank")
        if query.group_by is not None:
            raise Abstain("two groupings")  # a second ranking, or "per month" before it
        if direction == "ASC" and select.column is not None and select.column.table != main:
            # "the customer with the lowest revenue" may have no paid order at all: the join that
            # computes the revenue would leave exactly that customer out.
            raise Abstain("the lowest total over related rows misses rows that have none")
        query.group_by = self.resolver.primary_key(main)
        query.rank = (select, direction)
        query.limit = query.limit or 1

    def _dated_table(self, measure: Measure) -> str | None:
        """The table whose date a period means for a metric: its own, else that of a condition
        (units sold: order_items has no date, the orders it requires have)."""
        assert measure.select.column is not None  # a metric always aggregates a column
        tables = [measure.select.column.table] + [f.column.table for f in measure.required]
        return next((t for t in tables if any(c.kind == "date" for c in self.schema.tables[t])), None)


def _refers_to(column: Column, table: str) -> bool:
    return bool(column.references) and column.references.split(".")[0] == table  # type: ignore[union-attr]


def _containing(column: Column, value: Tag) -> Filter:
    if column.kind != "text":
        raise Abstain(f"'{column.name}' is not text to search")
    return Filter(column, "LIKE", f"%{value.text.strip()}%")


def _negated(item: Filter) -> Filter:
    return replace(item, op="!=")


def _counted_table(tags: list[Tag], start: int, count_word: bool = True) -> tuple[int, str] | None:
    """(tags consumed, table) when tags[start:] read "[number of] <table>"."""
    skip = 0
    if count_word and start < len(tags) and tags[start].kind == K.COUNT:
        skip = 1
    position = start + skip
    if position < len(tags) and tags[position].kind == K.TABLE and len(tags[position].tables) == 1:
        return skip + 1, tags[position].tables[0]
    return None


def _check_one_row_per_table(tags: list[Tag], words: list[Word]) -> None:
    """'a singer over 40 and a singer under 30': a table named again after 'and' is a second
    row of it, each with its own conditions — two copies of the table the engine does not write."""
    seen: set[str] = set()
    for tag in tags:
        if tag.kind != K.TABLE or len(tag.tables) != 1:
            continue
        before = tag.start - 1
        while before >= 0 and words[before].lower in ("a", "an", "another", "the"):
            before -= 1
        if tag.tables[0] in seen and before >= 0 and words[before].lower == "and":
            raise Abstain(f"two rows of {tag.tables[0]}, each described on its own")
        seen.add(tag.tables[0])


def _asks_for_a_sum(words: list[Word]) -> bool:
    return any(w.lower == "total" or w.lemma in _SPENDING for w in words)


def _asks_for_one_value(words: list[Word]) -> bool:
    return len(words) > 2 and words[0].lower in ("what", "how") and words[1].lower in ("is", "was", "much")


def _show_listed(query: Query, listed: list[Column]) -> None:
    """The columns a second sentence lists replace the plain columns of the first."""
    shown = [s.column for s in query.selects if s.agg is None]
    if any(column not in listed for column in shown):
        raise Abstain("two different lists of columns to show")
    query.selects = [Select(column) for column in listed] + [s for s in query.selects if s.agg is not None]


def _single_shown(query: Query) -> Column | None:
    plain = [s.column for s in query.selects if s.agg is None and s.column is not None]
    return plain[0] if len(plain) == 1 and len(query.selects) == 1 else None


def _is_average(tags: list[Tag], position: int) -> bool:
    return position < len(tags) and tags[position].kind == K.AGG and tags[position].aggregate == "AVG"


def _check_quantity(column: Column, text: str) -> None:
    if column.kind != "number" or column.references:
        raise Abstain(f"'{text}' is not a quantity to compare")


def _table_of(query: Query) -> str | None:
    """With no table named ("average order total per month"), the one table of the columns so far."""
    tables = {s.column.table for s in query.selects if s.column is not None} | {f.column.table for f in query.filters}
    return tables.pop() if len(tables) == 1 else None


def _widens_equality(filters: list[Filter], tags: list[Tag], i: int) -> bool:
    """'… 9 or 10' right after the filter column = 9."""
    previous, following = tags[i - 1] if i else None, tags[i + 1] if i + 1 < len(tags) else None
    return (
        bool(filters)
        and previous is not None
        and following is not None
        and previous.kind == K.NUMBER
        and following.kind == K.NUMBER
        and filters[-1].op == "="
        and filters[-1].value == previous.number
    )
