"""Schema-aware pattern engine: plain questions to SQL without an LLM, or an honest "no".

The question is read as a sequence of tags (schema tables and columns, literal values found in
the data, numbers, and a small vocabulary of aggregate, comparison, grouping and ordering
words). Every word must be explained by a tag or be a known filler word; one word it cannot
explain and the engine abstains — a wrong query that looks right is worse than no query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta

from core.sql.generate.direction import column_direction, direction_before
from core.sql.generate.metrics import Measure, Metric, measures_by_phrase
from core.sql.generate.query import (
    Abstain, RelatedRows, Filter, Query, Select, TableAverage, filter_sql, literal, merge_equalities, quote_identifier,
)
from core.sql.generate.schema_index import Column, SchemaIndex, ValueHit, normalise_value
from core.sql.generate.tokens import SENTENCE_END, Tag, Word, tokenize
from core.sql.generate.verbs import is_relation_verb
from core.sql.generate.vocabulary import (
    DATE_COLUMN, DEMONYMS, FILLER, GENERIC_COLUMN_WORDS, MARKERS, MAX_MARKER, MONTHS, PREPOSITIONS,
    QUESTION_VERBS,
)
from core.sql.generate.words import SYNONYMS, singular, split_identifier


class PatternEngine:
    def __init__(
        self,
        schema: SchemaIndex,
        today: date | None = None,
        latest_date: Callable[[str, str], date | None] | None = None,
        metrics: Iterable[Metric] = (),
    ) -> None:
        # The SQL written is plain enough to run unchanged on SQLite and PostgreSQL: ISO date
        # literals, standard aggregates, identifiers quoted only when not lower-case.
        self.schema = schema
        self.today = today  # None: the real date at each question (long-running processes)
        # latest_date(table, column): the newest date in the data, the anchor for "last month".
        self.latest_date = latest_date
        # Business metrics from the documentation ("revenue"), by their names as engine words.
        self.measures = measures_by_phrase(metrics, schema)
        self._date_words_cache: set[str] | None = None
        self._column_words_cache: set[str] | None = None

    def generate(self, question: str) -> tuple[str, list[str], list[str]]:
        """(sql, tables, notes on how words were read) or raises Abstain with the reason."""
        words = tokenize(question)
        if len(words) < 2:
            raise Abstain("the question is too short")
        tags = self.tag(words)
        unknown = [tag.text for tag in tags if tag.kind == "unknown"]
        if unknown:
            raise Abstain(f"not understood: {', '.join(unknown[:5])}")
        query = self.interpret(tags, words)
        return self.render(query), query.tables, query.notes

    # ---- tagging ---------------------------------------------------------------------------

    def tag(self, words: list[Word]) -> list[Tag]:
        tags: list[Tag] = []
        position = 0
        while position < len(words):
            tag = self._longest_tag(words, position)
            tags.append(tag)
            position = tag.end
        return tags

    def _longest_tag(self, words: list[Word], start: int) -> Tag:
        word = words[start]
        if word.text == SENTENCE_END:
            return Tag("break", start, start + 1, word.text)
        if word.quoted:
            return Tag("value", start, start + 1, word.text, self._value_hits(word.text, quoted=True))
        if re.fullmatch(r"\d+(?:\.\d+)?", word.text):
            number = float(word.text) if "." in word.text else int(word.text)
            return Tag("number", start, start + 1, word.text, number)
        best: Tag | None = None
        limit = max(self.schema.max_phrase, MAX_MARKER, 4, *(len(phrase) for phrase in self.measures))
        for end in range(min(len(words), start + limit), start, -1):
            span = words[start:end]
            lowers = tuple(w.lower for w in span)
            lemmas = tuple(w.lemma for w in span)
            text = " ".join(w.text for w in span)
            candidates: list[Tag] = []
            marker = MARKERS.get(lowers)
            if marker:
                candidates.append(Tag(marker[0], start, end, text, marker[1]))
            measure = self.measures.get(lemmas)
            if measure:
                candidates.append(Tag("measure", start, end, text, measure))
            columns = self.schema.column_phrases.get(lemmas)
            tables = self.schema.table_phrases.get(lemmas)
            if not columns and not tables and len(lemmas) == 2:
                # "high schoolers" for the table Highschooler
                joined = (singular(lowers[0] + lowers[1]),)
                columns = self.schema.column_phrases.get(joined)
                tables = self.schema.table_phrases.get(joined)
            if tables:
                candidates.append(Tag("table", start, end, text, {"tables": sorted(tables), "columns": columns or []}))
            elif columns:
                candidates.append(Tag("column", start, end, text, columns))
            hits = self._value_hits(text, quoted=False, words=span)
            if hits:
                candidates.append(Tag("value", start, end, text, hits))
            if candidates:
                # A documented business term beats the schema ("paid orders" is not status 'paid').
                # Schema words beat markers of the same length ("total" the column vs "total" the
                # word) unless an aggregate word leads into more words: "average, maximum age".
                order = {"measure": -1, "table": 0, "column": 1, "value": 2}
                following = words[end].lower if end < len(words) else None
                leads_on = following is not None and (following not in FILLER or following == "and")
                if marker and marker[0] in ("agg", "extreme") and leads_on:
                    order = {marker[0]: 0}
                candidates.sort(key=lambda tag: order.get(tag.kind, 3))
                best = candidates[0]
                break
        if best is not None:
            return best
        if word.lemma in SYNONYMS and not word.quoted:
            # "nations" in a schema that says country: read the word as its synonym
            renamed = SYNONYMS[word.lemma]
            swapped = [*words[:start], Word(renamed, renamed, renamed, position=start, following=word.following), *words[start + 1:]]
            tag = self._longest_tag(swapped, start)
            if tag.kind != "unknown":
                return tag
        ordered_table = self._table_of_verb(word)
        if ordered_table is not None:
            return Tag("table", start, start + 1, word.text, {"tables": [ordered_table], "columns": []})
        if word.lower in MONTHS and start + 1 < len(words) and re.fullmatch(r"(19|20)\d\d", words[start + 1].text):
            return Tag("period", start, start + 2, f"{word.text} {words[start + 1].text}", ("month", int(words[start + 1].text), MONTHS[word.lower]))
        if word.lower in FILLER or (start == 0 and word.lower in ("sort", "order", "rank", "arrange")):
            return Tag("filler", start, start + 1, word.text)
        if self._verb_of_value(word) or word.lemma in self._date_words:
            # "orders shipped to Germany" (status value used as a verb), "enrolled in 2023"
            # (the verb of the date column enrolled_on): words that say how, not what.
            return Tag("filler", start, start + 1, word.text)
        if is_relation_verb(word.lower, word.following, _names_something(words, start + 1)):
            # "produced by the maker": 'by' names the agent here, it does not group
            end = start + 2 if word.following == "by" else start + 1
            return Tag("relation", start, end, " ".join(w.text for w in words[start:end]))
        year = re.fullmatch(r"(19|20)\d\d", word.text)
        if year:
            return Tag("number", start, start + 1, word.text, int(word.text))
        return Tag("unknown", start, start + 1, word.text)

    def _table_of_verb(self, word: Word) -> str | None:
        """'ordered' is about the table orders: "products never ordered" has no order row."""
        if not word.lower.endswith("ed") or word.following not in (None, "in", "by", "before", "after", "since"):
            return None
        for stem in (word.lower[:-2], word.lower[:-1]):
            tables = self.schema.table_phrases.get((stem,), set())
            if len(tables) == 1:
                return next(iter(tables))
        return None

    def _verb_of_value(self, word: Word) -> bool:
        """'shipped' in "orders shipped to Germany" is a verb, not the status value 'shipped': it
        leads to a value of another column named after it (ship_country). "Orders cancelled in
        2023" names no such column: there 'cancelled' is the status."""
        if not (word.lower.endswith("ed") and word.following in PREPOSITIONS and word.lower in self.schema.values):
            return False
        return any(len(stem) >= 3 and word.lower.startswith(stem) for stem in self._column_words)

    @property
    def _column_words(self) -> set[str]:
        if self._column_words_cache is None:
            self._column_words_cache = {w for phrase in self.schema.column_phrases for w in phrase}
        return self._column_words_cache

    @property
    def _date_words(self) -> set[str]:
        if self._date_words_cache is None:
            generic = {"date", "day", "time", "on", "at", "of", "year", "month"}
            self._date_words_cache = {
                word
                for columns in self.schema.tables.values()
                for column in columns
                if column.kind == "date"
                for word in split_identifier(column.name)
                if word not in generic
            }
        return self._date_words_cache

    def _value_hits(self, text: str, *, quoted: bool, words: list[Word] | None = None) -> list[ValueHit]:
        key = normalise_value(text)
        hits = self.schema.values.get(key, [])
        if not hits and not quoted and key in DEMONYMS:
            hits = self.schema.values.get(DEMONYMS[key], [])  # "Asian countries" → 'Asia'
        if quoted:
            return hits
        if not hits or words is None:
            return []
        if len(words) == 1 and self._verb_of_value(words[0]):
            return []
        if all(w.lower in FILLER or w.lower in QUESTION_VERBS for w in words):
            return []
        capitalised = all(w.capital or not w.text.isalpha() for w in words if w.lower not in FILLER)
        # A lower-case word only counts as a value of a small category column ("cat", "europe").
        return [hit for hit in hits if capitalised or hit.category]

    # ---- interpretation --------------------------------------------------------------------

    def interpret(self, tags: list[Tag], words: list[Word]) -> Query:
        query = Query(relation_verb=any(tag.kind == "relation" for tag in tags))
        tags = [tag for tag in tags if tag.kind not in ("filler", "relation")]
        mentioned = [t for tag in tags if tag.kind == "table" for t in tag.data["tables"]]
        # A table word that is also a column of another mentioned table is that column
        # ("singers in each country" where country is a column of singer).
        for tag in tags:
            if tag.kind == "table" and tag.data["columns"]:
                others = [t for t in mentioned if t not in tag.data["tables"]]
                # …but not a key to the table the word names: "airlines with 10 flights" are airlines.
                columns = [
                    c for c in tag.data["columns"]
                    if c.table in others and not any(_refers_to(c, t) for t in tag.data["tables"])
                ]
                if columns:
                    tag.kind, tag.data = "column", columns
        for index, tag in enumerate(tags):
            # "the makers and models" where model_list.Model sits beside model_list.Maker
            if tag.kind == "table" and tag.data["columns"] and index and tags[index - 1].kind == "column":
                joined_by_and = tag.start and words[tag.start - 1].lower == "and"
                neighbours = {c.table for c in tags[index - 1].data}
                columns = [c for c in tag.data["columns"] if c.table in neighbours]
                if joined_by_and and columns:
                    tag.kind, tag.data = "column", columns
        # "customers without orders": the negated table is only looked up, never joined
        negated = {id(tags[n + 1]) for n, tag in enumerate(tags[:-1]) if tag.kind == "not" and tags[n + 1].kind == "table"}
        table_tags = [tag for tag in tags if tag.kind == "table" and id(tag) not in negated]
        in_play: list[str] = []
        for tag in table_tags:
            if len(tag.data["tables"]) != 1:
                raise Abstain(f"'{tag.text}' could be several tables")
            if tag.data["tables"][0] not in in_play:
                in_play.append(tag.data["tables"][0])
        main = in_play[0] if in_play else None
        # How many column words each table could explain: with no table named, the table that
        # explains them all settles ambiguous words ("makers and models" → model_list).
        coverage: dict[str, int] = {}
        for tag in tags:
            if tag.kind == "column":
                for table in {c.table for c in tag.data}:
                    coverage[table] = coverage.get(table, 0) + 1

        context: dict[str, str | None] = {"recent": None}  # table of the latest table word or value

        def resolve(tag: Tag) -> Column:
            column = _resolve(tag)
            word = singular(tag.text.lower())
            if main and column.table != main and word == "name" and self._title_column(main) is not None:
                return self._title_column(main)  # "names of orchestras" is orchestra.Orchestra
            if main and column.table != main and word in GENERIC_COLUMN_WORDS:
                # "the id of students" is the student's id even if only pets have a column "id"
                raise Abstain(f"'{tag.text}' of {main} is not a column of {main}")
            return column

        def _resolve(tag: Tag) -> Column:
            columns = tag.data
            recent = [c for c in columns if c.table == context["recent"]]
            if len(recent) == 1 and context["recent"] != main:
                return recent[0]  # "a student who has a cat that is age 3": the cat's age
            preferred = [c for c in columns if c.table == main]
            if len(preferred) == 1:
                return preferred[0]
            playing = [c for c in columns if c.table in in_play]
            if len(playing) == 1:
                return playing[0]
            if len(columns) == 1:
                return columns[0]  # named unambiguously: its table joins in
            if not in_play:
                best = max(coverage.get(c.table, 0) for c in columns)
                leaders = [c for c in columns if coverage.get(c.table, 0) == best]
                if len(leaders) == 1 and best > 1:
                    return leaders[0]
            raise Abstain(f"'{tag.text}' could be several columns")

        def named_column(name: str) -> Column:
            # "youngest dog": the age column of the table the words are about; "price" may be
            # unit_price. Several candidates and no context: abstain.
            for tables in ([context["recent"]] if context["recent"] else [], [main] if main else [], list(self.schema.tables)):
                if name == DATE_COLUMN:
                    found = [c for t in tables for c in self.schema.tables[t] if c.kind == "date"]
                    if found:
                        break
                    continue
                found = [c for t in tables for c in self.schema.tables[t] if c.name.lower() == name]
                found += [
                    c for t in tables for c in self.schema.tables[t]
                    if c.name.lower() != name and singular(name) in split_identifier(c.name)
                ]
                if found:
                    break
            if len(found) != 1:
                raise Abstain(f"no single '{name}' column")
            return found[0]

        def value_filter(tag: Tag, column: Column | None = None) -> Filter:
            hits = tag.data
            if column is not None:
                hits = [h for h in hits if h.column == column]
                if not hits:
                    if not words[tag.start].quoted:
                        raise Abstain(f"'{tag.text}' is not a value of {column.name}")
                    return Filter(column, "=", tag.text)
            else:
                # "orders from customers in Germany": the customers' country, not the orders' —
                # the value describes the table just named, as a column word would (_resolve).
                recent = [h for h in hits if context["recent"] != main and h.column.table == context["recent"]]
                in_main = [h for h in hits if h.column.table == main]
                playing = [h for h in hits if h.column.table in in_play]
                hits = recent or in_main or playing or hits
            columns = {id(h.column): h for h in hits}
            direction = direction_before([w.lower for w in words], tag.start)
            if len(columns) > 1 and direction is not None:
                # "flights departing from 'APG'": the source column, not the destination
                columns = {key: h for key, h in columns.items() if column_direction(h.column) == direction}
            if len(columns) != 1:
                raise Abstain(f"'{tag.text}' appears in several columns")
            hit = next(iter(columns.values()))
            if direction is not None:
                query.directions[hit.column.table] = direction  # "from Aberdeen": the source key
            return Filter(hit.column, "=", hit.value)

        def column_value_filter(column_tag: Tag, value_tag: Tag) -> Filter:
            # "airline 'JetBlue Airways'": the column whose data holds the value, among the
            # columns the words could name.
            holders = {id(h.column): h for h in value_tag.data if h.column in column_tag.data}
            if len(holders) == 1:
                hit = next(iter(holders.values()))
                return Filter(hit.column, "=", hit.value)
            column = resolve(column_tag)
            if holders or column.kind != "text" or not words[value_tag.start].quoted:
                raise Abstain(f"'{value_tag.text}' is not a value of {column.name}")
            return Filter(column, "=", value_tag.text)

        sort_verb = words[0].lower in ("sort", "order", "rank", "arrange")  # tagged as filler
        # Periods of a business metric are about its rows: "top customers by revenue in 2023" is
        # the revenue of 2023's orders, not customers who signed up in 2023.
        dated = {self._dated_table(tag.data) for tag in tags if tag.kind == "measure"}
        period_table = dated.pop() if len(dated) == 1 else None
        seen_table = False
        pending_aggs: list[str] = []
        pending_count = False
        pending_distinct = False
        i = 0
        while i < len(tags):
            tag = tags[i]
            nxt = tags[i + 1] if i + 1 < len(tags) else None
            kind = tag.kind
            if kind == "count":
                pending_count = True
            elif kind == "agg":
                pending_aggs.append(tag.data)
            elif kind == "extreme" and _counted_table(tags, i + 1) is not None and (
                tags[i + 1].kind == "count" or tag.text.lower() in ("most", "fewest", "least")
            ):
                # "the year with the most concerts", "the shop with the fewest employees"
                skip, table = _counted_table(tags, i + 1)
                query.count_table = table
                query.count_order = "DESC" if tag.data == "MAX" else "ASC"
                query.limit = query.limit or 1
                i += 1 + skip
                continue
            elif kind in ("by", "extreme") and nxt is not None and nxt.kind == "measure" and seen_table and (
                kind == "extreme" or query.limit is not None
            ):
                # "top 5 customers by revenue", "the customer with the highest revenue"
                self._rank(query, self._add_measure(query, nxt.data), main, "ASC" if tag.data == "MIN" else "DESC")
                i += 2
                continue
            elif kind == "by" and query.limit is not None and seen_table and nxt is not None and nxt.kind == "count" and (
                _counted_table(tags, i + 1) is not None
            ):
                # "top 5 customers by number of orders": counted and shown
                skip, table = _counted_table(tags, i + 1)
                label = re.sub(r"\W+", "_", " ".join(t.text for t in tags[i + 1:i + 1 + skip]).lower())
                query.selects.append(Select(self._primary_key(table), "COUNT", label=label))
                self._rank(query, query.selects[-1], main, "DESC")
                i += 1 + skip
                continue
            elif kind == "measure":
                # "total revenue in 2022": the metric's aggregate, its conditions always applied
                aggregate = tag.data.select.agg
                if pending_distinct or any(a != aggregate for a in pending_aggs) or (pending_count and aggregate != "COUNT"):
                    raise Abstain(f"'{tag.text}' is a {aggregate} of its own")
                self._add_measure(query, tag.data)
                pending_aggs, pending_count = [], False
            elif kind == "common":
                if nxt is None or nxt.kind != "column":
                    raise Abstain(f"'{tag.text}' needs a column")
                column = resolve(nxt)
                query.selects.append(Select(column))
                query.group_by = column
                query.count_order = tag.data
                query.limit = query.limit or 1
                i += 2
                continue
            elif kind == "extreme":
                previous = tags[i - 1].kind if i else None
                if not seen_table and previous not in ("column", "value") and nxt is not None and nxt.kind in ("column", "agg", "extreme"):
                    pending_aggs.append(tag.data)
                elif nxt is not None and nxt.kind == "column" and seen_table:
                    column = resolve(nxt)
                    if column.kind not in ("number", "date"):
                        raise Abstain(f"'{nxt.text}' is not a number")
                    query.order_by = (column, "DESC" if tag.data == "MAX" else "ASC")
                    query.limit = query.limit or 1
                    i += 1
                else:
                    raise Abstain(f"cannot place '{tag.text}'")
            elif kind == "super_col":
                name, direction = tag.data
                query.order_by = (named_column(name), direction)
                query.limit = query.limit or 1
            elif kind == "distinct":
                if pending_aggs:
                    raise Abstain(f"cannot place '{tag.text}'")
                pending_distinct = True
            elif kind == "table":
                seen_table = True
                context["recent"] = tag.data["tables"][0]
                if pending_count:
                    query.selects.append(Select(None, "COUNT"))
                    pending_count = False
                if pending_aggs or pending_distinct:
                    raise Abstain(f"'{tag.text}' follows an aggregate without a column")
            elif kind == "column":
                asks_of_value = (
                    nxt is not None and nxt.kind == "value" and not seen_table and not words[nxt.start].quoted
                    and not any(h.column in tag.data for h in nxt.data)
                )
                if nxt is not None and nxt.kind == "value" and not asks_of_value:
                    query.filters.append(column_value_filter(tag, nxt))
                    i += 2
                    continue
                # (asks_of_value: "Which continent is Anguilla in?": the column is what is asked
                # and the value, found in another column, picks the row)
                if (
                    nxt is not None and nxt.kind == "cmp" and i + 3 < len(tags) and tags[i + 2].kind == "number"
                    and tags[i + 3].kind == "table" and tags[i + 3].data["tables"] == [tag.data[0].table]
                    and not pending_aggs and not pending_count
                ):
                    # "hometowns shared by at least two teachers": hometowns by count of teachers
                    query.selects.append(Select(resolve(tag)))
                    query.count_table, query.having = tags[i + 3].data["tables"][0], (nxt.data, tags[i + 2].data)
                    i += 4
                    continue
                if nxt is not None and nxt.kind == "time_cmp":
                    i += 1  # "birth year before 1945": the bound reads its column from here
                    continue
                if nxt is not None and nxt.kind == "not" and i + 2 < len(tags) and tags[i + 2].kind == "value":
                    query.filters.append(column_value_filter(tag, tags[i + 2]))  # "whose hometown is not X"
                    query.filters[-1].op = "!="
                    i += 3
                    continue
                column = resolve(tag)
                if nxt is not None and nxt.kind in ("cmp", "cmp_col") and _is_average(tags, i + 2):
                    # "whose weight is below the average (weight)"
                    op = nxt.data if nxt.kind == "cmp" else nxt.data[1]
                    i += 3 + self._same_column_follows(tags, i + 3, column, resolve)
                    query.filters.append(Filter(column, op, TableAverage(column)))
                    continue
                if nxt is not None and nxt.kind in ("cmp",) and i + 2 < len(tags) and tags[i + 2].kind == "number":
                    if column.kind != "number" or column.references:
                        raise Abstain(f"'{tag.text}' is not a quantity to compare")
                    if i + 3 < len(tags) and tags[i + 3].kind in ("table", "column"):
                        raise Abstain("counts of related rows ('at least 10 flights') need an LLM")
                    query.filters.append(Filter(column, nxt.data, tags[i + 2].data))
                    i += 3
                    continue
                if (
                    nxt is not None and nxt.kind == "between" and i + 3 < len(tags)
                    and tags[i + 2].kind == "number" and tags[i + 3].kind == "number"
                ):
                    if column.kind != "number" or column.references:  # "weight between 10 and 20"
                        raise Abstain(f"'{tag.text}' is not a quantity to compare")
                    query.filters.append(Filter(column, ">=", tags[i + 2].data))
                    query.filters.append(Filter(column, "<=", tags[i + 3].data))
                    i += 4
                    continue
                if nxt is not None and nxt.kind == "cmp_col" and i + 2 < len(tags) and tags[i + 2].kind == "number":
                    if column.kind != "number" or column.references:  # "whose weight is heavier than 10"
                        raise Abstain(f"'{tag.text}' is not a quantity to compare")
                    query.filters.append(Filter(column, nxt.data[1], tags[i + 2].data))
                    i += 3
                    continue
                if nxt is not None and nxt.kind == "number" and seen_table:
                    query.filters.append(Filter(column, "=", nxt.data))
                    i += 2
                    continue
                if seen_table and not pending_aggs and not pending_count:
                    if any(f.column == column and f.op in ("=", "!=") for f in query.filters):
                        i += 1  # "where English is the official language": names the column again
                        continue
                    raise Abstain(f"cannot place the column '{tag.text}'")
                if pending_count and pending_distinct:
                    query.selects.append(Select(column, "COUNT", distinct=True))
                elif pending_count:
                    raise Abstain(f"'how many {tag.text}' is ambiguous")
                elif not seen_table and not pending_aggs and tag.text.lower().startswith("total ") and column.kind == "number" and _asks_for_one_value(words):
                    # "What is the total amount of orders?": one number, the sum.
                    query.selects.append(Select(column, "SUM"))
                elif pending_aggs:
                    if column.kind != "number" and not column.numeric_text and any(a in ("AVG", "SUM") for a in pending_aggs):
                        raise Abstain(f"'{tag.text}' is not a number")
                    query.selects.extend(Select(column, agg) for agg in pending_aggs)
                else:
                    if column.references and not re.search(r"\b(id|ids|code|codes|number|key)\b", tag.text.lower()):
                        # "which airline…" over flights.airline (a key): people want the airline's name
                        raise Abstain(f"'{tag.text}' is a reference to {column.references}")
                    query.selects.append(Select(column))
                    if pending_distinct:
                        query.distinct = True
                pending_aggs, pending_count, pending_distinct = [], False, False
            elif kind == "cmp" and _is_average(tags, i + 1) and i + 2 < len(tags) and tags[i + 2].kind == "column":
                column = resolve(tags[i + 2])  # "singers above the average age"
                _check_quantity(column, tags[i + 2].text)
                query.filters.append(Filter(column, tag.data, TableAverage(column)))
                i += 3
                continue
            elif kind == "cmp" and nxt is not None and nxt.kind == "column" and i + 2 < len(tags) and tags[i + 2].kind == "number":
                column = resolve(nxt)  # "singers above age 20"
                if column.kind != "number" or column.references:
                    raise Abstain(f"'{nxt.text}' is not a quantity to compare")
                query.filters.append(Filter(column, tag.data, tags[i + 2].data))
                i += 3
                continue
            elif kind == "cmp" and nxt is not None and nxt.kind == "number" and i + 2 < len(tags) and tags[i + 2].kind == "column":
                column = resolve(tags[i + 2])  # "cars with more than 4 cylinders"
                if column.kind != "number" or column.references:
                    raise Abstain(f"'{tags[i + 2].text}' is not a quantity to compare")
                query.filters.append(Filter(column, tag.data, nxt.data))
                i += 3
                continue
            elif kind == "bucket":
                if query.group_by is not None:
                    raise Abstain("two groupings")
                query.group_by, query.bucket = self._bucket(period_table or main or _table_of(query), tag.data)
            elif kind == "both" and nxt is not None and nxt.kind == "column":
                pass  # "list both the id and the name": both columns
            elif kind == "both" and nxt is not None and nxt.kind == "value" and i + 2 < len(tags) and tags[i + 2].kind == "value":
                # "students who have both cats and dogs": one related row of each, not one row that is both
                first, second = value_filter(nxt), value_filter(tags[i + 2])
                if first.column != second.column or first.column.table == main or main is None:
                    raise Abstain(f"cannot place '{tag.text}'")
                query.related += [RelatedRows(first.column.table, [first], negated=False), RelatedRows(first.column.table, [second], negated=False)]
                i += 3
                continue
            elif kind == "time_cmp":
                # "cars produced before 1980", "orders after 2023"
                if nxt is None or nxt.kind != "number" or not is_year(nxt.data):
                    raise Abstain(f"'{tag.text}' needs a year")
                previous = tags[i - 1] if i else None
                column = resolve(previous) if previous is not None and previous.kind == "column" else None
                query.filters.append(self._year_bound(column, period_table or main or _table_of(query), tag.data, nxt.data))
                i += 2
                continue
            elif kind == "cmp" and nxt is not None and nxt.kind == "number" and _counted_table(tags, i + 2, count_word=False) is not None:
                # "airlines that have at least 10 flights"
                skip, table = _counted_table(tags, i + 2, count_word=False)
                query.count_table, query.having = table, (tag.data, nxt.data)
                i += 2 + skip
                continue
            elif (
                kind == "number" and nxt is not None and nxt.kind == "cmp" and nxt.text.lower().startswith("or ")
                and _counted_table(tags, i + 2, count_word=False) is not None
            ):
                # "documents that have 2 or more paragraphs"
                skip, table = _counted_table(tags, i + 2, count_word=False)
                query.count_table, query.having = table, (nxt.data, tag.data)
                i += 2 + skip
                continue
            elif kind == "dir" and nxt is not None and nxt.kind == "column" and query.order_by is None:
                query.order_by = (resolve(nxt), tag.data)  # "in ascending order of age"
                i += 2
                continue
            elif kind == "not" and nxt is not None and nxt.kind == "table" and id(nxt) in negated:
                # "products that were never ordered", "customers without orders"
                table = nxt.data["tables"][0]
                if table == main or main is None:
                    raise Abstain(f"cannot place '{tag.text} {nxt.text}'")
                query.related.append(RelatedRows(table))
                i += 2
                continue
            elif kind == "not" and nxt is not None and nxt.kind == "column" and i + 2 < len(tags) and tags[i + 2].kind == "value":
                # "conductors that do not have the nationality 'USA'"
                query.filters.append(column_value_filter(nxt, tags[i + 2]))
                query.filters[-1].op = "!="
                i += 3
                continue
            elif kind == "not":
                # "countries whose continent is not Asia": only a value may follow
                if nxt is None or nxt.kind != "value":
                    raise Abstain("negation of anything but a value needs an LLM")
                before = len(query.filters)
                previous = tags[i - 1] if i else None
                if previous is not None and previous.kind == "column" and query.filters and query.filters[-1].column in previous.data:
                    raise Abstain("cannot place 'not'")
                query.filters.append(value_filter(nxt))
                query.filters[before].op = "!="
                i += 2
                continue
            elif kind == "or" and _widens_equality(query.filters, tags, i):
                # "grade 9 or 10", "aged either 32 or 33"
                last = query.filters[-1]
                last.op, last.value = "IN", [last.value, nxt.data]
                i += 2
                continue
            elif kind == "or":
                previous = tags[i - 1] if i else None
                if previous is None or nxt is None or previous.kind != "value" or nxt.kind != "value":
                    raise Abstain("'or' between anything but two values needs an LLM")
            elif kind == "value":
                if nxt is not None and nxt.kind == "column" and any(h.column in nxt.data for h in tag.data):
                    # "the business segment": the value, then the column that holds it.
                    query.filters.append(column_value_filter(nxt, tag))
                    i += 2
                    continue
                query.filters.append(value_filter(tag))
                context["recent"] = query.filters[-1].column.table
            elif kind == "cmp_col" and _is_average(tags, i + 1):
                column = named_column(tag.data[0])  # "singers older than average"
                _check_quantity(column, tag.text)
                query.filters.append(Filter(column, tag.data[1], TableAverage(column)))
                i += 2 + self._same_column_follows(tags, i + 2, column, resolve)
                continue
            elif kind == "cmp_col":
                name, op = tag.data
                if nxt is None or nxt.kind != "number":
                    raise Abstain(f"'{tag.text}' needs a number")
                query.filters.append(Filter(named_column(name), op, nxt.data))
                i += 2
                continue
            elif kind == "by" and sort_verb and query.order_by is None and nxt is not None and nxt.kind == "column":
                direction = "ASC"  # "Sort employee names by their age (in descending order)"
                if i + 2 < len(tags) and tags[i + 2].kind == "dir":
                    direction = tags[i + 2].data
                    i += 1
                query.order_by = (resolve(nxt), direction)
                i += 2
                continue
            elif kind == "by" and query.limit is not None and query.order_by is None and nxt is not None and nxt.kind == "column":
                # "top 5 products by unit price"
                column = resolve(nxt)
                if column.kind not in ("number", "date"):
                    raise Abstain(f"'{nxt.text}' is not a quantity to rank by")
                query.order_by = (column, "DESC")
                i += 2
                continue
            elif kind == "group" and nxt is not None and nxt.kind == "table":
                table = nxt.data["tables"][0]
                if table == main and query.group_by is None and not (pending_aggs or pending_count or any(s.agg for s in query.selects)):
                    pass  # "name and age for every singer": every row
                elif table != main:
                    query.group_by = self._primary_key(table)  # "number of concerts in each stadium"
                else:
                    raise Abstain(f"cannot place '{tag.text} {nxt.text}'")
                i += 2
                continue
            elif kind == "group" or kind == "by":
                if nxt is None or nxt.kind != "column":
                    raise Abstain(f"cannot place '{tag.text}'")
                query.group_by = resolve(nxt)
                i += 2
                continue
            elif kind == "order" and nxt is not None and nxt.kind == "dir" and query.order_by is None:
                # "ordered by ascending age"; "sorted alphabetically": by what is shown
                following = tags[i + 2] if i + 2 < len(tags) else None
                if following is not None and following.kind == "column":
                    query.order_by = (resolve(following), nxt.data)
                    i += 3
                    continue
                if following is not None or _single_shown(query) is None:
                    raise Abstain("ordering needs a column")
                query.order_by = (_single_shown(query), nxt.data)
                i += 2
                continue
            elif kind == "order":
                if nxt is None or nxt.kind != "column":
                    raise Abstain("ordering needs a column")
                direction = "ASC"
                if i + 2 < len(tags) and tags[i + 2].kind == "dir":
                    direction = tags[i + 2].data
                    i += 1
                elif i > 0 and tags[i - 1].kind == "dir":
                    direction = tags[i - 1].data
                query.order_by = (resolve(nxt), direction)
                i += 2
                continue
            elif kind == "dir" and nxt is not None and nxt.kind == "dir" and nxt.data == tag.data:
                tags[i + 1] = tag  # "in ascending alphabetical order": one direction, said twice
            elif kind == "dir":
                if nxt is not None and nxt.kind == "order":
                    pass  # "in descending order of X": handled by the order tag
                elif query.order_by is not None and query.limit is None:
                    query.order_by = (query.order_by[0], tag.data)
                elif query.order_by is None and nxt is None and _single_shown(query) is not None:
                    # "List the earnings of poker players in descending order": by what is shown
                    query.order_by = (_single_shown(query), tag.data)
                else:
                    raise Abstain(f"cannot place '{tag.text}'")
            elif kind == "number" and nxt is not None and nxt.kind in ("extreme", "super_col") and not pending_aggs:
                query.limit = int(tag.data)
            elif kind == "number" and nxt is not None and nxt.kind == "column" and seen_table and not is_year(tag.data):
                column = resolve(nxt)  # "cars with 8 cylinders"
                _check_quantity(column, nxt.text)
                query.filters.append(Filter(column, "=", tag.data))
                i += 2
                continue
            elif kind == "period" or (kind == "number" and is_year(tag.data) and (i == 0 or tags[i - 1].kind not in ("cmp", "cmp_col", "top"))):
                query.filters.extend(self._period_filters(tag, period_table or main or _table_of(query), query.notes))
            elif kind == "break":
                # "Which owner owns the most dogs? List the owner id and last name."
                listed = [resolve(t) for t in tags[i + 1:]] if all(t.kind == "column" for t in tags[i + 1:]) else []
                if listed:
                    _show_listed(query, listed)
                    break
            elif kind == "top":
                if nxt is None or nxt.kind != "number":
                    raise Abstain("'top' needs a number")
                query.limit = int(nxt.data)
                i += 2
                continue
            else:
                raise Abstain(f"cannot place '{tag.text}'")
            i += 1
        if pending_count:
            if main is None:
                raise Abstain("counting what?")
            query.selects.append(Select(None, "COUNT"))
        if pending_aggs or pending_distinct:
            raise Abstain("an aggregate without a column")
        if query.count_table is not None:
            self._count_related(query, main, words)
        if not query.selects and main is not None and (_asks_for_rows(words) or any(t.kind == "top" for t in tags)):
            query.selects.append(self._rows_of(main, words))  # "top 5 products by unit price": rows
        if query.rank is not None and all(s.agg for s in query.selects):
            query.selects.insert(0, self._rows_of(main, words))  # the ranked rows, then their measure
        if not query.selects:
            raise Abstain("no column to show")
        if query.group_by is not None:
            if not any(s.agg for s in query.selects) and query.count_order is None and query.having is None:
                raise Abstain("grouping without an aggregate")
            by_key = query.group_by.primary_key
            if any(
                not s.agg
                and not (s.column is None and by_key)  # T1.* grouped by T1's key
                and s.column != query.group_by
                and not (by_key and s.column is not None and s.column.table == query.group_by.table)
                and not (s.column is not None and s.column.references == f"{query.group_by.table}.{query.group_by.name}")
                for s in query.selects
            ):
                raise Abstain("shows columns it does not group by")
            shown = [s.column for s in query.selects if not s.agg and s.column is not None]
            key_name = f"{query.group_by.table}.{query.group_by.name}"
            star = any(s.column is None and not s.agg for s in query.selects)
            if query.group_by not in shown and not star and not any(c.references == key_name for c in shown) and not (by_key and any(c.table == query.group_by.table for c in shown)):
                query.selects.insert(0, Select(query.group_by))
        elif any(s.agg for s in query.selects) and any(not s.agg for s in query.selects):
            raise Abstain("mixes aggregates and plain columns")
        if sum(x is not None for x in (query.count_order, query.order_by, query.rank)) > 1:
            raise Abstain("two orderings")
        for required in query.required:
            if any(f.column == required.column for f in query.filters):
                # "revenue of cancelled orders": the metric's definition already decides the status
                raise Abstain(f"the business term's definition already sets {required.column.name}")
        if query.order_by is not None and query.limit is not None and any(s.agg for s in query.selects) and query.group_by is None:
            raise Abstain("aggregate with a superlative")
        query.filters = merge_equalities(query.filters, either=any(t.kind == "or" for t in tags))
        _check_ranges(query.filters)
        tables = [main] if main else []
        for column in self._columns(query):
            if column.table not in tables:
                tables.append(column.table)
        if main is not None and any(f.op == "!=" and f.column.table != main for f in query.filters):
            # "students who do not have a cat": no related cat at all (NOT IN), not "some pet
            # that is not a cat" (a != on each related row)
            _negate_related(query, main)
        if query.related and any(f.column.table != main for f in query.filters):
            self._move_into_related(query, main)
        if query.related:
            tables = list(dict.fromkeys([main] + [c.table for c in self._columns(query)]))
        if len(tables) > 1 and any(f.op == "!=" for f in query.filters):
            raise Abstain("negation across related tables needs an LLM")
        if query.count_table is not None and query.count_table not in tables:
            tables.append(query.count_table)
        if not tables:
            raise Abstain("no table")
        unused = [t for t in in_play if t not in tables and t not in {a.table for a in query.related}]
        if unused:
            # "students who have a pet": a mentioned table that takes no part is a relation
            # the engine cannot express.
            raise Abstain(f"does not know how {unused[0]} relates")
        query.tables = tables
        shown_tables = {s.column.table for s in query.selects if s.column is not None}
        joined = set(tables) | {table for table, _ in self._join_path(tables, query.relation_verb, query.directions)}
        fans_out = any(
            a.table in joined and a.table not in shown_tables and b.table in shown_tables for a, b in self.schema.foreign_keys
        )
        if fans_out and query.group_by is None and all(s.agg is None and s.column is not None for s in query.selects):
            # Students filtered through their pets: each student once, not once per matching pet.
            query.distinct = True
        return query

    @staticmethod
    def _same_column_follows(tags: list[Tag], position: int, column: Column, resolve) -> int:
        """1 when tags[position] repeats the compared column ("… than the average age"), else 0."""
        if position >= len(tags) or tags[position].kind != "column":
            return 0
        if resolve(tags[position]) != column:
            raise Abstain("compares one column with the average of another")
        return 1

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
        if direction == "ASC" and select.column.table != main:
            # "the customer with the lowest revenue" may have no paid order at all: the join that
            # computes the revenue would leave exactly that customer out.
            raise Abstain("the lowest total over related rows misses rows that have none")
        query.group_by = self._primary_key(main)
        query.rank = (select, direction)
        query.limit = query.limit or 1

    def _dated_table(self, measure: Measure) -> str | None:
        """The table whose date a period means for a metric: its own, else that of a condition
        (units sold: order_items has no date, the orders it requires have)."""
        tables = [measure.select.column.table] + [f.column.table for f in measure.required]
        return next((t for t in tables if any(c.kind == "date" for c in self.schema.tables[t])), None)

    def _title_column(self, table: str) -> Column | None:
        """The text column named like its table (orchestra.Orchestra): the table's name for its rows."""
        words = tuple(split_identifier(table))
        titles = [c for c in self.schema.tables[table] if c.kind == "text" and tuple(split_identifier(c.name)) == words]
        return titles[0] if len(titles) == 1 else None

    def _primary_key(self, table: str) -> Column:
        keys = [c for c in self.schema.tables[table] if c.primary_key]
        if len(keys) != 1:
            raise Abstain(f"{table} has no single-column key to group by")
        return keys[0]

    def _count_related(self, query: Query, main: str | None, words: list[Word]) -> None:
        """Group so that COUNT(*) counts rows of query.count_table per answer row."""
        if query.group_by is not None and query.having is None and query.count_order is not None and query.count_table is None:
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
            query.group_by = self._primary_key(select_table)
        if not query.selects:
            query.selects.append(self._rows_of(select_table, words))

    def _rows_of(self, table: str, words: list[Word]) -> Select:
        """"Which airlines…" asks who they are: their name column. "List the orders…": whole rows."""
        if words[0].lower in ("which", "find", "what", "give", "return"):
            # model_list is also "model": its column Model names its rows
            phrases = {phrase for phrase, tables in self.schema.table_phrases.items() if table in tables}
            names = [
                c for c in self.schema.tables[table]
                if c.kind == "text" and tuple(split_identifier(c.name)) in {("name",)} | {p + ("name",) for p in phrases} | phrases
            ]
            if len(names) == 1:
                return Select(names[0])
        return Select(None)

    def _period_filters(self, tag: Tag, main: str | None, notes: list[str]) -> list[Filter]:
        if main is None:
            raise Abstain(f"'{tag.text}' needs a table with a date")
        dates = [c for c in self.schema.tables[main] if c.kind == "date"]
        years = [c for c in self.schema.tables[main] if c.name.lower() == "year"]
        if tag.kind == "number" and not dates and len(years) == 1:
            return [Filter(years[0], "=", tag.data)]
        if len(dates) != 1:
            raise Abstain(f"'{tag.text}': {main} has {'no' if not dates else 'several'} date columns")
        column = dates[0]
        start, end = self._period(tag, column, notes)
        return [Filter(column, ">=", start.isoformat()), Filter(column, "<", end.isoformat())]

    def _bucket(self, main: str | None, unit: str) -> tuple[Column, int | None]:
        """'per month' over the table's one date column; 'per year' may use a year column."""
        if main is None:
            raise Abstain(f"'per {unit}' needs a table with a date")
        dates = [c for c in self.schema.tables[main] if c.kind == "date"]
        if len(dates) == 1:
            return dates[0], _BUCKET_LENGTH[unit]
        years = [c for c in self.schema.tables[main] if _is_year_column(c)]
        if unit == "year" and not dates and len(years) == 1:
            return years[0], None
        raise Abstain(f"'per {unit}': {main} has {'no' if not dates else 'several'} date columns")

    def _year_bound(self, column: Column | None, main: str | None, op: str, year: int) -> Filter:
        """'before 1980' on the table's one date or year column: year < 1980, date < '1980-01-01'."""
        if column is None:
            if main is None:
                raise Abstain("a year bound needs a table")
            candidates = [c for c in self.schema.tables[main] if c.kind == "date" or _is_year_column(c)]
            if len(candidates) != 1:
                raise Abstain(f"{main} has {'no' if not candidates else 'several'} date or year columns")
            column = candidates[0]
        if _is_year_column(column):
            return Filter(column, op, year)
        if column.kind != "date":
            raise Abstain(f"'{column.name}' is not a date")
        # after 1980 starts in 1981; before and since start at 1980
        bound = date(year + 1, 1, 1) if op == ">" else date(year, 1, 1)
        return Filter(column, "<" if op == "<" else ">=", bound.isoformat())

    def _period(self, tag: Tag, column: Column, notes: list[str]) -> tuple[date, date]:
        """The [start, end) of a period; a relative one ("last month") also says how it was read."""
        if tag.kind == "number":
            return date(tag.data, 1, 1), date(tag.data + 1, 1, 1)
        if isinstance(tag.data, tuple):
            _, year, month = tag.data
            return date(year, month, 1), _next_month(date(year, month, 1))
        today = self.today or date.today()
        latest = self.latest_date(column.table, column.name) if self.latest_date else None
        anchor = latest if latest is not None and latest < today else today
        start, end = _relative_period(tag.data, anchor)
        note = f"“{tag.text.lower()}” = {_describe_period(start, end)}"
        if anchor != today:
            # A reviewer reading "last month" thinks of today's calendar: say why it is not.
            note += f" — the data in {column.table}.{column.name} ends on {anchor.isoformat()}, so relative dates count from there, not from today"
        notes.append(note + ".")
        return start, end

    @staticmethod
    def _columns(query: Query) -> list[Column]:
        columns = [s.column for s in query.selects if s.column is not None]
        # (a Select without column and aggregate is '*': rows of the main table)
        columns += [f.column for f in query.filters]
        columns += [f.column for f in query.required]
        if query.group_by is not None:
            columns.append(query.group_by)
        if query.order_by is not None:
            columns.append(query.order_by[0])
        return columns

    # ---- rendering -------------------------------------------------------------------------

    def render(self, query: Query, alias_prefix: str = "T") -> str:
        joins = self._join_path(query.tables, query.relation_verb, query.directions)
        multi = len(query.tables) > 1
        alias = {table: (f"{alias_prefix}{n}" if multi else None) for n, table in enumerate(query.tables, start=1)}
        for table in joins:
            alias.setdefault(table[0], f"{alias_prefix}{len(alias) + 1}")

        def ref(column: Column) -> str:
            name = quote_identifier(column.name)
            return f"{alias[column.table]}.{name}" if alias.get(column.table) else name

        def grouped(column: Column) -> str:
            # The cast makes substr work on PostgreSQL dates as on SQLite's ISO text.
            if query.bucket is not None and column == query.group_by:
                return f"substr(CAST({ref(column)} AS TEXT), 1, {query.bucket})"
            return ref(column)

        def expression(select: Select) -> str:
            if select.agg == "COUNT" and select.column is None:
                return "COUNT(*)"
            if select.column is None:
                return f"{alias[query.tables[0]]}.*" if multi else "*"
            if not select.agg:
                return grouped(select.column)
            inner = ref(select.column)
            if select.column.numeric_text and select.agg in ("AVG", "SUM"):
                inner = f"CAST({inner} AS REAL)"  # numbers kept as text: PostgreSQL will not average text
            return f"{select.agg}({'DISTINCT ' if select.distinct else ''}{inner})"

        parts = [expression(s) + (f" AS {quote_identifier(s.label)}" if s.label else "") for s in query.selects]
        sql = "SELECT " + ("DISTINCT " if query.distinct else "") + ", ".join(parts)
        first = query.tables[0]
        sql += f" FROM {quote_identifier(first)}" + (f" AS {alias[first]}" if multi else "")
        for table, condition in joins:
            sql += f" JOIN {quote_identifier(table)} AS {alias[table]} ON " + condition(ref)
        conditions = [filter_sql(f, ref) for f in [*query.filters, *query.required]]
        conditions += [self._related_sql(query.tables[0], link, ref) for link in query.related]
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if query.group_by is not None:
            sql += f" GROUP BY {grouped(query.group_by)}"
        if query.having is not None:
            sql += f" HAVING COUNT(*) {query.having[0]} {literal(query.having[1])}"
        if query.count_order is not None:
            sql += f" ORDER BY COUNT(*) {query.count_order}"
        if query.order_by is not None:
            column, direction = query.order_by
            sql += f" ORDER BY {ref(column)} {direction}"
        if query.rank is not None:
            select, direction = query.rank
            sql += f" ORDER BY {expression(select)} {direction}"
        if query.bucket is not None and query.count_order is None and query.order_by is None and query.rank is None:
            sql += f" ORDER BY {grouped(query.group_by)}"  # a time series reads in time order
        if query.limit is not None:
            sql += f" LIMIT {query.limit}"
        return sql

    def _move_into_related(self, query: Query, main: str) -> None:
        """"Departments with no students from Paris": a condition on the negated table, or on a
        table reached through it, describes the rows that must not exist. "Cities in Europe
        where English is not official": Europe sits on the way there and stays outside."""
        if len(query.related) != 1:
            raise Abstain("conditions next to several related-row conditions need an LLM")
        link = query.related[0]

        def inside(item: Filter) -> bool:
            path = self._path([main], item.column.table) or []
            return item.column.table == link.table or any(step[1] == link.table for step in path)

        link.filters.extend(f for f in query.filters if f.column.table != main and inside(f))
        query.filters = [f for f in query.filters if f.column.table == main or not inside(f)]

    def _related_sql(self, main: str, link: RelatedRows, ref) -> str:
        """main.key [NOT] IN (the keys related rows point at), along the one foreign key that
        links main to its neighbour on the way to the related table."""
        path = self._path([main], link.table)
        if path is None:
            raise Abstain(f"no foreign key path to {link.table}")
        _, neighbour, (here, there) = path[0]
        if self._edges_between(main, neighbour) > 1:
            raise Abstain(f"{main} and {neighbour} join in more than one way")
        if (there, here) not in self.schema.foreign_keys and not link.filters:
            # "students without a department" (student.dept_id → department) asks about a
            # missing key, not about rows that point at the student; "students not in the
            # Physics department" is fine: their key is not among Physics' keys
            raise Abstain(f"{main} refers to {neighbour}; negating that needs an LLM")
        tables = list(dict.fromkeys([neighbour] + [step[1] for step in path[1:]] + [f.column.table for f in link.filters]))
        inner = Query(selects=[Select(there)], filters=[*link.filters, Filter(there, "IS NOT", None)], tables=tables)
        # NULL keys are left out: one NULL would make NOT IN match nothing
        return f"{ref(here)} {'NOT IN' if link.negated else 'IN'} ({self.render(inner, alias_prefix='S')})"

    def _join_path(self, tables: list[str], relation_verb: bool = False, directions: dict[str, str] | None = None):
        """Joins along foreign keys connecting all tables (shortest paths from the first).

        Two tables joined by several keys (flights → airports as source and as destination) use
        the key of the direction the question gives the table ("from Aberdeen"), else the first
        declared, the usual main relation — unless a verb ("arriving") asks for one the engine
        cannot tell apart."""
        if len(tables) <= 1:
            return []
        joined = [tables[0]]
        joins = []
        for target in tables[1:]:
            if target in joined:
                continue
            path = self._path(joined, target)
            if path is None:
                raise Abstain(f"no foreign key path to {target}")
            for source, destination, edge in path:
                if self._edges_between(source, destination) > 1:
                    edge = self._directed_edge(source, destination, (directions or {}).get(destination), edge, relation_verb)
                if destination not in joined:
                    joined.append(destination)
                    a, b = edge
                    joins.append((destination, lambda ref, a=a, b=b: f"{ref(a)} = {ref(b)}"))
        if len(joined) > len(tables) + 1:
            raise Abstain("joins through more than one table not mentioned")
        return joins

    def _directed_edge(self, source: str, destination: str, direction: str | None, first, relation_verb: bool):
        """The one key between two tables that points the question's way, else the first one."""
        edges = [(a, b) for a, b in self.schema.foreign_keys if {a.table, b.table} == {source, destination}]
        directed = [(a, b) for a, b in edges if direction is not None and column_direction(a) == direction]
        if len(directed) == 1:
            a, b = directed[0]
            return (a, b) if a.table == source else (b, a)
        if relation_verb:
            # flights → airports by source or by destination airport: the words must say which
            raise Abstain(f"{source} and {destination} join in more than one way")
        return first

    def _edges_between(self, one: str, other: str) -> int:
        return sum({a.table, b.table} == {one, other} for a, b in self.schema.foreign_keys)

    def _path(self, start: list[str], target: str):
        frontier = [(table, []) for table in start]
        seen = set(start)
        while frontier:
            table, path = frontier.pop(0)
            if table == target:
                return path
            for a, b in self.schema.foreign_keys:
                for here, there in ((a, b), (b, a)):
                    if here.table == table and there.table not in seen:
                        seen.add(there.table)
                        frontier.append((there.table, path + [(table, there.table, (here, there))]))
        return None


