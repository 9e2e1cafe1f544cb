"""Route a question to the documents, the database, or both.

Evidence, in the order it is weighed:
1. the trained schema's vocabulary in the question (tables, columns, known values, defined terms)
   plus the shape of an analytical question ("per month", "top 5", "in 2023");
2. how well the channel's documents match (dense cosine of the best chunk) plus the shape of a
   question about prose ("policy", "according to", "how do I");
3. the LLM, when configured, reading both summaries — its answer wins unless it fails.
When neither side is clearly ahead, what each source explains of the question's subject words
decides: documents full of the same business words as the schema come close to any data
question, so only a question with words only the documents know ("Amazon", "restocking") and
words the schema explains asks both. A question made of two clauses that lean different ways
("how many X, and what does the policy say about Y?") goes to both; so does one where neither
side has enough evidence.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from core.routing.base import ROUTE_KINDS, Route, RouteKind
from core.routing.concepts import (
    RELATION_WORDS,
    SHAPE_WORDS,
    Dictionary,
    key_concept_words,
    unknown_key_concept,
)
from core.routing.function_words import FUNCTION_WORDS
from core.routing.vocabulary import WEIGHTS, Match, SchemaVocabulary, words_of
from core.sql.changes import change_requested
from core.sql.generate.words import singular

if TYPE_CHECKING:
    import numpy as np

    from core.embeddings.base import Embedder
    from core.llm.base import ChatModel
    from core.schema import ConceptMatch, SchemaUnderstanding
    from core.search.retriever import SearchHit

log = logging.getLogger(__name__)

_ANALYTIC = [
    r"\bhow many\b",
    r"\bhow much\b",
    r"\bnumber of\b",
    r"\btotal\b",
    r"\bsum\b",
    r"\bcount\b",
    r"\baverage\b",
    r"\bavg\b",
    r"\bmean\b",
    r"\bmedian\b",
    r"\btop \d+\b",
    r"\btop\b",
    r"\bmost\b",
    r"\bleast\b",
    r"\bhighest\b",
    r"\blowest\b",
    r"\b(largest|smallest|fewest)\b",
    # A number compared ("more than 70000", "below 4000"): the filter of a query.
    r"\b(more|less|fewer|greater|higher|lower|larger|smaller) than \$?\d",
    r"\b(above|below|exceeding|at least|at most) \$?\d",
    r"\bbest[- ]selling\b",
    r"\bbiggest\b",
    r"\bper (day|week|month|quarter|year|country|city|customer|category|product|segment|order)\b",
    r"\bby (day|week|month|quarter|year|country|city|customer|category|product|segment|status)\b",
    r"\b(in|during|for|since|before|after) (19|20)\d\d\b",
    r"\bq[1-4] (19|20)\d\d\b",
    r"\b(last|this|previous) (week|month|quarter|year)\b",
    r"\beach (day|week|month|year)\b",
    r"\blist\b",
    r"\bshow\b",
    r"\bwhich \w+s\b",
    r"\bcompare\b",
    r"\btrend\b",
    r"\bshare of\b",
    r"\bpercentage\b",
    r"\bratio\b",
    r"\brate by\b",
    r"\bout of stock\b",
    r"\bnever\b",
]
_PROSE = [
    r"\bpolic(y|ies)\b",
    r"\bhandbook\b",
    r"\bguidelines?\b",
    r"\bmanual\b",
    r"\bdocument(s|ation)?\b",
    r"\breport\b",
    r"\bcontract\b",
    r"\bterms\b",
    r"\baccording to\b",
    r"\bexplain\b",
    r"\bdescribe\b",
    r"\bsummari[sz]e\b",
    r"\bsummary\b",
    r"\bwhy\b",
    r"\bhow (do|can|should|to) (i|we|you)?\b",
    r"\bcan (i|we|customers?|employees?)\b",
    r"\b(am|are|is) (i|we|it) allowed\b",
    r"\ballowed\b",
    r"\brequired\b",
    r"\b(have|has) to\b",  # an obligation ("how many days do customers have to return it?"): a rule
    r"\bmust\b",
    r"\bprocedure\b",
    r"\bprocess\b",
    r"\bsteps?\b",
    r"\bsay(s)? about\b",
    r"\bwhat does\b",
    r"\brules?\b",
    r"\brequirements?\b",
    r"\bcovered\b",
    r"\bshould i\b",
    r"\bwho should\b",
    r"\bstrategy\b",
    r"\brisks?\b",
    r"\bmeaning of\b",
    r"\bdefinition\b",
]
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:[?;]|,?\s+and\s+(?=(?:what|how|which|who|when|where|why|is|are|does|do|can|show|list|explain|summari[sz]e)\b)|,?\s+also\s+)\s*",
    re.IGNORECASE,
)


class DocumentSearch(Protocol):
    """core.search.retriever.Retriever's search, as routing uses it."""

    def search(self, question: str, *, channel: str | None, k: int = 5, mode: str = "hybrid") -> list[SearchHit]: ...


