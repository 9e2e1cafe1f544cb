"""The embedded default generator: saved questions, then the pattern engine, then an honest no.

1. A saved question that is a close paraphrase → its SQL, verbatim. Close means embedding
   similarity ≥ `paraphrase_threshold` and no material difference: the two questions mention the
   same numbers, time units and schema words (table and column words, values in the data), so
   "revenue in 2022" never reuses the SQL saved for "revenue in 2023" (cosine 0.95).
2. The schema-aware pattern engine (core/sql/generate/patterns.py), which also knows the
   business metrics defined in the trained documentation (core/sql/generate/metrics.py):
   "revenue" is the documented sum over paid orders, never a guess from a column.
3. Otherwise: "I can't write this query without an LLM", similar saved questions and the
   tables it knows. Abstaining beats guessing.

Relative dates ("last month", "this year") are anchored at the latest date in the data when
that is earlier than today: on a live database the two agree, and on a historical one such as
the bundled sample "last month" still means the last month that has data. The proposal's
message says which range such words became, and why when it is not today's.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from core.schema.lexicon import EnglishLexicon
from core.schema.understanding import SchemaUnderstanding
from core.sql.generate.adaptation import TIME_WORDS, Adaptation, adapt, content_words
from core.sql.generate.base import SqlProposal
from core.sql.generate.followup import is_follow_up, previous_question, rewrite
from core.sql.generate.metrics import Metric, find_metrics
from core.sql.generate.patterns import PatternEngine
from core.sql.generate.query import Abstain, quote_identifier
from core.sql.generate.schema_index import SchemaIndex, normalise_value
from core.sql.generate.sql_tables import tables_in
from core.sql.generate.value_swap import ColumnValues
from core.sql.generate.vocabulary import MARKERS
from core.sql.models import SqlError

if TYPE_CHECKING:
    from core.llm.base import ChatMessage
    from core.schema.synonyms import Thesaurus
    from core.sql.databases.base import Database
    from core.sql.knowledge import Example, SqlKnowledge

# Measured with MiniLM on 16 pairs around the sample's saved questions: rephrasings scored
# 0.89–0.99 (one terse "Show revenue by month" 0.77), different questions 0.56–0.98 — the
# near-identical ones ("top 5" vs "top 10": 0.98) differ in a number, time unit or schema
# word, which the material-difference check catches; the threshold only has to drop the rest.
PARAPHRASE_THRESHOLD = 0.85
# Below that, a saved question is still reused when the only differences are literals it can
# adapt and words that name nothing in the schema ("total spend" for "lifetime value", 0.69).
ADAPT_THRESHOLD = 0.65
# Lexicon cost (lower: more frequent) under which a schema token is an English word and never a
# shortening of a question word. The list holds junk too ('teac', 'cou' cost 5.6-5.7), so the
# cut sits below that; real schema words ('bowl', 'own', 'name') cost under 4.5.
_SHORTENING_MAX_COST = 4.5
_MAX_QUESTION_CHARS = 2000
log = logging.getLogger(__name__)


class OfflineSqlGenerator:
    def __init__(
        self,
        db: Database,
        knowledge: SqlKnowledge | None,
        *,
        paraphrase_threshold: float = PARAPHRASE_THRESHOLD,
        today: date | None = None,
        thesaurus: Thesaurus | None = None,
        lexicon: EnglishLexicon | None = None,
    ) -> None:
        """thesaurus: question words meet schema words through its synonyms (None: only the
        engine's few built-in ones); lexicon: the English word list that splits run-on names
        (None: loaded from its package on first use)."""
        self.db = db
        self.thesaurus = thesaurus
        self.lexicon = lexicon
        self.knowledge = knowledge
        self.paraphrase_threshold = paraphrase_threshold
        self.today = today
        self._engine: PatternEngine | None = None

    @property
    def engine(self) -> PatternEngine:
        # Built on first use: reading distinct values touches every text column once.
        if self._engine is None:
            tables = self.db.tables()
            # Names read as plain words: sbcustname is "customer name", CustOrdDt "customer order date".
            lexicon = self.lexicon or EnglishLexicon.load()
            understanding = SchemaUnderstanding.build(tables, lexicon=lexicon, thesaurus=self.thesaurus)
            schema = SchemaIndex.build(
                tables,
                self.db.distinct_values,
                understanding,
                is_word=lambda word: lexicon.is_common(word, _SHORTENING_MAX_COST),
            )
            self._engine = PatternEngine(
                schema, today=self.today, latest_date=self._latest_date, metrics=self._metrics()
            )
        return self._engine

    def generate(self, question: str, history: list[ChatMessage] | None = None) -> SqlProposal:
        text = (question or "").strip()
        if not text:
            return self._abstain("Ask a question about the data, e.g. “How many orders were placed in 2024?”", [])
        if len(text) > _MAX_QUESTION_CHARS:
            return self._abstain(
                f"The question is too long ({len(text)} characters; the limit is {_MAX_QUESTION_CHARS}).", []
            )
        follow_up = self._follow_up(text, history)
        if follow_up is not None:
            whole, previous = follow_up
            proposal = self.generate(whole)  # a whole question now: no history needed
            proposal.message = f"Read as “{whole}” (following “{previous}”).\n{proposal.message}"
            return proposal
        similar = self._similar(text)
        saved = self._paraphrase(text, similar)
        adapted = self._adapted(text, similar) if saved is None else None
        if adapted is not None:
            example, adaptation = adapted
            changes = ", ".join(f"{old} → {new}" for old, new in adaptation.changes)
            return SqlProposal(
                kind="sql",
                sql=adaptation.sql,
                message=f"Adapted from the saved query for “{example.question}”"
                + (f" ({changes})." if changes else "."),
                tables=tables_in(adaptation.sql, self.db.dialect),
                source="saved",
                similar=[e.question for e in similar],
            )
        if saved is not None:
            return SqlProposal(
                kind="sql",
                sql=saved.sql,
                message=f"Using the saved query for “{saved.question}”.",
                tables=tables_in(saved.sql, self.db.dialect),
                source="saved",
                similar=[example.question for example in similar],
            )
        try:
            sql, tables, notes = self.engine.generate(text)
        except Abstain as reason:
            return self._abstain(f"I can't write this query without an LLM ({reason}).", similar)
        except SqlError as error:  # the schema could not be read: say so, do not crash
            return self._abstain(f"I can't read the database schema right now: {error}", similar)
        return SqlProposal(
            kind="sql",
            sql=sql,
            message="\n".join(["Written by the offline pattern engine; please check it before approving.", *notes]),
            tables=tables,
            source="pattern",
            similar=[example.question for example in similar],
        )

    def _follow_up(self, text: str, history: list[ChatMessage] | None) -> tuple[str, str] | None:
        """(the follow-up rewritten as a whole question, the question it follows), or None."""
        previous = previous_question(history)
        if previous is None or not is_follow_up(text):
            return None
        try:
            values = self.engine.schema.values
        except SqlError:
            return None
        whole = rewrite(
            text,
            previous,
            lambda literal: frozenset(
                f"{hit.column.table}.{hit.column.name}" for hit in values.get(normalise_value(literal), [])
            ),
        )
        return (whole, previous) if whole is not None else None

    def _metrics(self) -> list[Metric]:
        """Business metrics written in the trained documentation; none without knowledge."""
        if self.knowledge is None:
            return []
        try:
            documentation = self.knowledge.documentation()
        except Exception as error:  # without them, business terms abstain as unknown words
            log.warning("business metrics unavailable: %s", error)
            return []
        metrics, errors = find_metrics(documentation)
        for problem in errors:  # training refuses such lines; documentation added otherwise may have them
            log.warning("documentation: %s", problem)
        return metrics

    def _latest_date(self, table: str, column: str) -> date | None:
        try:
            result = self.db.run_readonly(
                f"SELECT MAX({quote_identifier(column)}) FROM {quote_identifier(table)}", 1, 5.0
            )
            value = result.rows[0][0] if result.rows else None
            return date.fromisoformat(str(value)[:10]) if value else None
        except Exception:  # without it, dates are relative to today
            return None

    def _paraphrase(self, question: str, similar: list[Example]) -> Example | None:
        if not similar or similar[0].score < self.paraphrase_threshold:
            return None
        best = similar[0]
        return None if self._differs_materially(question, best.question) else best

    def _adapted(self, question: str, similar: list[Example]) -> tuple[Example, Adaptation] | None:
        """The nearest saved question that means the same with other literals, and its SQL adapted."""
        if not similar or similar[0].score < ADAPT_THRESHOLD:
            return None
        best = similar[0]
        try:
            schema = self.engine.schema
        except SqlError:  # without the schema we cannot tell what is material
            return None
        # What a column or business term is called; 'total' is also the engine's word for a sum.
        named = {w for phrase in (*schema.column_phrases, *self.engine.measures) for w in phrase}
        named -= {w for phrase in MARKERS for w in phrase}
        things = {w for phrase in schema.table_phrases for w in phrase} | {
            w for key in schema.values for w in key.split()
        }
        adaptation = adapt(
            question,
            best.question,
            best.sql,
            named - _GENERIC_WORDS,
            things - _GENERIC_WORDS,
            ColumnValues(self.db, schema),
        )
        return (best, adaptation) if adaptation is not None else None

    def _differs_materially(self, a: str, b: str) -> bool:
        words_a, words_b = content_words(a), content_words(b)
        different = words_a ^ words_b
        if any(word.isdigit() or word in TIME_WORDS for word in different):
            return True
        try:
            schema_words = self._schema_words()
        except Exception:  # without the schema, any other word counts as material
            return bool(different)
        return bool(different & schema_words)

    def _schema_words(self) -> set[str]:
        schema = self.engine.schema
        words = {w for phrase in schema.table_phrases for w in phrase}
        words |= {w for phrase in schema.column_phrases for w in phrase}
        words |= {w for key in schema.values for w in key.split()}
        words |= {w for phrase in self.engine.measures for w in phrase}
        return words - _GENERIC_WORDS

    def _similar(self, text: str) -> list[Example]:
        if self.knowledge is None:
            return []
        try:
            return self.knowledge.similar_examples(text, k=3)
        except Exception as error:  # saved questions are a bonus; the engine still works
            log.warning("saved questions unavailable: %s", error)
            return []

    def _abstain(self, message: str, similar: list[Example]) -> SqlProposal:
        tables = self._known_tables()
        parts = [message]
        if similar:
            parts.append("Similar saved questions: " + "; ".join(f"“{e.question}”" for e in similar))
        if tables:
            parts.append("Tables I know: " + ", ".join(tables))
        return SqlProposal(
            kind="abstain",
            sql=None,
            message="\n".join(parts),
            tables=tables,
            source="none",
            similar=[example.question for example in similar],
        )

    def _known_tables(self) -> list[str]:
        try:
            return sorted(self.engine.schema.tables)
        except SqlError:  # the database being down must not hide the abstention
            return []


# Words of column names that carry no meaning of their own ("order_id", "name").
_GENERIC_WORDS = {"id", "of", "the", "a", "an", "in", "on", "at", "by", "for", "to", "and", "is", "number"}