def _refers_to(column: Column, table: str) -> bool:
    return bool(column.references) and column.references.split(".")[0] == table


def _counted_table(tags: list[Tag], start: int, count_word: bool = True) -> tuple[int, str] | None:
    """(tags consumed, table) when tags[start:] read "[number of] <table>"."""
    skip = 0
    if count_word and start < len(tags) and tags[start].kind == "count":
        skip = 1
    position = start + skip
    if position < len(tags) and tags[position].kind == "table" and len(tags[position].data["tables"]) == 1:
        return skip + 1, tags[position].data["tables"][0]
    return None


def _asks_for_rows(words: list[Word]) -> bool:
    first = words[0].lower
    return first in ("list", "show", "display", "which", "find", "give", "get", "return") or (
        first == "what" and words[1].lower in ("are", "were")
    )


def _asks_for_one_value(words: list[Word]) -> bool:
    return len(words) > 2 and words[0].lower in ("what", "how") and words[1].lower in ("is", "was", "much")


_BUCKET_LENGTH = {"year": 4, "month": 7, "day": 10}


def _is_year_column(column: Column) -> bool:
    """Open_Year, IndepYear, Year_of_Founded: a year as a number (or as text, as SQLite keeps it)."""
    return column.kind != "date" and "year" in split_identifier(column.name)


