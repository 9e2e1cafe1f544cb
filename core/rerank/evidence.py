"""Evidence re-scoring with no model: does a candidate hold the figure the question asks for?

The first stage finds passages *about* the question; for a figure ("Apple's Services revenue
over the quarters", "Microsoft's inventories") the answer is usually one table row whose label
names what was asked ("Services 20,766 19,516", "Inventories 3,742 2,500"). Dense vectors read
such tables poorly (mostly numbers) and BM25 drowns the row among its neighbours, so the table
often ranks below prose that discusses the same thing. This re-scorer adds, to the first-stage
rank, row evidence: the best table row whose label is made of the question's words, scored by
the share of the label the question covers (squared: a label of only asked-for words beats a
long label that mentions one) times the share of the question the label covers, words
weighted by their rarity in the corpus; scaled by the document prior, so a matching row of
another company's filing stays below. The question's share counts only words that some
candidate's row label holds (the rest, "what might this indicate", name no line item), and an
acronym of the question ("R&D") stands for the row label whose initials it is ("Research and
development"). Figures stated in prose get the same kind of evidence, weaker: the share of the
question held by the chunk's best sentence that states an amount, a percentage or a count. The
first-stage rank counts in proportion to the chunk's text that is not boilerplate (shared word
for word with many documents: certifications, exhibit lists, cover pages).
It costs a few regular-expression passes per candidate chunk, cached across questions: tens
of milliseconds per question.

Also tried on the dev split and left out, since they changed nothing or did worse: the same
match against the section heading, period and unit words of the question ("nine months", "in
millions") found in the chunk, and the row evidence divided by the best row's in the pool.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.rerank.base import RerankCandidate, TermWeights
from core.search.passages import head_lines
from core.search.text import STOPWORDS, sentences, terms, without_meta_words

# A figure cell: "81,797", "$ 1.26", "(393)", "12 %". The label is the text before the first one.
_CELL = re.compile(r"(?<![\w.])[($]*\s?-?\d[\d,]*(?:\.\d+)?\s?%?\)?(?=\s|$)")
_MAX_LABEL_CHARS = 120  # longer "labels" are sentences that mention a number
_WORD = re.compile(r"[^\W\d_]+")
# An acronym of the question: capitals, perhaps joined by "&" ("R&D", "SG&A", "EPS").
_ACRONYM = re.compile(r"(?<![\w&])[A-Z](?:&?[A-Z]){1,5}(?![\w&])")
# A sentence shorter than this is a heading or a table row, not a statement.
_MIN_SENTENCE_CHARS = 40
_STATED_FIGURE = re.compile(r"\$\s?\d|\d[\d,]*\.\d+|\d,\d{3}|\d+\s?%|\d{3,}")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_LETTER = re.compile(r"[^\W\d_]")
# A cell that is a figure on its own: a thousands separator, a decimal, three digits or a currency sign.
_FIGURE_CELL = re.compile(r"\d,\d{3}|\d\.\d|\d{3}|\$")


class EvidenceReranker:
    name = "evidence"

    def __init__(self, row_weight: float = 4.0, sentence_weight: float = 1.0) -> None:
        # Both tuned on the sec10q dev split (AAPL, AMZN, MSFT questions): rows 2 and 8 did
        # worse than 4, sentences 0.5 and 2 worse than 1.
        self.row_weight = row_weight
        self.sentence_weight = sentence_weight

    def rerank(self, question: str, candidates: Sequence[RerankCandidate], weights: TermWeights) -> list[float]:
        asked = set(terms(without_meta_words(question)))
        # The first stage's rank counts for the chunk's own text only: a certification or exhibit
        # list copied into every filing matches "in the 10-Q" questions without answering them.
        firsts = [(1.0 - c.boilerplate) / math.log2(c.rank + 1) if c.rank else 0.0 for c in candidates]
        if not asked:
            return firsts
        tables = [table_rows(c.chunk.text) for c in candidates]
        asked = expand_acronyms(question, asked, (row for rows in tables for row in rows))
        labels = [[row.terms for row in rows] for rows in tables]
        label_words = {t for chunk_labels in labels for label in chunk_labels for t in label}
        idf = dict(weights(asked | label_words))
        unknown = max(idf.values(), default=1.0)  # a word the corpus lacks is as rare as the rarest
        # The share of the question a row covers counts only the asked words some row could hold:
        # "what might this indicate about supply chain management" names no line item, and
        # should not dilute the evidence of the "Inventories" row.
        asked_weight = sum(idf.get(t, unknown) for t in asked & label_words)
        stated = self._stated(asked, candidates, {t: idf[t] for t in asked})
        rows_scored = []
        for rows in tables:
            matches = [(_match(row.terms, asked, idf, unknown, asked_weight), row.line) for row in rows]
            rows_scored.append(max(matches, default=(0.0, "")))
        scores = [
            first + cand.prior * (self.row_weight * row + self.sentence_weight * sentence)
            for cand, first, (row, _), sentence in zip(candidates, firsts, rows_scored, stated, strict=True)
        ]
        # The same row (label and figures) is the best evidence of several statements of one filing
        # ("Net income 24,160 …" in the income, comprehensive income, equity and cash flow
        # statements): only the best-scored of them gains from it, the others keep the rest of
        # their score (sec10q dev 0.619 -> 0.628: one question's answer in prose came back).
        seen: set[str] = set()
        for i in sorted(range(len(candidates)), key=lambda i: -scores[i]):
            row, line = rows_scored[i]
            if row and line in seen:
                scores[i] -= candidates[i].prior * self.row_weight * row
            seen.add(line)
        return scores

    def _stated(
        self, asked: set[str], candidates: Sequence[RerankCandidate], asked_idf: Mapping[str, float]
    ) -> list[float]:
        """Per candidate, the share of the question (words weighted by rarity) that its best
        sentence stating a figure holds: "The Company repurchased $18.0 billion of its common
        stock" for "what was the scale of the share repurchases?"."""
        if not self.sentence_weight:
            return [0.0] * len(candidates)
        folded = {_fold(t) for t in asked}
        # Rarity is looked up for the index's own terms ("revenue"), then carried to their folded
        # form ("revenu"), which the index does not know and would call the rarest of all.
        idf: dict[str, float] = {}
        for term, weight in asked_idf.items():
            idf[_fold(term)] = min(idf.get(_fold(term), weight), weight)
        unknown = max(idf.values(), default=1.0)
        total = sum(idf.get(t, unknown) for t in folded)
        return [
            max(
                (sum(idf.get(t, unknown) for t in said & folded) / total for said in figure_sentences(c.chunk.text)),
                default=0.0,
            )
            for c in candidates
        ]


