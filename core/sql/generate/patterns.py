"""Schema-aware pattern engine: plain questions to SQL without an LLM, or an honest "no".

The question is read as a sequence of tags (schema tables and columns, literal values found in
the data, numbers, and a small vocabulary of aggregate, comparison, grouping and ordering
words). Every word must be explained by a tag or be a known filler word; one word it cannot
explain and the engine abstains — a wrong query that looks right is worse than no query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import date, timedelta

from core.sql.generate.schema_index import Column, SchemaIndex, ValueHit, normalise_value
from core.sql.generate.words import singular, split_identifier


class Abstain(Exception):
    """The engine cannot write this query with confidence; the message says why."""


# ---- vocabulary --------------------------------------------------------------------------

FILLER = set(
    """what which who whom whose where is are was were be been being the a an of all do does did
    have has had there that with in on at for to from and me show list give find return display
    tell get please their its his her they them it this these those as also each every any
    including info information detail details record records value values i we you would like
    know can could see us our entry entries data shown listed given currently named called placed come comes came among""".split()
)
_GENERIC_COLUMN_WORDS = {"id", "code"}
_PREPOSITIONS = {"to", "from", "by", "in", "on", "at", "for", "with"}
QUESTION_VERBS = {"show", "list", "give", "find", "return", "display", "tell", "get", "what", "which", "how", "count", "who"}

MARKERS: dict[tuple[str, ...], tuple[str, object]] = {}


def _marker(kind: str, data: object, *phrases: str) -> None:
    for phrase in phrases:
        MARKERS[tuple(phrase.split())] = (kind, data)


_marker("count", None, "how many", "number of", "count of", "count", "total number of", "the number of", "total count of")
_marker("filler", None, "in total", "in all", "altogether", "amount of", "the amount of")
_marker("agg", "AVG", "average", "mean", "avg", "average of", "mean of")
_marker("agg", "SUM", "sum of", "sum", "total of", "combined", "total")
_marker("extreme", "MIN", "minimum", "min", "lowest", "smallest", "least", "fewest")
_marker("extreme", "MAX", "maximum", "max", "highest", "largest", "biggest", "greatest", "most")
_marker("cmp", ">", "more than", "greater than", "larger than", "bigger than", "higher than", "over", "above", "exceeding")
_marker("cmp", ">=", "at least", "no less than", "or more", "not less than")
_marker("cmp", "<", "less than", "fewer than", "smaller than", "lower than", "below", "under")
_marker("cmp", "<=", "at most", "no more than", "or less", "not more than")
_marker("cmp", "=", "equal to", "equals", "equal")
_marker("between", None, "between")
_marker("order", None, "ordered by", "order by", "sorted by", "sort by", "ranked by", "in order of", "order of", "sorted")
_marker("dir", "DESC", "from the oldest to the youngest", "from oldest to youngest", "descending", "desc", "in descending order", "from highest to lowest", "from largest to smallest", "decreasing")
_marker("dir", "ASC", "from the youngest to the oldest", "from youngest to oldest", "ascending", "asc", "in ascending order", "alphabetical order", "alphabetically", "from lowest to highest", "increasing", "in alphabetical order")
_marker("group", None, "for each", "for every", "for different", "for each different", "in each", "of each", "per", "by each", "each")
_marker("distinct", None, "different", "distinct", "unique")
_marker("common", "DESC", "most common", "most frequent", "most popular", "the most common", "most frequently")
_marker("common", "ASC", "least common", "least frequent", "least popular", "the least common")
_marker("top", None, "top")
_marker("by", None, "by")
_marker("or", None, "or")
_marker("not", None, "not", "is not", "are not", "other than", "except", "excluding")
_marker("period", "this_year", "this year", "so far this year", "year to date")
_marker("period", "last_year", "last year", "previous year", "past year")
_marker("period", "this_month", "this month")
_marker("period", "last_month", "last month", "previous month", "past month")
_marker("period", "last_week", "last week", "past week")

# Comparative and superlative adjectives name their column: "older than 30" is age > 30.
COMPARATIVES = {
    "older": ("age", ">"), "younger": ("age", "<"), "heavier": ("weight", ">"),
    "lighter": ("weight", "<"), "taller": ("height", ">"), "shorter": ("height", "<"),
    "longer": ("length", ">"), "cheaper": ("price", "<"), "more expensive": ("price", ">"),
}
SUPERLATIVES = {
    "oldest": ("age", "DESC"), "youngest": ("age", "ASC"), "heaviest": ("weight", "DESC"),
    "lightest": ("weight", "ASC"), "tallest": ("height", "DESC"), "shortest": ("height", "ASC"),
    "longest": ("length", "DESC"), "cheapest": ("price", "ASC"), "most expensive": ("price", "DESC"),
}
for _phrase, (_col, _op) in COMPARATIVES.items():
    MARKERS[tuple(_phrase.split()) + ("than",)] = ("cmp_col", (_col, _op))
for _phrase, (_col, _dir) in SUPERLATIVES.items():
    MARKERS[tuple(_phrase.split())] = ("super_col", (_col, _dir))
MAX_MARKER = max(len(key) for key in MARKERS)

# Adjectives of place, for values stored as the place: "Asian countries" → continent 'Asia'.
_DEMONYMS = {
    "asian": "asia", "african": "africa", "european": "europe", "french": "france", "german": "germany",
    "italian": "italy", "spanish": "spain", "british": "united kingdom", "dutch": "netherlands",
    "chinese": "china", "japanese": "japan", "american": "usa", "canadian": "canada", "polish": "poland",
}
_NUMBER_WORDS = {w: str(n) for n, w in enumerate("zero _ two three four five six seven eight nine ten".split()) if w != "_"}
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}


@dataclass
class Word:
    text: str
    lower: str
    lemma: str
    quoted: bool = False
    position: int = 0
    following: str | None = None  # the next word, lower-cased

    @property
    def capital(self) -> bool:
        return self.position > 0 and self.text[:1].isupper()


@dataclass
class Tag:
    kind: str  # table | column | value | number | date | filler | marker kinds above | unknown
    start: int
    end: int
    text: str
    data: object = None


def tokenize(question: str) -> list[Word]:
    words: list[Word] = []
    for match in re.finditer(r"\"([^\"]+)\"|'([^']+)'(?!\w)|“([^”]+)”|(\d+(?:\.\d+)?)|([\w][\w'-]*)", question):
        quoted = next((g for g in match.groups()[:3] if g is not None), None)
        if quoted is not None:
            words.append(Word(quoted, quoted.lower(), quoted.lower(), quoted=True))
            continue
        text = match.group(0).rstrip("'")
        text = _NUMBER_WORDS.get(text.lower(), text)  # "two" → "2" ("one" stays: often a pronoun)
        if text.endswith("'s"):
            text = text[:-2]
        lower = text.lower()
        words.append(Word(text, lower, singular(lower)))
    for position, word in enumerate(words):
        word.position = position
        word.following = words[position + 1].lower if position + 1 < len(words) else None
    return words


# ---- query model -------------------------------------------------------------------------


@dataclass
class Select:
    column: Column | None  # None with COUNT means count(*)
    agg: str | None = None
    distinct: bool = False


@dataclass
class Filter:
    column: Column
    op: str
    value: object


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
    having: tuple[str, int] | None = None
    count_order: str | None = None


class PatternEngine:
    def __init__(
        self,
        schema: SchemaIndex,
        today: date | None = None,
        latest_date: Callable[[str, str], date | None] | None = None,
    ) -> None:
        # The SQL written is plain enough to run unchanged on SQLite and PostgreSQL: ISO date
        # literals, standard aggregates, identifiers quoted only when not lower-case.
        self.schema = schema
        self.today = today  # None: the real date at each question (long-running processes)
        # latest_date(table, column): the newest date in the data, the anchor for "last month".
        self.latest_date = latest_date
        self._date_words_cache: set[str] | None = None

    def generate(self, question: str) -> tuple[str, list[str]]:
        """(sql, tables) or raises Abstain with the reason."""
        words = tokenize(question)
        if len(words) < 2:
            raise Abstain("the question is too short")
        tags = self.tag(words)
        unknown = [tag.text for tag in tags if tag.kind == "unknown"]
        if unknown:
            raise Abstain(f"not understood: {', '.join(unknown[:5])}")
        query = self.interpret(tags, words)
        return self.render(query), query.tables

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
        if word.quoted:
            return Tag("value", start, start + 1, word.text, self._value_hits(word.text, quoted=True))
        if re.fullmatch(r"\d+(?:\.\d+)?", word.text):
            number = float(word.text) if "." in word.text else int(word.text)
            return Tag("number", start, start + 1, word.text, number)
        best: Tag | None = None
        limit = max(self.schema.max_phrase, MAX_MARKER, 4)
        for end in range(min(len(words), start + limit), start, -1):
            span = words[start:end]
            lowers = tuple(w.lower for w in span)
            lemmas = tuple(w.lemma for w in span)
            text = " ".join(w.text for w in span)
            candidates: list[Tag] = []
            marker = MARKERS.get(lowers)
            if marker:
                candidates.append(Tag(marker[0], start, end, text, marker[1]))
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
                # Schema words beat markers of the same length ("total" the column vs "total" the
                # word) unless an aggregate word leads into more words: "average, maximum age".
                order = {"table": 0, "column": 1, "value": 2}
                following = words[end].lower if end < len(words) else None
                leads_on = following is not None and (following not in FILLER or following == "and")
                if marker and marker[0] in ("agg", "extreme") and leads_on:
                    order = {marker[0]: 0}
                candidates.sort(key=lambda tag: order.get(tag.kind, 3))
                best = candidates[0]
                break
        if best is not None:
            return best
        if word.lower in _MONTHS and start + 1 < len(words) and re.fullmatch(r"(19|20)\d\d", words[start + 1].text):
            return Tag("period", start, start + 2, f"{word.text} {words[start + 1].text}", ("month", int(words[start + 1].text), _MONTHS[word.lower]))
        if word.lower in FILLER or (start == 0 and word.lower in ("sort", "order", "rank", "arrange")):
            return Tag("filler", start, start + 1, word.text)
        if self._verb_of_value(word) or word.lemma in self._date_words:
            # "orders shipped to Germany" (status value used as a verb), "enrolled in 2023"
            # (the verb of the date column enrolled_on): words that say how, not what.
            return Tag("filler", start, start + 1, word.text)
        year = re.fullmatch(r"(19|20)\d\d", word.text)
        if year:
            return Tag("number", start, start + 1, word.text, int(word.text))
        return Tag("unknown", start, start + 1, word.text)

    def _verb_of_value(self, word: Word) -> bool:
        """'shipped' in "orders shipped to Germany" is a verb, not the status value 'shipped'."""
        return word.lower.endswith("ed") and word.following in _PREPOSITIONS and word.lower in self.schema.values

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
        if not hits and not quoted and key in _DEMONYMS:
            hits = self.schema.values.get(_DEMONYMS[key], [])  # "Asian countries" → 'Asia'
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
        tags = [tag for tag in tags if tag.kind != "filler"]
        query = Query()
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
        table_tags = [tag for tag in tags if tag.kind == "table"]
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
            if main and column.table != main and singular(tag.text.lower()) in _GENERIC_COLUMN_WORDS:
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
                in_main = [h for h in hits if h.column.table == main]
                playing = [h for h in hits if h.column.table in in_play]
                hits = in_main or playing or hits
            columns = {id(h.column): h for h in hits}
            if len(columns) != 1:
                raise Abstain(f"'{tag.text}' appears in several columns")
            hit = next(iter(columns.values()))
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
                if nxt is not None and nxt.kind == "value":
                    query.filters.append(column_value_filter(tag, nxt))
                    i += 2
                    continue
                column = resolve(tag)
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
                    raise Abstain(f"cannot place the column '{tag.text}'")
                if pending_count and pending_distinct:
                    query.selects.append(Select(column, "COUNT", distinct=True))
                elif pending_count:
                    raise Abstain(f"'how many {tag.text}' is ambiguous")
                elif not seen_table and tag.text.lower().startswith("total ") and column.kind == "number" and _asks_for_one_value(words):
                    # "What is the total amount of orders?": one number, the sum.
                    query.selects.append(Select(column, "SUM"))
                elif pending_aggs:
                    if column.kind != "number" and any(a in ("AVG", "SUM") for a in pending_aggs):
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
            elif kind == "cmp" and nxt is not None and nxt.kind == "column" and i + 2 < len(tags) and tags[i + 2].kind == "number":
                column = resolve(nxt)  # "singers above age 20"
                if column.kind != "number" or column.references:
                    raise Abstain(f"'{nxt.text}' is not a quantity to compare")
                query.filters.append(Filter(column, tag.data, tags[i + 2].data))
                i += 3
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
            elif kind == "dir":
                if nxt is not None and nxt.kind == "order":
                    pass  # "in descending order of X": handled by the order tag
                elif query.order_by is not None and query.limit is None:
                    query.order_by = (query.order_by[0], tag.data)
                else:
                    raise Abstain(f"cannot place '{tag.text}'")
            elif kind == "number" and nxt is not None and nxt.kind in ("extreme", "super_col") and not pending_aggs:
                query.limit = int(tag.data)
            elif kind == "period" or (kind == "number" and is_year(tag.data) and (i == 0 or tags[i - 1].kind not in ("cmp", "cmp_col", "top"))):
                query.filters.extend(self._period_filters(tag, main))
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
        if not query.selects and main is not None and _asks_for_rows(words):
            query.selects.append(self._rows_of(main, words))
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
        if query.count_order is not None and query.order_by is not None:
            raise Abstain("two orderings")
        if query.order_by is not None and query.limit is not None and any(s.agg for s in query.selects) and query.group_by is None:
            raise Abstain("aggregate with a superlative")
        query.filters = merge_equalities(query.filters, either=any(t.kind == "or" for t in tags))
        tables = [main] if main else []
        for column in self._columns(query):
            if column.table not in tables:
                tables.append(column.table)
        if len(tables) > 1 and any(f.op == "!=" for f in query.filters):
            # "students who do not have a cat" is NOT IN over the pets, not a != on each pet
            raise Abstain("negation across related tables needs an LLM")
        if query.count_table is not None and query.count_table not in tables:
            tables.append(query.count_table)
        if not tables:
            raise Abstain("no table")
        unused = [t for t in in_play if t not in tables]
        if unused:
            # "students who have a pet": a mentioned table that takes no part is a relation
            # the engine cannot express.
            raise Abstain(f"does not know how {unused[0]} relates")
        query.tables = tables
        shown_tables = {s.column.table for s in query.selects if s.column is not None}
        joined = set(tables) | {table for table, _ in self._join_path(tables)}
        fans_out = any(
            a.table in joined and a.table not in shown_tables and b.table in shown_tables for a, b in self.schema.foreign_keys
        )
        if fans_out and query.group_by is None and all(s.agg is None and s.column is not None for s in query.selects):
            # Students filtered through their pets: each student once, not once per matching pet.
            query.distinct = True
        return query

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
        else:
            query.group_by = self._primary_key(select_table)
        if not query.selects:
            query.selects.append(self._rows_of(select_table, words))

    def _rows_of(self, table: str, words: list[Word]) -> Select:
        """"Which airlines…" asks who they are: their name column. "List the orders…": whole rows."""
        if words[0].lower in ("which", "find", "what"):
            table_words = tuple(split_identifier(table))
            names = [
                c for c in self.schema.tables[table]
                if c.kind == "text" and tuple(split_identifier(c.name)) in {("name",), table_words + ("name",), table_words}
            ]
            if len(names) == 1:
                return Select(names[0])
        return Select(None)

    def _period_filters(self, tag: Tag, main: str | None) -> list[Filter]:
        if main is None:
            raise Abstain(f"'{tag.text}' needs a table with a date")
        dates = [c for c in self.schema.tables[main] if c.kind == "date"]
        years = [c for c in self.schema.tables[main] if c.name.lower() == "year"]
        if tag.kind == "number" and not dates and len(years) == 1:
            return [Filter(years[0], "=", tag.data)]
        if len(dates) != 1:
            raise Abstain(f"'{tag.text}': {main} has {'no' if not dates else 'several'} date columns")
        column = dates[0]
        start, end = self._period(tag, column)
        return [Filter(column, ">=", start.isoformat()), Filter(column, "<", end.isoformat())]

    def _period(self, tag: Tag, column: Column) -> tuple[date, date]:
        if tag.kind == "number":
            return date(tag.data, 1, 1), date(tag.data + 1, 1, 1)
        if isinstance(tag.data, tuple):
            _, year, month = tag.data
            return date(year, month, 1), _next_month(date(year, month, 1))
        anchor = self.today or date.today()
        latest = self.latest_date(column.table, column.name) if self.latest_date else None
        if latest is not None and latest < anchor:
            anchor = latest
        month_start = anchor.replace(day=1)
        if tag.data == "this_year":
            return anchor.replace(month=1, day=1), anchor.replace(year=anchor.year + 1, month=1, day=1)
        if tag.data == "last_year":
            return anchor.replace(year=anchor.year - 1, month=1, day=1), anchor.replace(month=1, day=1)
        if tag.data == "this_month":
            return month_start, _next_month(month_start)
        if tag.data == "last_month":
            previous = (month_start - timedelta(days=1)).replace(day=1)
            return previous, month_start
        week_start = anchor - timedelta(days=anchor.weekday())
        return week_start - timedelta(days=7), week_start

    @staticmethod
    def _columns(query: Query) -> list[Column]:
        columns = [s.column for s in query.selects if s.column is not None]
        # (a Select without column and aggregate is '*': rows of the main table)
        columns += [f.column for f in query.filters]
        if query.group_by is not None:
            columns.append(query.group_by)
        if query.order_by is not None:
            columns.append(query.order_by[0])
        return columns

    # ---- rendering -------------------------------------------------------------------------

    def render(self, query: Query) -> str:
        joins = self._join_path(query.tables)
        multi = len(query.tables) > 1
        alias = {table: (f"T{n}" if multi else None) for n, table in enumerate(query.tables, start=1)}
        for table in joins:
            alias.setdefault(table[0], f"T{len(alias) + 1}")

        def ref(column: Column) -> str:
            name = quote_identifier(column.name)
            return f"{alias[column.table]}.{name}" if alias.get(column.table) else name

        parts = []
        for select in query.selects:
            if select.agg == "COUNT" and select.column is None:
                parts.append("COUNT(*)")
            elif select.column is None:
                parts.append(f"{alias[query.tables[0]]}.*" if multi else "*")
            elif select.agg:
                inner = ("DISTINCT " if select.distinct else "") + ref(select.column)
                parts.append(f"{select.agg}({inner})")
            else:
                parts.append(ref(select.column))
        sql = "SELECT " + ("DISTINCT " if query.distinct else "") + ", ".join(parts)
        first = query.tables[0]
        sql += f" FROM {quote_identifier(first)}" + (f" AS {alias[first]}" if multi else "")
        for table, condition in joins:
            sql += f" JOIN {quote_identifier(table)} AS {alias[table]} ON " + condition(ref)
        if query.filters:
            sql += " WHERE " + " AND ".join(filter_sql(f, ref) for f in query.filters)
        if query.group_by is not None:
            sql += f" GROUP BY {ref(query.group_by)}"
        if query.having is not None:
            sql += f" HAVING COUNT(*) {query.having[0]} {literal(query.having[1])}"
        if query.count_order is not None:
            sql += f" ORDER BY COUNT(*) {query.count_order}"
        if query.order_by is not None:
            column, direction = query.order_by
            sql += f" ORDER BY {ref(column)} {direction}"
        if query.limit is not None:
            sql += f" LIMIT {query.limit}"
        return sql

    def _join_path(self, tables: list[str]):
        """Joins along foreign keys connecting all tables (shortest paths from the first)."""
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
                if destination not in joined:
                    joined.append(destination)
                    a, b = edge
                    joins.append((destination, lambda ref, a=a, b=b: f"{ref(a)} = {ref(b)}"))
        if len(joined) > len(tables) + 1:
            raise Abstain("joins through more than one table not mentioned")
        return joins

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


def quote_identifier(name: str) -> str:
    """Plain lower-case names stay bare; anything else is quoted (PostgreSQL folds bare names)."""
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = {"order", "group", "select", "from", "where", "table", "user", "limit", "by", "to", "desc", "asc", "all", "and", "or", "not"}


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


def is_year(value: object) -> bool:
    return isinstance(value, int) and 1900 <= value <= 2100


def _next_month(day: date) -> date:
    return day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)


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
            values = same.value if same.op == "IN" else [same.value]
            same.op, same.value = "IN", [*values, item.value]
    return merged


def filter_sql(item: Filter, ref) -> str:
    if item.op == "IN":
        return f"{ref(item.column)} IN ({', '.join(literal(v) for v in item.value)})"
    return f"{ref(item.column)} {item.op} {literal(item.value)}"


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
