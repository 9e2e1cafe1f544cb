"""What the tagger reads a question as: typed, immutable tags, one per span of words.

Each tag has a kind and a payload whose type the kind decides; the accessors below return the
payload typed for the kinds that carry it, so the interpreter never reads an untyped `data`.
Tags are frozen: the interpreter re-reads a tag (a table word that is really a column) by
making a new one, never by changing it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, TypeVar, Union

from core.sql.generate.schema_index import Column, ValueHit

if TYPE_CHECKING:
    from core.sql.generate.metrics import Measure

_T = TypeVar("_T")


class TagKind(str, Enum):
    # Read from the schema and the data
    TABLE = "table"  # payload: TableWord
    COLUMN = "column"  # payload: tuple[Column, ...], the columns the words could name
    VALUE = "value"  # payload: tuple[ValueHit, ...], where the words occur in the data
    MEASURE = "measure"  # payload: Measure, a business metric from the documentation
    NUMBER = "number"  # payload: int | float
    PERIOD = "period"  # payload: a relative period ("last_month") or MonthOfYear
    # Words that only say how: dropped before interpretation
    FILLER = "filler"
    RELATION = "relation"  # a verb relating tables ("produced by"); the query notes it
    # The engine's own vocabulary (core/sql/generate/vocabulary.py)
    COUNT = "count"
    AGG = "agg"  # payload: "AVG" | "SUM"
    EXTREME = "extreme"  # payload: "MIN" | "MAX"
    CMP = "cmp"  # payload: a comparison operator
    CMP_COL = "cmp_col"  # payload: NamedColumn ("older than": age, ">")
    SUPER_COL = "super_col"  # payload: NamedColumn ("youngest": age, "ASC")
    ORDER_COL = "order_col"  # payload: NamedColumn ("oldest first": age, "DESC")
    ASK_COL = "ask_col"  # payload: NamedColumn ("how old": age): the column asked for
    BETWEEN = "between"
    BUCKET = "bucket"  # payload: "year" | "month" | "day"
    TIME_CMP = "time_cmp"  # payload: a comparison operator for a year bound
    ORDER = "order"
    DIR = "dir"  # payload: "ASC" | "DESC"
    GROUP = "group"
    DISTINCT = "distinct"
    COMMON = "common"  # payload: "ASC" | "DESC" ("least common", "most common")
    TOP = "top"
    BOTH = "both"
    CONTAINS = "contains"  # "containing", "has the substring": a text condition on the value that follows
    BY = "by"
    OR = "or"
    NOT = "not"
    # Structure and failure
    BREAK = "break"  # a sentence end inside the question
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TableWord:
    """A word naming a table; `columns` are columns elsewhere it could name instead."""

    tables: tuple[str, ...]
    columns: tuple[Column, ...] = ()


@dataclass(frozen=True)
class NamedColumn:
    """An adjective that names its column: "older than" → ("age", ">"), "latest" → (DATE_COLUMN, "DESC")."""

    name: str
    op: str


@dataclass(frozen=True)
class MonthOfYear:
    year: int
    month: int


TagData = Union[
    None, int, float, str, TableWord, NamedColumn, MonthOfYear, tuple[Column, ...], tuple[ValueHit, ...], "Measure"
]


@dataclass(frozen=True)
class Tag:
    kind: TagKind
    start: int  # first word of the span
    end: int  # one past its last word
    text: str
    data: TagData = None

    def as_column(self, columns: tuple[Column, ...]) -> Tag:
        """This table word read as a column of another table ("singers in each country")."""
        return replace(self, kind=TagKind.COLUMN, data=columns)

    @property
    def table_word(self) -> TableWord:
        return self._payload(TableWord, TagKind.TABLE)

    @property
    def tables(self) -> tuple[str, ...]:
        return self.table_word.tables

    @property
    def columns(self) -> tuple[Column, ...]:
        self._expect(TagKind.COLUMN)
        return self.data  # type: ignore[return-value]

    @property
    def hits(self) -> tuple[ValueHit, ...]:
        self._expect(TagKind.VALUE)
        return self.data  # type: ignore[return-value]

    @property
    def number(self) -> int | float:
        self._expect(TagKind.NUMBER)
        return self.data  # type: ignore[return-value]

    @property
    def op(self) -> str:
        return self._payload(str, TagKind.CMP, TagKind.TIME_CMP)

    @property
    def aggregate(self) -> str:
        return self._payload(str, TagKind.AGG, TagKind.EXTREME)

    @property
    def direction(self) -> str:
        return self._payload(str, TagKind.DIR, TagKind.COMMON)

    @property
    def unit(self) -> str:
        return self._payload(str, TagKind.BUCKET)

    @property
    def named(self) -> NamedColumn:
        return self._payload(NamedColumn, TagKind.CMP_COL, TagKind.SUPER_COL, TagKind.ORDER_COL, TagKind.ASK_COL)

    @property
    def measure(self) -> Measure:
        self._expect(TagKind.MEASURE)
        return self.data  # type: ignore[return-value]

    @property
    def period(self) -> str | MonthOfYear:
        self._expect(TagKind.PERIOD)
        return self.data  # type: ignore[return-value]

    def _payload(self, kind_of_data: type[_T], *kinds: TagKind) -> _T:
        self._expect(*kinds)
        if not isinstance(self.data, kind_of_data):
            raise TypeError(f"{self.kind.value} tag '{self.text}' carries {type(self.data).__name__}")
        return self.data

    def _expect(self, *kinds: TagKind) -> None:
        if self.kind not in kinds:
            raise TypeError(f"'{self.text}' is a {self.kind.value} tag, not {'/'.join(k.value for k in kinds)}")
