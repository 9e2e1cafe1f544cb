"""What the bot understands of a schema: each table and column as plain words, and how a
question's words map onto them.

One module for routing, the offline generator and the LLM prompt. Build it once per schema:

    understanding = SchemaUnderstanding.build(db.tables(), descriptions=..., embedder=...)
    understanding.table("sbcustomer").phrase          # 'customer'
    understanding.column("sbcustomer", "sbcustname")  # words ['customer', 'name'], synonyms …
    understanding.match("how many clients in California?")  # [ConceptMatch(... source='synonym')]

Identifiers are split (snake, camel, Pascal, run-ons), schema and column prefixes stripped,
abbreviations expanded (a generic table, the table's own initials, and shortenings of words the
schema spells out elsewhere), and comments and the operator's descriptions kept. Question words
meet schema words exactly, by singular form, through an abbreviation, a WordNet synonym, a
comment or description, or — when nothing lexical matched — by the embedder's similarity.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from core.schema.abbreviations import ABBREVIATIONS
from core.schema.descriptions import Descriptions
from core.schema.inflect import singular
from core.schema.lexicon import EnglishLexicon
from core.schema.prefixes import shared_prefix, strip_prefix
from core.schema.stopwords import GENERIC_COLUMN_WORDS, STOPWORDS
from core.schema.synonyms import Thesaurus
from core.schema.words import WordSplitter, delimited_chunks

if TYPE_CHECKING:
    import numpy as np

    from core.embeddings.base import Embedder
    from core.sql.models import TableInfo

Source = Literal["exact", "stem", "abbreviation", "synonym", "embedding", "comment", "description"]
Kind = Literal["table", "column", "value", "term"]
WordSource = Literal["word", "abbreviation", "initials", "shortening"]

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
_COMMON_WORD = 5.5  # lexicon cost: below it a token is an ordinary word, not a shortening
_MAX_KEY = 4  # longest phrase (in words) matched in a question
_WORD = re.compile(r"[a-z0-9]+")


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
    ) -> SchemaUnderstanding:
        """tables from Database.tables(); thesaurus None: no synonyms; embedder None: no embedding
        matches; values: (table, column) → literal values; terms: business term → definition."""
        reader = _IdentifierReader(tables, lexicon or EnglishLexicon.load(), descriptions or Descriptions(), thesaurus)
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


class _IdentifierReader:
    """Turns TableInfo into TableMeaning: prefixes, words, expansions, synonyms, descriptions."""

    def __init__(
        self, tables: list[TableInfo], lexicon: EnglishLexicon, descriptions: Descriptions, thesaurus: Thesaurus | None
    ) -> None:
        self.tables = tables
        self.lexicon = lexicon
        self.descriptions = descriptions
        self.thesaurus = thesaurus
        names = [_unqualified(t.name) for t in tables] + [c.name for t in tables for c in t.columns]
        # Words the schema spells out somewhere (delimited or cased) guide the splitting of run-ons.
        vocabulary = {
            chunk.lower()
            for name in names
            for chunk in delimited_chunks(name)
            if len(delimited_chunks(name)) > 1 and len(chunk) > 2 and chunk.isalpha()
        }
        self.splitter = WordSplitter(lexicon, vocabulary)

    def read(self) -> list[TableMeaning]:
        prefixes = self._table_prefixes()
        meanings = []
        for table in self.tables:
            schema, bare = _split_qualified(table.name)
            prefix = prefixes.get(schema)
            chunks = [c.lower() for c in delimited_chunks(bare)]
            stripped, rest = strip_prefix(chunks, bare.lower(), prefix)
            raw = self._split(rest)
            meanings.append(
                TableMeaning(
                    table.name,
                    raw,
                    [],
                    [],
                    prefix=stripped,
                    comment=table.comment,
                    description=self.descriptions.table(table.name),
                    schema=schema,
                )
            )
        schema_words = {
            w for m in meanings for w in m.raw_words if self.lexicon.is_common(w, _COMMON_WORD) and len(w) > 3
        }
        schema_words |= {
            w
            for t in self.tables
            for c in t.columns
            for w in self._split(c.name)
            if len(w) > 3 and self.lexicon.is_common(w, _COMMON_WORD)
        }
        for meaning in meanings:
            meaning.words, meaning.word_sources = self._expand(meaning.raw_words, schema_words, initials=None)
        for table, meaning in zip(self.tables, meanings, strict=True):
            meaning.columns = self._columns(table, meaning, prefixes.get(meaning.schema), schema_words)
            meaning.synonyms = self._synonyms(meaning.words)
        return meanings

    def _split(self, text: str) -> list[str]:
        return [w for part in text.split() for w in self.splitter.split(part)]

    def _table_prefixes(self) -> dict[str | None, str | None]:
        groups: dict[str | None, list[str]] = defaultdict(list)
        for table in self.tables:
            schema, bare = _split_qualified(table.name)
            groups[schema].append(bare)
        return {schema: self._prefix_of(names) for schema, names in groups.items()}

    def _prefix_of(self, names: list[str]) -> str | None:
        chunked = [[c.lower() for c in delimited_chunks(name)] for name in names]
        run_on = {i: chunks[0] for i, chunks in enumerate(chunked) if len(chunks) == 1}
        # A camel-cased name ('sbCustomer') offers its first chunk; a folded one ('sbcustomer') its first letters.
        return shared_prefix(chunked, self._is_word, self._segments_cleanly, run_on)

    def _is_word(self, text: str) -> bool:
        return self.lexicon.is_common(text, 5.0)

    def _segments_cleanly(self, text: str) -> bool:
        words = self.splitter.split(text)
        return (
            bool(words)
            and all(w.isdigit() or w in ABBREVIATIONS or self.lexicon.is_common(w, 6.0) for w in words)
            and len(words) <= max(1, len(text) // 3)
        )

    def _columns(
        self, table: TableInfo, meaning: TableMeaning, schema_prefix: str | None, schema_words: set[str]
    ) -> list[ColumnMeaning]:
        initials = "".join(w[0] for w in meaning.words if w) if len(meaning.words) > 1 else None
        split_columns = []
        for column in table.columns:
            chunks = [c.lower() for c in delimited_chunks(column.name)]
            stripped, rest = strip_prefix(chunks, column.name.lower(), schema_prefix)
            split_columns.append((column, stripped, self._split(rest)))
        column_prefix = self._column_prefix([raw for _, _, raw in split_columns], initials, meaning, schema_prefix)
        result = []
        for column, stripped, raw in split_columns:
            prefix = stripped
            if column_prefix and len(raw) > 1 and raw[0] == column_prefix:
                prefix = (stripped or "") + column_prefix
                raw = raw[1:]
            elif (
                column_prefix
                and len(raw) == 1
                and raw[0].startswith(column_prefix)
                and len(raw[0]) > len(column_prefix) + 2
            ):
                prefix = (stripped or "") + column_prefix
                raw = self._split(raw[0][len(column_prefix) :])
            words, sources = self._expand(raw, schema_words, initials=(initials, meaning.words))
            result.append(
                ColumnMeaning(
                    column.name,
                    raw,
                    words,
                    sources,
                    prefix=prefix,
                    synonyms=self._synonyms(_own_words(words, meaning.words)),
                    comment=column.comment,
                    description=self.descriptions.column(table.name, column.name),
                    table=table.name,
                    type=column.type,
                    primary_key=column.primary_key,
                    references=column.references,
                )
            )
        return result

    def _column_prefix(
        self, columns: list[list[str]], initials: str | None, table: TableMeaning, schema_prefix: str | None = None
    ) -> str | None:
        """A first word most columns share that is the table's initials ('dp' in daily price) or
        a short non-word ('c' in c_name, c_address); or one that every column has and that is
        the start of the table's name, after the schema's prefix if any ('tbem' on every column
        of tbEmpl, 'tm' on every column of tmpl — even where 'tm' could abbreviate 'time')."""
        if len(columns) < 2:
            return None
        firsts = [raw[0] for raw in columns if len(raw) > 1]
        if len(firsts) == len(columns) and len(set(firsts)) == 1 and table.raw_words:
            shared = firsts[0]
            own = shared[len(schema_prefix) :] if schema_prefix and shared.startswith(schema_prefix) else shared
            # sbCustName keeps 'cust': it says the table's word (customer), it does not just mark it
            says_table = list(ABBREVIATIONS.get(own, ())) == table.words
            first = table.raw_words[0]
            if 2 <= len(own) <= 4 and own != first and first.startswith(own) and not says_table:
                return shared
        counts: dict[str, int] = defaultdict(int)
        for word in firsts:
            counts[word] += 1
        if initials:
            # Run-ons: 'dpclose' splits as one word; count columns that start with the initials.
            starts = sum(1 for raw in columns if raw and raw[0].startswith(initials))
            if starts >= max(2, len(columns) // 2):
                return initials
        for word, count in sorted(counts.items(), key=lambda item: -item[1]):
            if count < max(2, (len(columns) + 1) // 2) or len(word) > 3:
                continue
            if word in table.words or (self.lexicon.is_common(word, 5.0) and len(word) > 2) or word in ABBREVIATIONS:
                continue
            if table.words and table.words[0].startswith(word):
                return word
        return None

    def _expand(
        self, raw: list[str], schema_words: set[str], initials: tuple[str | None, list[str]] | None
    ) -> tuple[list[str], list[WordSource]]:
        words: list[str] = []
        sources: list[WordSource] = []
        for token in raw:
            if initials and initials[0] and token == initials[0]:
                words.extend(initials[1])
                sources.append("initials")
            elif token in ABBREVIATIONS and not (self.lexicon.is_common(token, 4.0) and len(token) > 3):
                words.extend(ABBREVIATIONS[token])
                sources.append("abbreviation")
            elif (expansion := self._shortening(token, schema_words)) is not None:
                words.append(expansion)
                sources.append("shortening")
            else:
                words.append(singular(token))
                sources.append("word")
        return words, sources

    def _shortening(self, token: str, schema_words: set[str]) -> str | None:
        """'mgr' or 'emp' standing for a word the schema spells out elsewhere ('manager', 'employee')."""
        if not 2 <= len(token) <= 5 or not token.isalpha() or self.lexicon.is_common(token, _COMMON_WORD):
            return None
        found = {w for w in schema_words if len(w) > len(token) + 1 and w[0] == token[0] and _in_order(token, w)}
        prefixed = {w for w in found if w.startswith(token)}
        candidates = prefixed or found
        return singular(next(iter(candidates))) if len(candidates) == 1 else None

    def _synonyms(self, words: list[str]) -> list[str]:
        if self.thesaurus is None or not words:
            return []
        content = [w for w in words if w not in GENERIC_COLUMN_WORDS and w not in STOPWORDS]
        phrase = " ".join(words)
        related = [r.word for r in self.thesaurus.related(phrase, nouns_first=True)] if len(words) > 1 else []
        if len(content) == 1:
            head = content[0]
            senses = self.thesaurus.related(head, nouns_first=True)
            if head == words[-1]:
                # 'client id' for customer_id: the head noun replaced, its modifiers kept
                related += [" ".join([*words[:-1], r.word]) for r in senses if r.relation == "synonym" and r.pos == "n"]
            related += [r.word for r in senses if r.relation != "synonym" or len(words) == 1]
        seen: list[str] = []
        for word in related:
            if word not in seen and word != phrase:
                seen.append(word)
        return seen[:12]


def _own_words(words: list[str], table_words: list[str]) -> list[str]:
    """A column's words without its table's ('customer name' of customer is 'name')."""
    own = [w for w in words if w not in table_words]
    return own if own else words


def _in_order(short: str, word: str) -> bool:
    position = 0
    for letter in short:
        position = word.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


def _split_qualified(name: str) -> tuple[str | None, str]:
    if "." in name:
        schema, bare = name.rsplit(".", 1)
        return schema, bare
    return None, name


def _unqualified(name: str) -> str:
    return name.rsplit(".", 1)[-1]
