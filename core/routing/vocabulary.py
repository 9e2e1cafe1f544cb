"""The trained schema's vocabulary: words that say a question is about the database.

Table and column names (as plain words: `order_items` → "order item"), known values of category
columns ("Germany", "laptops", "refunded") and the terms the business documentation defines
("revenue", "average order value"). Matching is on singular words, so "orders" finds `orders`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.sql.generate.schema_index import SchemaIndex, normalise_value
from core.sql.generate.words import singular

if TYPE_CHECKING:
    from core.sql.models import TableInfo, Value

# How much one matched term says "database": defined business terms and tables say most; a lone
# generic column word ("name", "date") little, since documents use those words too.
WEIGHTS = {"term": 1.0, "table": 0.8, "column_phrase": 0.8, "column": 0.4, "category_value": 0.6, "value": 0.5}
MAX_PHRASE_WORDS = 5
_ARTICLES = {"a", "an", "the"}
# Subjects of sentences about the documentation itself, not business terms ("each paragraph below is…").
_NOT_TERMS = {"each", "below", "this", "these", "it", "they", "there"}
_DEFINITION = re.compile(r"^(?P<subject>[^.:;]{2,60}?)\s+(?:is|are|means|counts as)\s", re.IGNORECASE)
_ACRONYM = re.compile(r"\(([A-Z]{2,6})\)")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words_of(text: str) -> list[str]:
    """Lower-case words, possessives dropped ("customer's" → "customer")."""
    return [w.split("'")[0] for w in _WORD.findall(text.lower())]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(singular(w) for w in words_of(text))


def defined_terms(documentation: Iterable[str]) -> set[tuple[str, ...]]:
    """Phrases the documentation defines: the subject of "X is …" sentences, and acronyms."""
    terms: set[tuple[str, ...]] = set()
    for paragraph in documentation:
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
            match = _DEFINITION.match(sentence)
            if match:
                subject = _ACRONYM.sub(" ", match.group("subject"))
                words = [w for w in _phrase(subject) if w not in _ARTICLES]
                if 0 < len(words) <= 4 and not _NOT_TERMS.intersection(words):
                    terms.add(tuple(words))
            for acronym in _ACRONYM.findall(sentence):
                terms.add((acronym.lower(),))
    return terms


@dataclass
class Match:
    phrase: str
    kind: str  # a key of WEIGHTS

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]


@dataclass
class SchemaVocabulary:
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # singular words -> kind
    values: dict[str, str] = field(default_factory=dict)  # normalised value -> kind
    tables: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        tables: list[TableInfo],
        distinct_values: Callable[[str, str, int], list[Value]] | None = None,
        documentation: Iterable[str] = (),
    ) -> SchemaVocabulary:
        index = SchemaIndex.build(tables, distinct_values)
        vocab = cls(tables=[t.name for t in tables])
        for phrase in index.column_phrases:
            vocab.phrases[phrase] = "column_phrase" if len(phrase) > 1 else "column"
        for phrase in index.table_phrases:
            vocab.phrases[phrase] = "table"
        for term in defined_terms(documentation):
            vocab.phrases[term] = "term"
        for key, hits in index.values.items():
            kind = "category_value" if any(h.category for h in hits) else "value"
            vocab.values[key] = kind
            if kind == "category_value":  # "Monitors" is also asked about as "monitor"
                vocab.values.setdefault(" ".join(singular(w) for w in key.split()), kind)
        return vocab

    def match(self, question: str) -> list[Match]:
        """Distinct vocabulary terms in the question, longest match first at each position."""
        raw = words_of(question)
        singular_words = [singular(w) for w in raw]
        capitalised = {w.lower() for w in re.findall(r"\b[A-Z][\w']*", question[1:])}
        found: dict[str, Match] = {}
        i = 0
        while i < len(raw):
            step = 1
            for n in range(min(MAX_PHRASE_WORDS, len(raw) - i), 0, -1):
                key = tuple(singular_words[i : i + n])
                value_key = normalise_value(" ".join(raw[i : i + n]))
                if value_key not in self.values:
                    value_key = " ".join(key)
                kind = self.phrases.get(key)
                if kind is None and value_key in self.values:
                    kind = self.values[value_key]
                    # A non-category value ("Berlin", a person's name) counts only when written as one.
                    if kind == "value" and n == 1 and raw[i] not in capitalised:
                        kind = None
                if kind is not None:
                    found.setdefault(" ".join(key), Match(" ".join(key), kind))
                    step = n
                    break
            i += step
        return list(found.values())

    def score(self, question: str) -> tuple[float, list[Match]]:
        matches = self.match(question)
        return sum(m.weight for m in matches), matches
