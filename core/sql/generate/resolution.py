"""Which column a word means: among the columns a word could name, the one the question is about.

The context decides: the table named last, the main table, the tables in play, or the table
that explains most of the question's column words. Several candidates left: abstain.
"""

from __future__ import annotations

from core.sql.generate.direction import column_direction, direction_before
from core.sql.generate.query import Abstain, Filter
from core.sql.generate.reading import Reading
from core.sql.generate.schema_index import Column, SchemaIndex
from core.sql.generate.tags import Tag
from core.sql.generate.vocabulary import ALSO_CALLED, DATE_COLUMN, GENERIC_COLUMN_WORDS
from core.sql.generate.words import singular, split_identifier


class Resolver:
    def __init__(self, schema: SchemaIndex) -> None:
        self.schema = schema

    def column(self, r: Reading, tag: Tag) -> Column:
        """The one column a column word means here; abstains when it could be several."""
        column = self._column_among(r, tag)
        word = singular(tag.text.lower())
        if r.main and column.table != r.main and word == "name":
            title = self.title_column(r.main)
            if title is not None:
                return title  # "names of orchestras" is orchestra.Orchestra
        if r.main and column.table != r.main and word in GENERIC_COLUMN_WORDS:
            # "the id of students" is the student's id even if only pets have a column "id"
            raise Abstain(f"'{tag.text}' of {r.main} is not a column of {r.main}")
        return column

    def _column_among(self, r: Reading, tag: Tag) -> Column:
        columns = tag.columns
        recent = [c for c in columns if c.table == r.recent]
        if len(recent) == 1 and r.recent != r.main:
            return recent[0]  # "a student who has a cat that is age 3": the cat's age
        preferred = [c for c in columns if c.table == r.main]
        if len(preferred) == 1:
            return preferred[0]
        playing = [c for c in columns if c.table in r.in_play]
        if len(playing) == 1:
            return playing[0]
        if len(columns) == 1:
            return columns[0]  # named unambiguously: its table joins in
        if not r.in_play:
            best = max(r.coverage.get(c.table, 0) for c in columns)
            leaders = [c for c in columns if r.coverage.get(c.table, 0) == best]
            if len(leaders) == 1 and best > 1:
                return leaders[0]
        raise Abstain(f"'{tag.text}' could be several columns")

    def named_column(self, r: Reading, name: str) -> Column:
        """ "youngest dog": the age column of the table the words are about; "price" may be
        unit_price. Several candidates and no context: abstain."""
        found: list[Column] = []
        said = {w.lemma for w in r.words} | {w.lower for w in r.words}
        for tables in ([r.recent] if r.recent else [], [r.main] if r.main else [], list(self.schema.tables)):
            if name == DATE_COLUMN:
                found = [c for t in tables for c in self.schema.tables[t] if c.kind == "date"]
                if len(found) > 1:
                    # "the student who registered earliest": of several dates, the one the question names
                    found = [c for c in found if any(word in said for word in c.words)] or found
                if found:
                    break
                continue
            for alternative in ALSO_CALLED.get(name, (name,)):
                found = [c for t in tables for c in self.schema.tables[t] if c.name.lower() == alternative]
                found += [
                    c
                    for t in tables
                    for c in self.schema.tables[t]
                    if c.name.lower() != alternative and c.says(singular(alternative))
                ]
                if found:
                    break
            if found:
                break
        if len(found) != 1:
            raise Abstain(f"no single '{name}' column")
        return found[0]

    def value_filter(self, r: Reading, tag: Tag) -> Filter:
        """column = value for a value word, the column chosen by what the words are about."""
        # "orders from customers in Germany": the customers' country, not the orders' — the
        # value describes the table just named, as a column word would (_column_among).
        hits = tag.hits
        recent = [h for h in hits if r.recent != r.main and h.column.table == r.recent]
        in_main = [h for h in hits if h.column.table == r.main]
        playing = [h for h in hits if h.column.table in r.in_play]
        chosen = recent or in_main or playing or list(hits)
        columns = {id(h.column): h for h in chosen}
        direction = direction_before([w.lower for w in r.words], tag.start)
        if len(columns) > 1 and direction is not None:
            # "flights departing from 'APG'": the source column, not the destination
            columns = {key: h for key, h in columns.items() if column_direction(h.column) == direction}
        if len(columns) != 1:
            raise Abstain(f"'{tag.text}' appears in several columns")
        hit = next(iter(columns.values()))
        if direction is not None:
            r.query.directions[hit.column.table] = direction  # "from Aberdeen": the source key
        return Filter(hit.column, "=", hit.value)

    def column_value_filter(self, r: Reading, column_tag: Tag, value_tag: Tag) -> Filter:
        """ "airline 'JetBlue Airways'": the column whose data holds the value, among the
        columns the words could name."""
        holders = {id(h.column): h for h in value_tag.hits if h.column in column_tag.columns}
        if len(holders) == 1:
            hit = next(iter(holders.values()))
            direction = direction_before([w.lower for w in r.words], column_tag.start)
            if direction is not None:
                r.query.directions[hit.column.table] = direction  # "from the city Aberdeen": the source key
            return Filter(hit.column, "=", hit.value)
        column = self.column(r, column_tag)
        held = [h for h in holders.values() if h.column == column]
        if len(held) == 1:
            return Filter(column, "=", held[0].value)  # 'BK' in templates' type code and its lookup table's
        if holders or column.kind != "text" or not r.words[value_tag.start].quoted:
            raise Abstain(f"'{value_tag.text}' is not a value of {column.name}")
        return Filter(column, "=", value_tag.text)

    def title_column(self, table: str) -> Column | None:
        """The text column named like its table (orchestra.Orchestra): the table's name for its rows."""
        readings = self.schema.table_readings.get(table) or {tuple(split_identifier(table))}
        titles = [c for c in self.schema.tables[table] if c.kind == "text" and c.readings & readings]
        return titles[0] if len(titles) == 1 else None

    def primary_key(self, table: str) -> Column:
        keys = [c for c in self.schema.tables[table] if c.primary_key]
        if len(keys) != 1:
            raise Abstain(f"{table} has no single-column key to group by")
        return keys[0]