@dataclass
class Thresholds:
    # Cosine of the best chunk that starts to count as a match (MiniLM: unrelated text ~0.0–0.3).
    doc_floor: float = 0.30
    doc_span: float = 0.25  # cosine above the floor that counts as one full point of evidence
    decisive: float = 0.4  # the side ahead by this much wins outright
    minimum: float = 0.5  # below this on both sides: not enough evidence, answer from both
    coverage_weight: float = 1.0  # evidence when every subject word of the question is only in the passages


# Requests ("show", "list") say how to answer, not what about.
_STOPWORDS = FUNCTION_WORDS | {"give", "list", "show", "tell"}


def content_words(text: str) -> set[str]:
    """Singular words of three letters or more that carry meaning."""
    return {singular(w) for w in words_of(text) if len(w) >= 3 and w not in _STOPWORDS}


def subject_words(text: str) -> set[str]:
    """Content words that name what the question is about: not measures, rankings or periods
    ("total", "top", "quarter"), not numbers."""
    return {w for w in content_words(text) if w not in SHAPE_WORDS and w not in RELATION_WORDS and not w.isdigit()}


def proper_names(text: str) -> set[str]:
    """Words written with a capital after the first ("Amazon", "Rotterdam"), singular, lower case."""
    return {singular(w.split("'")[0].lower()) for w in re.findall(r"\b[A-Z][\w']*", text[1:])}


# A concept's kind as the vocabulary weighs it (core/routing/vocabulary.py WEIGHTS).
_CONCEPT_KIND = {"table": "table", "column": "column", "value": "category_value", "term": "term"}


def _concept_weight(concept: ConceptMatch) -> float:
    kind = _CONCEPT_KIND[concept.kind]
    if kind == "column" and " " in concept.text:
        kind = "column_phrase"  # "reorder level" says more than a lone "level"
    return WEIGHTS[kind] * concept.score


def _best_cosine(hits: list[SearchHit]) -> float:
    if not hits:
        return 0.0
    best = hits[0]
    return best.dense_score if best.dense_score is not None else best.score


def _cue_score(text: str, patterns: list[str]) -> float:
    hits = sum(1 for p in patterns if re.search(p, text))
    return min(hits, 2) * 0.6


@dataclass
class _Evidence:
    sql: float
    docs: float
    best_cosine: float
    terms: list[str]
    coverage: float = 0.0
    known: set[str] = field(default_factory=set)  # singular words the schema or the best passages know
    passages: bool = False  # some document passage was found: without any, the documents cannot be judged
    explained: set[str] = field(default_factory=set)  # subject words the schema explains
    documents_only: set[str] = field(default_factory=set)  # subject words only the best passages contain
    names: set[str] = field(default_factory=set)  # capitalised words in the question (singular, lower case)
    key: set[str] = field(default_factory=set)  # subject words of what it asks about ("satisfaction score")

    @property
    def lean(self) -> float:
        return self.sql - self.docs


