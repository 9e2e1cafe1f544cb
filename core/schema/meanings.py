"""A table or column as the bot reads it: words, what was stripped and expanded, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# How each written word became plain words: as it is, from the abbreviation table, as the
# table's initials, or as a shortening of a word ('drvr' → driver).
WordSource = Literal["word", "abbreviation", "initials", "shortening"]


@dataclass
class IdentifierMeaning:
    """One table or column as the bot reads it."""

    name: str  # as the database spells it
    raw_words: list[str]  # split as written, prefix removed: ['cust', 'name']
    words: list[str]  # plain singular English: ['customer', 'name']
    word_sources: list[WordSource]  # how each entry of raw_words became words
    prefix: str | None = None  # what was stripped: 'sb', 'dp'
    synonyms: list[str] = field(default_factory=list)  # nearest first
    comment: str | None = None
    description: str | None = None

    @property
    def phrase(self) -> str:
        return " ".join(self.words)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phrase": self.phrase,
            "words": self.words,
            "raw_words": self.raw_words,
            "word_sources": self.word_sources,
            "prefix": self.prefix,
            "synonyms": self.synonyms,
            "comment": self.comment,
            "description": self.description,
        }


@dataclass
class ColumnMeaning(IdentifierMeaning):
    table: str = ""
    type: str = ""
    primary_key: bool = False
    references: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"type": self.type, "primary_key": self.primary_key, "references": self.references}


@dataclass
class TableMeaning(IdentifierMeaning):
    schema: str | None = None  # the qualifier of 'sales.orders'
    columns: list[ColumnMeaning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"schema": self.schema, "columns": [c.to_dict() for c in self.columns]}
