"""What the pattern engine knows about a database: tables, columns as phrases, literal values.

Built once from `Database.tables()` and `Database.distinct_values()`; questions are matched
against phrases made of singular words, so 'countries' finds `country` and `Song_Name` is
'song name'. Short column comments add phrases too ("spend" for a column commented 'spend').
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.sql.generate.words import split_identifier

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.sql.models import TableInfo, Value

    # distinct_values(table, column, limit): a column's most frequent values (Database.distinct_values).
    DistinctValues = Callable[[str, str, int], list[Value]]

# Text columns with at most this many distinct values are "categories": their values match
# even written in lower case ("cats", "europe"); others need quotes or capitals.
CATEGORY_LIMIT = 40
VALUE_FETCH_LIMIT = 2000
_GENERIC_TABLE_WORDS = {"data", "info", "information", "detail", "record", "list", "table", "entry"}
# Last words of column names that only say "a quantity of": total_amount is the order's total.
_UNIT_WORDS = {"amount", "value"}
# Last words of column names that questions leave out: "the email" of email_address.
_QUALIFIER_WORDS = {"address", "million", "millions", "code"}
# Yes/no columns: is_active, IsOfficial, abandoned_yn, and how they spell yes and no.
_FLAG_WORDS = {"is", "yn", "flag"}
_TRUE = {"t", "y", "yes", "true", "1"}
_FALSE = {"f", "n", "no", "false", "0"}
_NUMERIC = re.compile(r"int|real|num|dec|float|double|money|serial", re.I)
_DATE = re.compile(r"date|time", re.I)
_DATE_NAME = re.compile(r"(^|_)(date|day)($|_)|_at$|_on$|date$", re.I)


@dataclass
class Column:
    table: str
    name: str
    type: str
    primary_key: bool = False
    references: str | None = None  # "table.column"
    numeric_text: bool = False  # a text column whose values are all numbers ("97", "130")

    @property
    def kind(self) -> str:
        # SQLite stores dates as TEXT: a column named like a date counts as one.
        if _DATE.search(self.type) or (not _NUMERIC.search(self.type) and _DATE_NAME.search(self.name)):
            return "date"
        if _NUMERIC.search(self.type):
            return "number"
        return "text"


@dataclass
class ValueHit:
    column: Column
    value: object
    category: bool


@dataclass
class SchemaIndex:
    tables: dict[str, list[Column]] = field(default_factory=dict)
    table_phrases: dict[tuple[str, ...], set[str]] = field(default_factory=lambda: defaultdict(set))
    column_phrases: dict[tuple[str, ...], list[Column]] = field(default_factory=lambda: defaultdict(list))
    values: dict[str, list[ValueHit]] = field(default_factory=lambda: defaultdict(list))
    foreign_keys: list[tuple[Column, Column]] = field(default_factory=list)
    max_phrase: int = 1

    @classmethod
    def build(cls, tables: list[TableInfo], distinct_values: DistinctValues | None = None) -> SchemaIndex:
        """distinct_values(table, column, limit) -> list; None skips literal values."""
        index = cls()
        for table in tables:
            columns = [
                Column(table.name, c.name, str(c.type or ""), bool(c.primary_key), c.references)
                for c in table.columns
            ]
            index.tables[table.name] = columns
            words = tuple(split_identifier(table.name))
            index._add_table_phrase(words, table.name)
            if len(words) > 1 and words[-1] in _GENERIC_TABLE_WORDS:
                index._add_table_phrase(words[:-1], table.name)  # cars_data is "cars"
            for column, info in zip(columns, table.columns, strict=True):
                index._add_column_phrases(column, getattr(info, "comment", None))
        by_name = {(t.lower(), c.name.lower()): c for t, cols in index.tables.items() for c in cols}
        for columns in index.tables.values():
            for column in columns:
                if column.references and "." in column.references:
                    target_table, target_column = column.references.rsplit(".", 1)
                    target = by_name.get((target_table.lower(), target_column.lower()))
                    if target is not None:
                        index.foreign_keys.append((column, target))
        index._mark_implied_keys()
        if distinct_values is not None:
            index._add_values(distinct_values)
        return index

    def column(self, table: str, name: str) -> Column | None:
        for column in self.tables.get(table, []):
            if column.name.lower() == name.lower():
                return column
        return None

    def _mark_implied_keys(self) -> None:
        """A number column named after another table (flights.airline → airlines) is a key to it,
        declared or not: it holds ids, never the airline's name."""
        for columns in self.tables.values():
            for column in columns:
                sole_key = column.primary_key and sum(c.primary_key for c in columns) == 1
                if column.references or column.kind != "number" or sole_key:
                    continue
                words = tuple(split_identifier(column.name))
                targets = sorted(self.table_phrases.get(words, set()) - {column.table})
                if not targets:
                    continue
                keys = [c for c in self.tables[targets[0]] if c.primary_key]
                if len(keys) == 1 and keys[0].kind == "number":
                    column.references = f"{keys[0].table}.{keys[0].name}"
                    self.foreign_keys.append((column, keys[0]))  # joinable like a declared key
                else:
                    column.references = targets[0]

    def _add_table_phrase(self, words: tuple[str, ...], table: str) -> None:
        if words:
            self.table_phrases[words].add(table)
            self.max_phrase = max(self.max_phrase, len(words))

    def _add_column_phrases(self, column: Column, comment: str | None) -> None:
        words = tuple(split_identifier(column.name))
        table_words = tuple(split_identifier(column.table))
        phrases = {words, table_words + words}
        # "Singer_ID" in table singer is also just "id"; "stadium_name" is also "name".
        if len(words) > len(table_words) and words[: len(table_words)] == table_words:
            phrases.add(words[len(table_words):])
        if words[:1] == ("number",) and len(words) > 1:
            phrases.add(("number", "of") + words[1:])  # number_products: "number of products"
        if len(words) > 1 and words[-1] in _UNIT_WORDS:
            phrases.add(table_words + words[:-1])  # orders.total_amount: "order total"
        if len(words) > 1 and words[-1] in _QUALIFIER_WORDS:
            phrases.add(words[:-1])  # email_address: "email"; net_worth_millions: "net worth"
        if "of" in words[1:-1]:
            at = words.index("of")
            phrases.add(words[at + 1:] + words[:at])  # level_of_membership: "membership level"
        for start in range(1, len(words) - 1):
            phrases.add(words[start:])  # major_record_format: "record format"
        if comment and len(comment.split()) <= 3:
            phrases.add(tuple(split_identifier(comment)))
        for phrase in phrases:
            if phrase and column not in self.column_phrases[phrase]:
                self.column_phrases[phrase].append(column)
                self.max_phrase = max(self.max_phrase, len(phrase))

    def _add_values(self, distinct_values: DistinctValues) -> None:
        for columns in self.tables.values():
            for column in columns:
                if column.kind != "text":
                    continue
                try:
                    values = list(distinct_values(column.table, column.name, VALUE_FETCH_LIMIT))
                except Exception:  # noqa: BLE001 — a column we cannot read just contributes no values
                    continue
                self._add_flag(column, values)
                column.numeric_text = bool(values) and all(_is_number(v) for v in values)
                category = len(values) <= CATEGORY_LIMIT
                for value in values:
                    if isinstance(value, str) and value.strip() and len(value) <= 60:
                        key = normalise_value(value)
                        if key:
                            self.values[key].append(ValueHit(column, value, category))

    def _add_flag(self, column: Column, values: list[Value]) -> None:
        """IsOfficial ('T'/'F') makes "official" a value: "official languages" is IsOfficial = 'T'."""
        words = split_identifier(column.name)
        adjective = [w for w in words if w not in _FLAG_WORDS]
        if adjective == words or not adjective or not values:
            return
        seen = {str(v).strip().lower() for v in values}
        true_values = [v for v in values if str(v).strip().lower() in _TRUE]
        if not seen <= _TRUE | _FALSE or len(true_values) != 1:
            return
        self.values[" ".join(adjective)].append(ValueHit(column, true_values[0], True))


def _is_number(value: object) -> bool:
    return re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", str(value)) is not None


def normalise_value(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))