@dataclass(frozen=True)
class Row:
    terms: frozenset[str]  # the label's index terms
    initials: str  # first letters of the label's words, stop words left out: "rd" for "Research and development"
    line: str = ""  # the row as written: label and figures


# Candidates recur across questions (the same statements of the same filings): their rows are
# parsed once. Keyed by the chunk text; bounded, so memory does not grow with the corpus.
@lru_cache(maxsize=20_000)
def table_rows(text: str) -> tuple[Row, ...]:
    """The labelled table rows of a chunk (context and column lines excluded).

    A row is a label followed by figure cells only: "Inventories 6,820 4,946". A sentence that
    mentions a number ("As of September 30, 2023, we had ..."), a list item ("Level 1 – inputs
    ...") or a page footer ("Acme Inc. | Q3 2023 Form 10-Q | 21") goes on with words after its
    first number, and a lone small number ("Level 1 :", "Note 2") is a heading, not a figure."""
    lines = text.split("\n")
    out = []
    for line in lines[head_lines(lines) :]:
        cell = _CELL.search(line)
        if cell is None or cell.start() == 0 or cell.start() > _MAX_LABEL_CHARS:
            continue
        cells = line[cell.start() :]
        if _LETTER.search(cells) or (len(_CELL.findall(cells)) < 2 and not _FIGURE_CELL.search(cells)):
            continue
        label = line[: cell.start()]
        label_terms = frozenset(terms(label))
        if label_terms:
            words = [w for w in _WORD.findall(label) if w.lower() not in STOPWORDS]
            out.append(Row(label_terms, "".join(w[0] for w in words).lower(), " ".join(line.split())))
    return tuple(out)


@lru_cache(maxsize=20_000)
def figure_sentences(text: str) -> tuple[frozenset[str], ...]:
    """The terms (final "e" dropped, see _fold) of each sentence of a chunk that states a figure:
    an amount, a percentage or a number of three digits or more, years not counting."""
    out = []
    for sentence in sentences(text.split("\n", 1)[-1]):
        if len(sentence) >= _MIN_SENTENCE_CHARS and _STATED_FIGURE.search(_YEAR.sub("", sentence)):
            out.append(frozenset(_fold(t) for t in terms(sentence)))
    return tuple(out)


def _fold(term: str) -> str:
    """ "repurchase" and "repurchased" (stemmed "repurchas") as one term: the shared stemmer
    strips "-ed" but keeps a final "e", and changing it would mean re-indexing every document."""
    return term[:-1] if term.endswith("e") and len(term) > 4 else term


def expand_acronyms(question: str, asked: set[str], rows: Iterable[Row]) -> set[str]:
    """The asked terms with each acronym of the question ("R&D", "EPS") replaced by the words of
    the row labels it abbreviates ("Research and development"), when some label does."""
    acronyms = {m.group(): m.group().replace("&", "").lower() for m in _ACRONYM.finditer(question)}
    if not acronyms:
        return asked
    rows = list(rows)
    out = set(asked)
    for acronym, letters in acronyms.items():
        spelled = {t for row in rows if row.initials == letters for t in row.terms}
        if spelled:
            out = (out - set(terms(acronym))) | spelled
    return out


def _match(label: frozenset[str], asked: set[str], idf: dict[str, float], unknown: float, asked_weight: float) -> float:
    shared = sum(idf.get(t, unknown) for t in label & asked)
    if not shared or not asked_weight:
        return 0.0
    precision = shared / sum(idf.get(t, unknown) for t in label)
    return precision * precision * shared / asked_weight
