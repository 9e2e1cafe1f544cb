"""The interpreter's state while it reads one question's tags, shared by its parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.sql.generate.query import Query
from core.sql.generate.tags import Tag, TagKind
from core.sql.generate.tokens import Word


@dataclass
class Reading:
    """The interpreter's state while reading one question."""

    tags: list[Tag]  # without filler and relation words; table words re-read as columns
    words: list[Word]
    query: Query
    main: str | None  # the first table named: the rows the question is about
    in_play: list[str]  # every table named (not negated), in order
    coverage: dict[str, int]  # per table, how many column words it could explain
    negated: set[int]  # starts of table words after a negation ("without orders")
    period_table: str | None  # the table whose date a period means, when a metric decides it
    sort_verb: bool  # the question starts "Sort …" / "Order …"
    relations: set[int] = field(default_factory=set)  # positions of words read as relating verbs
    recent: str | None = None  # table of the latest table word or value
    seen_table: bool = False
    pending_aggs: list[str] = field(default_factory=list)  # aggregates waiting for their column
    pending_count: bool = False  # "how many" waiting for what it counts
    pending_distinct: bool = False  # "different" waiting for its column

    def at(self, position: int) -> Tag | None:
        return self.tags[position] if 0 <= position < len(self.tags) else None

    def kind_at(self, position: int) -> TagKind | None:
        tag = self.at(position)
        return tag.kind if tag is not None else None