class Router:
    def __init__(
        self,
        vocabulary: SchemaVocabulary,
        documents: DocumentSearch | None,
        llm: ChatModel | None = None,
        *,
        thresholds: Thresholds | None = None,
        embedder: Embedder | None = None,
        understanding: SchemaUnderstanding | None = None,
        dictionary: Dictionary | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        # The schema read as plain words (core/schema): `sbcustomer` is "customer", "clients" meets it
        # by synonym. The vocabulary above still brings values and the documentation's terms.
        self.understanding = understanding
        # Which words are English (WordNet): a concept no source knows is named in the plural only
        # then, and quoted as written otherwise.
        self.dictionary = dictionary
        self._table_vectors: np.ndarray | None = None  # the tables described in words, embedded once
        self.documents = documents
        self.llm = llm
        # Re-scores keyword hits when the dense side has nothing (a document's vectors still pending).
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()

    def without_llm(self) -> Router:
        """The same evidence and thresholds, deciding without the chat model (its budget is spent)."""
        offline = copy.copy(self)
        offline.llm = None
        return offline

    def route(self, question: str, channel: str | None = None) -> Route:
        question = question.strip()
        if not question:
            return Route("both", 0.0, "empty question")
        if not self.vocabulary.tables:
            return Route("docs", 1.0, "no database is configured")
        if change_requested(question):  # the SQL side says it only reads
            return Route("sql", 1.0, "asks to change the data")
        whole = self._evidence(question, channel)
        route = self._decide(question, channel, whole)
        if self.llm is not None:
            route = self._ask_llm(self.llm, question, whole, route)
        t = self.thresholds
        # Only when nothing points strongly at a source: a strong passage match or several schema
        # words mean the subject is known under another name.
        if whole.passages and whole.best_cosine < t.doc_floor + t.doc_span and whole.sql < 2 * t.minimum:
            missing = unknown_key_concept(question, whole.known, self.dictionary)
            if missing:
                route = replace(route, missing=missing)
        return route

    # --- evidence ---------------------------------------------------------------------------

    def _evidence(self, text: str, channel: str | None) -> _Evidence:
        lowered = text.lower()
        schema, matches = self.vocabulary.score(text)
        understood, concepts, schema_words = self._understood(text, {w for m in matches for w in m.phrase.split()})
        schema += understood
        matches = matches + concepts
        analytic = _cue_score(lowered, _ANALYTIC)
        # Schema words and analytical phrasing back each other up: "customers" alone is often prose
        # ("can customers return…"), "top 5" alone may be about anything.
        sql = min(schema, 2.0) * (1.0 if analytic else 0.6) + (analytic if schema > 0 else analytic / 3)
        schema_words |= {w for m in matches for w in m.phrase.split()}
        cosine, passage_words, best_words = self._document_match(text, channel)
        subject = subject_words(text)
        documents_only = (subject - schema_words) & best_words
        # How much of what the question is about only the documents explain: "Amazon's shipping
        # costs" is mostly theirs; "total freight cost per carrier" is all the schema's, however
        # close a filing full of the same business words comes.
        coverage = len(documents_only) / len(subject) if subject else 0.0
        t = self.thresholds
        # The same embedder, the same scale: a table (its name and columns in words) closer to the
        # question than any passage counts for the database, by its margin over the best passage.
        nearest_table = self._schema_cosine(text)
        sql += max(0.0, min((nearest_table - max(cosine, t.doc_floor)) / t.doc_span, 2.0))
        docs = (
            max(0.0, min((cosine - t.doc_floor) / t.doc_span, 2.0))
            + coverage * t.coverage_weight
            + _cue_score(lowered, _PROSE)
        )
        return _Evidence(
            sql,
            docs,
            cosine,
            [m.phrase for m in matches],
            coverage,
            schema_words | passage_words,
            bool(passage_words),
            subject & schema_words,
            documents_only,
            proper_names(text),
            key_concept_words(text) & subject,
        )

    def _understood(self, text: str, already: set[str]) -> tuple[float, list[Match], set[str]]:
        """Evidence from the schema understanding for the question's words the vocabulary missed:
        one match per span (its best), spans that do not overlap, each worth its kind's weight
        times how closely it matched (an abbreviation or synonym counts a little less). Also every
        question word any match covers."""
        if self.understanding is None:
            return 0.0, [], set()
        try:
            found = self.understanding.match(text)
        except Exception:  # e.g. the embedder failing: the vocabulary alone decides
            log.warning("schema understanding failed while routing", exc_info=True)
            return 0.0, [], set()
        taken: set[int] = set()
        score, matches = 0.0, []
        for concept in sorted(found, key=lambda c: (-c.score, c.start)):
            span = set(range(concept.start, concept.end))
            words = {singular(w) for w in concept.text.split()}
            if span & taken or words <= already:
                continue
            taken |= span
            score += _concept_weight(concept)
            matches.append(Match(" ".join(sorted(words)), _CONCEPT_KIND[concept.kind]))
        return score, matches, {singular(w) for concept in found for w in concept.text.split()}

    def _document_match(self, text: str, channel: str | None) -> tuple[float, set[str], set[str]]:
        """Best dense cosine, the content words of the passages found (dense and keyword hits
        alike), and those of the best passages only.

        Words the database does not know ("doctor's note", "Rotterdam") but a document does are
        the plainest sign that the documents hold the answer.
        """
        if self.documents is None:
            return 0.0, set(), set()
        hits = self._search(text, channel, "dense")
        cosine = _best_cosine(hits)
        seen = {hit.chunk.id for hit in hits}
        lexical = [hit for hit in self._search(text, channel, "bm25") if hit.chunk.id not in seen]
        known = {w for hit in hits + lexical for w in content_words(hit.chunk.text)}
        if self.embedder is not None:
            # A just-shared document is searchable by keywords before its vectors exist: keyword
            # hits the dense side did not return are scored by the same embedder, so they count too.
            rescored = self._embedding_cosine(text, lexical)
            if rescored > cosine:
                hits, cosine = lexical, rescored
        return cosine, known, {w for hit in hits for w in content_words(hit.chunk.text)}

    def _schema_cosine(self, text: str) -> float:
        """Best cosine between the question and a table described in words ("customer: customer
        name, customer state name, …"), by the schema understanding's reading of the names."""
        if self.understanding is None or self.embedder is None or not self.understanding.tables:
            return 0.0
        try:
            if self._table_vectors is None:
                described = [
                    f"{table.phrase}: " + ", ".join(column.phrase for column in table.columns)
                    for table in self.understanding.tables
                ]
                self._table_vectors = self.embedder.embed(described)
            question = self.embedder.embed([text])[0]
        except Exception:  # the embedder failing must not stop routing
            log.warning("embedding the question against the schema failed while routing", exc_info=True)
            return 0.0
        return float((self._table_vectors @ question).max())

    def _search(self, text: str, channel: str | None, mode: str) -> list[SearchHit]:
        assert self.documents is not None
        try:
            return self.documents.search(text, channel=channel, k=3, mode=mode)
        except Exception:  # no documents or the index is down: the database side decides
            log.warning("document search (%s) failed while routing", mode, exc_info=True)
            return []

    def _embedding_cosine(self, text: str, hits: list[SearchHit]) -> float:
        """Best cosine between the question and the hits' passages, embedded now."""
        if not hits or self.embedder is None:
            return 0.0
        try:
            vectors = self.embedder.embed([text] + [hit.chunk.text for hit in hits])
        except Exception:  # the embedder failing must not stop routing
            log.warning("embedding keyword hits failed while routing", exc_info=True)
            return 0.0
        return float((vectors[1:] @ vectors[0]).max())

    # --- decision ---------------------------------------------------------------------------

    def _decide(self, question: str, channel: str | None, whole: _Evidence) -> Route:
        t = self.thresholds
        evidence: dict[str, Any] = {
            "sql": round(whole.sql, 3),
            "docs": round(whole.docs, 3),
            "cosine": round(whole.best_cosine, 3),
            "coverage": round(whole.coverage, 3),
            "explained": sorted(whole.explained),
            "documents_only": sorted(whole.documents_only),
        }
        clauses = [c for c in _CLAUSE_SPLIT.split(question) if len(c.split()) >= 3]
        if len(clauses) >= 2:
            parts = [self._evidence(c, channel) for c in clauses]
            evidence["clauses"] = [round(part.lean, 3) for part in parts]
            kinds = [self._lean(part) for part in parts]
            data = [i for i, kind in enumerate(kinds) if kind == "sql"]
            if data:
                asks_data = max(data, key=lambda i: parts[i].lean)
                # Another part that would go to the documents alone, or leans their way and names
                # something only they know ("…, and which countries do we not ship to?").
                prose = [
                    i
                    for i, (part, kind) in enumerate(zip(parts, kinds, strict=True))
                    if i != asks_data
                    and ((kind == "docs" and part.docs >= t.minimum) or (part.lean < 0 and part.documents_only))
                ]
                if prose:
                    asks_documents = min(prose, key=lambda i: parts[i].lean)
                    split = {"sql": clauses[asks_data], "docs": clauses[asks_documents]}
                    return Route("both", 0.8, "one part asks about data, another about documents", evidence, split)
        kind = self._lean(whole)
        if whole.sql < t.minimum and whole.docs < t.minimum:
            if kind == "docs":
                reason = "no database terms" if whole.sql == 0 else "what it asks about only the documents know"
                return Route("docs", 0.5, f"{reason}; weak document match", evidence)
            return Route("both", 0.3, "little evidence either way", evidence)
        confidence = min(0.5 + abs(whole.lean) / 4, 0.95)
        close = abs(whole.lean) < t.decisive and min(whole.sql, whole.docs) >= t.minimum
        if kind == "sql":
            terms = ", ".join(whole.terms[:4]) or "analytical phrasing"
            if close:
                return Route("sql", 0.5, f"database terms: {terms}; the schema explains what it asks about", evidence)
            return Route("sql", confidence, f"database terms: {terms}", evidence)
        if kind == "docs":
            if close:
                return Route("docs", 0.5, "documents match; only they know what it asks about", evidence)
            return Route("docs", confidence, f"documents match (cosine {whole.best_cosine:.2f})", evidence)
        return Route("both", 0.4, "evidence for both sides is close", evidence)

    def _lean(self, evidence: _Evidence) -> RouteKind:
        """Where one question (or one part of it) leans on its own evidence.

        Close scores are settled by what each source explains of the question's subject words:
        a filing full of the same business words as the schema comes close to any data
        question, so the question goes to the database when the schema explains its words and
        only the documents know none of them ("total freight cost per carrier"), or when what it
        asks about (its key concept) is the schema's; to the documents when it names something
        only they know and nothing the schema explains, or asks about such a thing ("what may a
        hotel night in Paris cost?" beside a customers' city column); a name only the documents
        know ("Amazon") beside words the schema explains asks both."""
        t = self.thresholds
        key_documents = bool(evidence.key & evidence.documents_only) and not evidence.key & evidence.explained
        key_schema = bool(evidence.key & evidence.explained) and not evidence.key & evidence.documents_only
        if evidence.sql < t.minimum and evidence.docs < t.minimum:
            return "docs" if (evidence.sql == 0 and evidence.docs > 0) or key_documents else "both"
        if evidence.lean >= t.decisive or (evidence.docs < t.minimum and evidence.lean > 0):
            return "sql"
        if evidence.lean <= -t.decisive or (evidence.sql < t.minimum and evidence.lean < 0):
            return "docs"
        if evidence.documents_only & evidence.names:
            return "both" if evidence.explained else "docs"
        if evidence.explained and not evidence.documents_only:
            return "sql"
        if evidence.documents_only and not evidence.explained:
            return "docs"
        if key_documents:
            return "docs"
        if key_schema:
            return "sql"
        return "both"

    def _ask_llm(self, llm: ChatModel, question: str, whole: _Evidence, fallback: Route) -> Route:
        from core.llm.base import LlmUnavailable

        prompt = (
            "Decide where the answer to a workplace question comes from.\n"
            f"Database tables: {', '.join(self.vocabulary.tables)}.\n"
            f"Database terms found in the question: {', '.join(whole.terms) or 'none'}.\n"
            f"Best matching document passage similarity (0-1): {whole.best_cosine:.2f}.\n"
            'Reply with JSON only: {"route": "docs" | "sql" | "both", "confidence": 0.0-1.0}. '
            '"sql" when it needs numbers computed from the database, "docs" when it is answered by '
            'the team\'s documents (policies, reports, manuals), "both" when it needs both or you are unsure.'
        )
        try:
            reply = llm.complete(
                [{"role": "system", "content": prompt}, {"role": "user", "content": question}],
                temperature=0.0,
                max_tokens=40,
            )
        except LlmUnavailable as exc:
            log.warning("LLM routing unavailable, using the evidence: %s", exc)
            return fallback
        match = re.search(r"\{.*\}", reply, re.DOTALL)
        try:
            parsed = json.loads(match.group(0)) if match else {}
            kind, confidence = parsed.get("route"), float(parsed.get("confidence", 0.7))
        except (ValueError, TypeError, AttributeError):
            kind, confidence = None, 0.0
        chosen = next((known for known in ROUTE_KINDS if known == kind), None)
        if chosen is None:
            log.warning("LLM routing reply not understood: %r", reply[:200])
            return fallback
        decided: RouteKind = chosen if confidence >= 0.5 else "both"
        return Route(decided, confidence, "language model", {**fallback.evidence, "llm": confidence})