def _names_something(words: list[Word], position: int) -> bool:
    """A quoted or capitalised word, a name in the data: the object of "speak Chinese"."""
    return position < len(words) and (words[position].quoted or words[position].capital)


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
    return position < len(tags) and tags[position].kind == "agg" and tags[position].data == "AVG"


def _check_quantity(column: Column, text: str) -> None:
    if column.kind != "number" or column.references:
        raise Abstain(f"'{text}' is not a quantity to compare")


def _table_of(query: Query) -> str | None:
    """With no table named ("average order total per month"), the one table of the columns so far."""
    tables = {s.column.table for s in query.selects if s.column is not None} | {f.column.table for f in query.filters}
    return tables.pop() if len(tables) == 1 else None


def _check_ranges(filters: list[Filter]) -> None:
    """'before 1945 and after 1955' on one column matches nothing: it meant two sets (shared by
    both), which the engine cannot write."""
    for low in filters:
        for high in filters:
            if low.column == high.column and low.op in (">", ">=") and high.op in ("<", "<="):
                try:
                    empty = low.value >= high.value
                except TypeError:
                    continue
                if empty:
                    raise Abstain(f"the bounds on {low.column.name} exclude each other")


def _widens_equality(filters: list[Filter], tags: list[Tag], i: int) -> bool:
    """'… 9 or 10' right after the filter column = 9."""
    previous, following = tags[i - 1] if i else None, tags[i + 1] if i + 1 < len(tags) else None
    return (
        bool(filters) and previous is not None and following is not None
        and previous.kind == "number" and following.kind == "number"
        and filters[-1].op == "=" and filters[-1].value == previous.data
    )


