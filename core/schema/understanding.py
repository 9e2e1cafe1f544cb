"""What the bot understands of a schema: each table and column as plain words, and how a
question's words map onto them.

One module for routing, the offline generator and the LLM prompt. Build it once per schema:

    understanding = SchemaUnderstanding.build(db.tables(), descriptions=..., embedder=...)
    understanding.table("sbcustomer").phrase          # 'customer'
    understanding.column("sbcustomer", "sbcustname")  # words ['customer', 'name'], synonyms …
    understanding.match("how many clients in California?")  # [ConceptMatch(... source='synonym')]

Names are read by reading.py: split (snake, camel, Pascal, run-ons), prefixes stripped per schema
and per table group, the table's marks dropped from its columns, and shortenings expanded where
the schema's context settles them (expansions.py); comments and the operator's descriptions are
kept. Question words
meet schema words exactly, by singular form, through an abbreviation, a WordNet synonym, a
comment or description, or — when nothing lexical matched — by the embedder's similarity.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.schema.descriptions import Descriptions
from core.schema.glosses import Glosses
from core.schema.inflect import singular
from core.schema.lexicon import EnglishLexicon
from core.schema.meanings import ColumnMeaning, IdentifierMeaning, TableMeaning
from core.schema.reading import NameReader
from core.schema.stopwords import GENERIC_COLUMN_WORDS, STOPWORDS
from core.schema.synonyms import Thesaurus

__all__ = ["ColumnMeaning", "ConceptMatch", "IdentifierMeaning", "SchemaUnderstanding", "TableMeaning"]

if TYPE_CHECKING:
    import numpy as np

    from core.embeddings.base import Embedder
    from core.sql.models import TableInfo

Source = Literal["exact", "stem", "abbreviation", "synonym", "embedding", "comment", "description"]
Kind = Literal["table", "column", "value", "term"]

# How much each kind of evidence is worth (1.0: the question says the schema's own word).
SOURCE_WEIGHT: dict[str, float] = {
    "exact": 1.0,
    "stem": 0.95,
    "abbreviation": 0.9,
    "description": 0.85,
    "comment": 0.85,
    "synonym": 0.8,
    "embedding": 0.7,
}
_RELATION_WEIGHT = {"synonym": 1.0, "derived": 0.85, "broader": 0.75}
# Cosine similarity (MiniLM) above which a question word counts as meaning a schema phrase.
EMBEDDING_THRESHOLD = 0.62
_MAX_KEY = 4  # longest phrase (in words) matched in a question
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ConceptMatch:
    """A span of the question that means a table, column, value or business term."""

    text: str  # the question's words
    kind: Kind
    table: str | None
    column: str | None
    source: Source
    score: float  # 0..1: the source's weight times how closely it matched
    via: str  # the schema word or phrase it met ('client → customer')
    start: int = 0  # word positions in the question
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "table": self.table,
            "column": self.column,
            "source": self.source,
            "score": round(self.score, 3),
            "via": self.via,
        }


@dataclass(frozen=True)
class _Target:
    kind: Kind
    table: str | None
    column: str | None
    via: str


@dataclass(frozen=True)
class _Key:
    target: _Target
    source: Source
    weight: float
    raw: tuple[str, ...] | None = None  # the identifier's own spelling, to tell exact from stem


class SchemaUnderstanding:
    def __init__(
        self,
        tables: list[TableMeaning],
        *,
        thesaurus: Thesaurus | None = None,
        embedder: Embedder | None = None,
        values: Mapping[tuple[str, str], Iterable[object]] | None = None,
        terms: Mapping[str, str] | None = None,
    ) -> None:
        self.tables = tables
        self._by_name = {t.name.lower(): t for t in tables}
        self.thesaurus = thesaurus
        self.embedder = embedder
        self._keys: dict[tuple[str, ...], list[_Key]] = defaultdict(list)
        self._phrases: list[tuple[str, _Target]] = []  # for the embedder
        self._phrase_vectors: np.ndarray | None = None
        for table in tables:
            self._index_table(table)
        for (table_name, column_name), table_values in (values or {}).items():
            for value in table_values:
                self._index_value(table_name, column_name, value)
        for term, definition in (terms or {}).items():
            self._index_term(term, definition)

    # ---- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        tables: list[TableInfo],
        *,
        descriptions: Descriptions | None = None,
        lexicon: EnglishLexicon | None = None,
        thesaurus: Thesaurus | None = None,
        embedder: Embedder | None = None,
        values: Mapping[tuple[str, str], Iterable[object]] | None = None,
        terms: Mapping[str, str] | None = None,
        glosses: Glosses | None = None,
    ) -> SchemaUnderstanding:
        """tables from Database.tables(); thesaurus None: no synonyms; embedder None: no embedding
        matches; values: (table, column) → literal values; terms: business term → definition;
        glosses: WordNet's definitions, to choose among an abbreviation's readings (by default
        the packaged ones whenever a thesaurus is given, since both come from WordNet)."""
        if glosses is None and thesaurus is not None:
            glosses = Glosses.packaged()
        lexicon = lexicon or EnglishLexicon.load()
        reader = NameReader(tables, lexicon, descriptions or Descriptions(), thesaurus, glosses)
        return cls(reader.read(), thesaurus=thesaurus, embedder=embedder, values=values, terms=terms)

    def table(self, name: str) -> TableMeaning | None:
        return self._by_name.get(name.lower())

    def column(self, table: str, name: str) -> ColumnMeaning | None:
        meaning = self.table(table)
        if meaning is None:
            return None
        return next((c for c in meaning.columns if c.name.lower() == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [t.to_dict() for t in self.tables]}

    # ---- matching ---------------------------------------------------------------------------

    def match(self, question: str) -> list[ConceptMatch]:
        """Every span of the question that names something in the schema, best first."""
        tokens = _WORD.findall(question.lower())
        stems = [singular(t) for t in tokens]
        matches: list[ConceptMatch] = []
        covered = [False] * len(tokens)
        for size in range(min(_MAX_KEY, len(tokens)), 0, -1):
            for start in range(0, len(tokens) - size + 1):
                key = tuple(stems[start : start + size])
                if size == 1 and (key[0] in STOPWORDS or len(key[0]) < 2):
                    continue
                if all(word in STOPWORDS for word in key):
                    continue
                for entry in self._keys.get(key, ()):
                    source = entry.source
                    said = tuple(tokens[start : start + size])
                    if source == "exact" and entry.raw is not None and said != entry.raw:
                        source = "stem"
                    matches.append(
                        ConceptMatch(
                            " ".join(said),
                            entry.target.kind,
                            entry.target.table,
                            entry.target.column,
                            source,
                            SOURCE_WEIGHT[source] * entry.weight,
                            entry.target.via,
                            start,
                            start + size,
                        )
                    )
                    for at in range(start, start + size):
                        covered[at] = True
        matches.extend(self._embedding_matches(tokens, stems, covered))
        return _best_first(matches)

    def _embedding_matches(self, tokens: list[str], stems: list[str], covered: list[bool]) -> list[ConceptMatch]:
        if self.embedder is None or not self._phrases:
            return []
        spans = [
            (i, i + 1)
            for i, stem in enumerate(stems)
            if not covered[i] and stem not in STOPWORDS and len(stem) > 2 and not stem.isdigit()
        ]
        if not spans:
            return []
        import numpy as np

        if self._phrase_vectors is None:
            self._phrase_vectors = self.embedder.embed([text for text, _ in self._phrases])
        vectors = self.embedder.embed([" ".join(tokens[a:b]) for a, b in spans])
        similarity = vectors @ self._phrase_vectors.T
        found: list[ConceptMatch] = []
        for row, (start, end) in enumerate(spans):
            for column in np.argsort(-similarity[row])[:3]:
                score = float(similarity[row, column])
                if score < EMBEDDING_THRESHOLD:
                    break
                text, target = self._phrases[column]
                found.append(
                    ConceptMatch(
                        " ".join(tokens[start:end]),
                        target.kind,
                        target.table,
                        target.column,
                        "embedding",
                        SOURCE_WEIGHT["embedding"] * score,
                        f"{text} (similarity {score:.2f})",
                        start,
                        end,
                    )
                )
        return found

    # ---- index ------------------------------------------------------------------------------

    def _index_table(self, table: TableMeaning) -> None:
        target = _Target("table", table.name, None, table.phrase or table.name)
        self._index_identifier(table, target, head_weight=1.0)
        for column in table.columns:
            column_target = _Target("column", table.name, column.name, column.phrase or column.name)
            self._index_identifier(column, column_target, head_weight=0.7, owner_words=set(table.words))
            # "customer name" said of the customer table's name column
            if column.words and table.words and column.words[: len(table.words)] != table.words:
                self._add(tuple(table.words + column.words), _Key(column_target, "exact", 1.0))

    def _index_identifier(
        self, meaning: IdentifierMeaning, target: _Target, head_weight: float, owner_words: set[str] | None = None
    ) -> None:
        words = tuple(meaning.words)
        if not words:
            return
        expanded = any(source != "word" for source in meaning.word_sources)
        raw = tuple(meaning.raw_words) if not expanded else None
        self._add(words, _Key(target, "abbreviation" if expanded else "exact", 1.0, raw))
        content = [w for w in words if w not in STOPWORDS]
        if len(words) > 1:
            # Parts of a longer name: 'ticker' alone for ticker_symbol, weaker than the whole.
            for word in content:
                if owner_words and word in owner_words:
                    continue  # 'customer' in cust_id of the customer table names the table, not the column
                weight = 0.4 if word in GENERIC_COLUMN_WORDS else head_weight * 0.75
                self._add((word,), _Key(target, "abbreviation" if expanded else "exact", weight, None))
            tail = tuple(words[1:])
            if len(tail) > 1:
                self._add(tail, _Key(target, "exact", 0.85))
        for synonym in meaning.synonyms:
            self._add(_phrase_key(synonym), _Key(target, "synonym", 1.0))
        if self.thesaurus is not None and len(words) > 1:
            for word in content:
                if word in GENERIC_COLUMN_WORDS or (owner_words and word in owner_words):
                    continue
                for related in self.thesaurus.related(word, nouns_first=True):
                    self._add(
                        _phrase_key(related.word), _Key(target, "synonym", 0.6 * _RELATION_WEIGHT[related.relation])
                    )
        for text, source in ((meaning.comment, "comment"), (meaning.description, "description")):
            if text:
                self._index_text(text, target, source)  # type: ignore[arg-type]
        self._phrases.append((_embedding_text(meaning), target))

    def _index_text(self, text: str, target: _Target, source: Source) -> None:
        words = [singular(w) for w in _WORD.findall(text.lower())]
        content = [w for w in words if w not in STOPWORDS]
        if 0 < len(words) <= 4:
            self._add(tuple(words), _Key(target, source, 1.0))
        for word in content:
            self._add((word,), _Key(target, source, 0.6))

    def _index_value(self, table: str, column: str, value: object) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > 60:
            return
        key = tuple(singular(w) for w in _WORD.findall(value.lower()))
        if key and len(key) <= _MAX_KEY:
            self._add(key, _Key(_Target("value", table, column, value), "exact", 0.9))

    def _index_term(self, term: str, definition: str) -> None:
        key = tuple(singular(w) for w in _WORD.findall(term.lower()))
        target = _Target("term", None, None, term)
        if key:
            self._add(key, _Key(target, "exact", 1.0))
        if self.thesaurus is not None and len(key) == 1:
            for related in self.thesaurus.related(key[0]):
                self._add(_phrase_key(related.word), _Key(target, "synonym", _RELATION_WEIGHT[related.relation]))
        self._phrases.append((f"{term}: {definition}", target))

    def _add(self, key: tuple[str, ...], entry: _Key) -> None:
        if not key or len(key) > _MAX_KEY:
            return
        entries = self._keys[key]
        for i, existing in enumerate(entries):
            if existing.target == entry.target:
                if _strength(entry) > _strength(existing):
                    entries[i] = entry
                return
        entries.append(entry)


def _strength(entry: _Key) -> float:
    return SOURCE_WEIGHT[entry.source] * entry.weight


def _phrase_key(text: str) -> tuple[str, ...]:
    return tuple(singular(w) for w in _WORD.findall(text.lower()))


def _embedding_text(meaning: IdentifierMeaning) -> str:
    return meaning.description or meaning.phrase or meaning.name


def _best_first(matches: list[ConceptMatch]) -> list[ConceptMatch]:
    best: dict[tuple[str, str | None, str | None, str | None], ConceptMatch] = {}
    for match in matches:
        key = (match.kind, match.table, match.column, match.via if match.kind in ("value", "term") else None)
        if key not in best or match.score > best[key].score:
            best[key] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.start))
