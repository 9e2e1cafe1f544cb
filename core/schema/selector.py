"""The schema part of an LLM prompt, chosen by relevance so that hundreds of tables fit.

Each table gets a score from two kinds of evidence: what the question's words mean in the schema
(SchemaUnderstanding.match: the table's name, its columns, its values, by exact word, synonym,
abbreviation, comment, description or embedding) and how close the whole question is to the
table's description in plain words (the embedder). Tables joined by a foreign key to a chosen
table, or in the same schema as the best one, get part of its score: questions rarely name the
link table of a join. Tables are then taken best first until the token budget is spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from core.embeddings.base import Embedder
    from core.schema.understanding import SchemaUnderstanding, TableMeaning
    from core.sql.models import TableInfo

# Vanna's own estimate, used for its budget too: about four characters per token.
CHARS_PER_TOKEN = 4
DEFAULT_BUDGET_TOKENS = 1400
_KIND_WEIGHT = {"table": 1.0, "column": 0.6, "value": 0.5, "term": 0.0}
_DENSE_WEIGHT = 2.0
_NEIGHBOUR_SHARE = 0.35  # of the best foreign-key neighbour's score passed to a table
_SCHEMA_SHARE = 0.25  # of the best table's score passed to the other tables of its schema
_MIN_SHARE_OF_BEST = 0.15  # tables scoring below this share of the best one are left out


def approx_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class SchemaSelection:
    tables: list[TableInfo]
    scores: dict[str, float] = field(default_factory=dict)
    tokens: int = 0

    @property
    def ddl(self) -> list[str]:
        return [table.ddl() for table in self.tables]


class SchemaSelector:
    def __init__(
        self,
        understanding: SchemaUnderstanding,
        tables: list[TableInfo],
        embedder: Embedder | None = None,
        *,
        budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    ) -> None:
        self.understanding = understanding
        self.tables = {table.name: table for table in tables}
        self.embedder = embedder
        self.budget_tokens = budget_tokens
        self._ddl_tokens = {name: approx_tokens(table.ddl()) for name, table in self.tables.items()}
        self._neighbours: dict[str, set[str]] = {name: set() for name in self.tables}
        lowered = {name.lower(): name for name in self.tables}
        for table in tables:
            for column in table.columns:
                target = lowered.get((column.references or "").rsplit(".", 1)[0].lower())
                if target and target != table.name:
                    self._neighbours[table.name].add(target)
                    self._neighbours[target].add(table.name)
        self._names = list(self.tables)
        self._vectors: np.ndarray | None = None

    def select(self, question: str) -> SchemaSelection:
        scores = self.scores(question)
        ranked = sorted(scores, key=lambda name: -scores[name])
        best = scores[ranked[0]] if ranked else 0.0
        chosen: list[TableInfo] = []
        used = 0
        for name in ranked:
            if chosen and scores[name] < best * _MIN_SHARE_OF_BEST:
                break
            cost = self._ddl_tokens[name]
            if chosen and used + cost > self.budget_tokens:
                continue  # a smaller table further down may still fit
            chosen.append(self.tables[name])
            used += cost
        return SchemaSelection(chosen, {t.name: round(scores[t.name], 3) for t in chosen}, used)

    def scores(self, question: str) -> dict[str, float]:
        lexical = self._lexical(question)
        dense = self._dense(question)
        base = {name: lexical.get(name, 0.0) + _DENSE_WEIGHT * max(0.0, dense.get(name, 0.0)) for name in self._names}
        final = dict(base)
        for name in self._names:
            # The best neighbour only: a link table must not outrank the tables it links.
            linked = max((base[n] for n in self._neighbours[name]), default=0.0)
            final[name] += _NEIGHBOUR_SHARE * linked
        if base:
            top = max(base, key=lambda name: base[name])
            schema = self._schema(top)
            if schema is not None:
                for name in self._names:
                    if name != top and self._schema(name) == schema:
                        final[name] += _SCHEMA_SHARE * base[top]
        return final

    def _lexical(self, question: str) -> dict[str, float]:
        # Per table and question span, only the best match counts: five columns that all say
        # 'customer' are one piece of evidence, not five.
        best: dict[tuple[str, int], float] = {}
        for match in self.understanding.match(question):
            if match.table is None or match.table not in self.tables:
                continue
            value = match.score * _KIND_WEIGHT[match.kind]
            key = (match.table, match.start)
            best[key] = max(best.get(key, 0.0), value)
        totals: dict[str, float] = {}
        for (table, _), value in best.items():
            totals[table] = totals.get(table, 0.0) + value
        return totals

    def _dense(self, question: str) -> dict[str, float]:
        if self.embedder is None or not self._names:
            return {}
        if self._vectors is None:
            self._vectors = self.embedder.embed([self._document(name) for name in self._names])
        similarity = self._vectors @ self.embedder.embed([question])[0]
        return {name: float(value) for name, value in zip(self._names, similarity, strict=True)}

    def _document(self, name: str) -> str:
        meaning = self.understanding.table(name)
        if meaning is None:
            return name
        return table_document(meaning)

    def _schema(self, name: str) -> str | None:
        meaning = self.understanding.table(name)
        return meaning.schema if meaning is not None else None


def table_document(meaning: TableMeaning) -> str:
    """A table in plain words: what the embedder compares questions with."""
    about = meaning.description or meaning.comment
    columns = ", ".join(c.description or c.phrase or c.name for c in meaning.columns)
    return f"{meaning.phrase or meaning.name}" + (f" ({about})" if about else "") + f": {columns}"