def is_year(value: object) -> bool:
    return isinstance(value, int) and 1900 <= value <= 2100


def _relative_period(kind: str, anchor: date) -> tuple[date, date]:
    month_start = anchor.replace(day=1)
    if kind == "this_year":
        return anchor.replace(month=1, day=1), anchor.replace(year=anchor.year + 1, month=1, day=1)
    if kind == "last_year":
        return anchor.replace(year=anchor.year - 1, month=1, day=1), anchor.replace(month=1, day=1)
    if kind == "this_month":
        return month_start, _next_month(month_start)
    if kind == "last_month":
        return (month_start - timedelta(days=1)).replace(day=1), month_start
    week_start = anchor - timedelta(days=anchor.weekday())
    return week_start - timedelta(days=7), week_start


def _describe_period(start: date, end: date) -> str:
    """'2024', 'November 2024' or '2024-12-16 to 2024-12-22' for [start, end)."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 1, 1) and end.year == start.year + 1:
        return str(start.year)
    if start.day == 1 and end == _next_month(start):
        return start.strftime("%B %Y")
    return f"{start.isoformat()} to {(end - timedelta(days=1)).isoformat()}"


def _next_month(day: date) -> date:
    return day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)


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
    alongside = [f for f in query.filters if f.column.table == table and f.op != "!=" and id(f.column) in negated_columns]
    inside = [f for f in query.filters if f.column.table == table and f not in alongside]
    query.filters = [f for f in query.filters if f.column.table != table]
    query.related.append(RelatedRows(table, [Filter(f.column, "=" if f.op == "!=" else f.op, f.value) for f in inside]))
    query.related += [RelatedRows(table, [f], negated=False) for f in alongside]
