"""Document-level matching: which documents is a question about?

Company, product and period often appear only in a file's name and on its first page, not next
to the figure a question asks for ("Apple's Q2 2023 net sales"). This scores whole documents by
the question's distinctive terms found in their file names and in a good share of their chunks,
and resolves "latest"/"most recent" to the newest period among the best-matching documents.
Ordinal quarters in a question ("the second quarter") also count as the file-name form ("Q2").
A period the question names whole ("Q3 2023") halves the score of files named for another period:
"2022 Q3" shares the quarter, and its text mentions 2023, but it is not what was asked.
Names work as a conjunction: a document lacking a company name the question uses keeps only part
of its score, however full it is of the question's topic. "Latest" favours the newest leading
document, a little only when the question compares it with earlier periods.
The retriever uses the scores as a prior on top of chunk ranking.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import PurePath

import numpy as np

from core.documents.models import Chunk
from core.search.text import terms

# A term present in this share of a document's chunks counts as fully characteristic of it.
_CHARACTERISTIC_SHARE = 0.1
# A term names a document only from this many of its chunks on (see naming_terms).
_NAMING_MIN_CHUNKS = 5
# A document of another period than the one the question names ("2022 Q3" for "Q3 2023") keeps
# this share of its score: it still names the company and the quarter, but it is not what was
# asked (on the sec10q dev split 0.5-0.85 measured the same).
_OTHER_PERIOD = 0.5
# A document that lacks a naming term the question uses (see naming_terms: a company's name or
# ticker, or a period only some file names carry, such as "2022") keeps this share of its score.
# 0.5 put other companies lowest but moved two sec10q dev questions by changing the re-ranker's
# pool; 0.7 already takes them out of the documents a question is about.
_WITHOUT_NAME = 0.7
# Below this total, no question term singled out any document: no prior at all.
_MIN_EVIDENCE = 0.5
# "latest"/"most recent" adds this share of the best score to the newest of the leading documents;
# a small share when the question compares with earlier periods, so that those stay among the
# documents it is about (0.5 left them at 0.65, under the 0.75 the retriever requires).
_LATEST_LEAD = 0.5
_LATEST_LEAD_WITH_EARLIER = 0.1
_EARLIER = re.compile(
    r"\b(?:previous|prior|preceding|earlier|past|former|other)\s+(?:\w+\s+)?(?:quarters?|periods?|reports?|filings?)\b"
    r"|\bover\s+time\b",
    re.I,
)
_RECENT = re.compile(r"\b(latest|most recent|newest|last (?:quarter|report|filing)|current (?:quarter|report))\b", re.I)
_ORDINAL_QUARTER = re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\b", re.I)
_QUARTER_NUMBER = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORDINAL_PERIOD = re.compile(
    r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?(?:fiscal\s+)?((?:19|20)\d\d)\b",
    re.I,
)
_PERIOD = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\D{0,3}[Qq]([1-4])(?!\d)|(?<![A-Za-z])[Qq]([1-4])\D{0,3}((?:19|20)\d\d)(?!\d)"
)


def question_terms(question: str) -> set[str]:
    """The question's terms, with "second quarter" also read as "q2" (how file names say it)."""
    quarters = {f"q{_QUARTER_NUMBER[m.group(1).lower()]}" for m in _ORDINAL_QUARTER.finditer(question)}
    return set(terms(question)) | quarters


def question_periods(question: str) -> set[tuple[int, int]]:
    """(year, quarter) pairs the question names: "Q3 2023", "2023 Q3", "the third quarter of 2023"."""
    found = {
        (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        for m in _PERIOD.finditer(question)
    }
    for m in _ORDINAL_PERIOD.finditer(question):
        found.add((int(m.group(2)), _QUARTER_NUMBER[m.group(1).lower()]))
    return found


def period_of(file_name: str) -> tuple[int, int] | None:
    """(year, quarter) written in a file name such as "2023 Q3 AAPL.pdf" or "q3-2023.pdf"."""
    m = _PERIOD.search(PurePath(file_name).stem)
    if not m:
        return None
    year, quarter = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    return int(year), int(quarter)


def _grouped_by_term(
    vocab_size: int, term_ids: np.ndarray, docs: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, document, count) triples as CSR: (offsets, docs, counts), term t's pairs at
    offsets[t]:offsets[t+1], in their given order within a term."""
    order = np.argsort(np.asarray(term_ids, dtype=np.int64), kind="stable")
    sorted_terms = np.asarray(term_ids, dtype=np.int64)[order]
    offsets = np.searchsorted(sorted_terms, np.arange(vocab_size + 1))
    return offsets, np.asarray(docs)[order], np.asarray(counts)[order]


class DocumentMatcher:
    """Per document: which terms its file name holds and in how many of its chunks each term occurs.

    Term counts are kept as flat numpy arrays sorted by term (a compressed sparse column layout),
    so scoring a question touches only the documents that contain its terms.
    """

    def __init__(self, chunks: list[Chunk], chunk_terms: list[list[str]] | None = None) -> None:
        if chunk_terms is None:
            chunk_terms = [terms(c.text) for c in chunks]
        doc_ids: list[str] = []
        index_of: dict[str, int] = {}
        names: list[str] = []
        per_doc: list[Counter[str]] = []
        for chunk, chunk_words in zip(chunks, chunk_terms, strict=True):
            i = index_of.get(chunk.doc_id)
            if i is None:
                i = index_of[chunk.doc_id] = len(doc_ids)
                doc_ids.append(chunk.doc_id)
                names.append(chunk.file_name)
                per_doc.append(Counter())
            per_doc[i].update(set(chunk_words))
        chunk_counts = Counter(c.doc_id for c in chunks)
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for i, counter in enumerate(per_doc):
            for term, count in counter.items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(i)
                counts.append(count)
        grouped = _grouped_by_term(
            len(vocab),
            np.array(rows, dtype=np.int64),
            np.array(cols, dtype=np.int64),
            np.array(counts, dtype=np.float32),
        )
        self._setup_csr(doc_ids, names, [chunk_counts[d] for d in doc_ids], vocab, *grouped)

    @classmethod
    def from_counts(
        cls,
        doc_ids: list[str],
        names: list[str],
        sizes: list[int],
        vocab: dict[str, int],
        term_ids: np.ndarray,
        docs: np.ndarray,
        counts: np.ndarray,
    ) -> DocumentMatcher:
        """From precomputed counts (the persisted keyword index): for each (term, document) pair,
        the number of the document's chunks holding the term; sizes are chunks per document."""
        return cls.from_csr(doc_ids, names, sizes, vocab, *_grouped_by_term(len(vocab), term_ids, docs, counts))

    @classmethod
    def from_csr(
        cls,
        doc_ids: list[str],
        names: list[str],
        sizes: list[int],
        vocab: dict[str, int],
        offsets: np.ndarray,
        docs: np.ndarray,
        counts: np.ndarray,
    ) -> DocumentMatcher:
        """As from_counts, with the pairs already grouped by term id: term t's are
        docs[offsets[t]:offsets[t+1]] (no sorting needed)."""
        matcher = cls.__new__(cls)
        matcher._setup_csr(doc_ids, names, sizes, vocab, offsets, docs, counts)
        return matcher

    def _setup_csr(
        self,
        doc_ids: list[str],
        names: list[str],
        sizes: list[int],
        vocab: dict[str, int],
        offsets: np.ndarray,
        docs: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        self._doc_ids = list(doc_ids)
        self._index_of = {d: i for i, d in enumerate(self._doc_ids)}
        self._periods = [period_of(n) for n in names]
        self._sizes = np.array(sizes, dtype=np.float32)
        self._name_docs: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            for term in set(terms(PurePath(name).stem)):
                self._name_docs.setdefault(term, []).append(i)
        self._vocab = vocab
        self._docs = np.asarray(docs, dtype=np.int32)
        self._counts = np.asarray(counts, dtype=np.float32)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        cumulative = np.concatenate([[0.0], np.cumsum(self._counts, dtype=np.float64)])
        self._chunk_df = cumulative[self._offsets[1:]] - cumulative[self._offsets[:-1]]
        self._chunk_count = int(self._sizes.sum())

    def term_idf(self, query_terms: set[str]) -> dict[str, float]:
        """Inverse chunk frequency of each term over the whole corpus (unknown terms: the maximum)."""
        n = self._chunk_count
        return {t: _idf(n, float(self._chunk_df[self._vocab[t]]) if t in self._vocab else 0.0) for t in query_terms}

    def absent(self, query_terms: set[str], doc_ids: set[str] | None = None) -> set[str]:
        """The terms that no document in scope holds, in its text or its file name. doc_ids: the
        documents in scope (the channel's), all when None: a term only another channel's document
        holds is absent here, so the answer says nothing about what is outside the scope."""
        in_scope = self._scope_mask(doc_ids)
        out = set()
        for term in query_terms:
            held = np.zeros(len(self._doc_ids), dtype=bool)
            held[self._name_docs.get(term, [])] = True
            tid = self._vocab.get(term)
            if tid is not None:
                held[self._docs[self._offsets[tid] : self._offsets[tid + 1]]] = True
            if not (held & in_scope).any():
                out.add(term)
        return out

    def named(self, question: str) -> set[str]:
        """Documents whose file name shares a term with the question ("ACME", "Q2", "2023")."""
        return {self._doc_ids[i] for term in question_terms(question) for i in self._name_docs.get(term, [])}

    def naming_terms(self, question: str, doc_ids: set[str] | None = None) -> set[str]:
        """The question's terms that say which documents it is about rather than what it asks: a
        company's name or ticker, on most pages (or in the file names) of its own filings and
        absent from the rest. Such a term is characteristic (in the file name, or in at least a
        tenth of the chunks and five or more) of two or more documents, of at least three quarters of the
        documents that hold it at all, and is held by at most half of them. A topic word fills
        one document ("hotel" in a travel policy) or a few of a company's ("divestitures"), and
        stays. doc_ids: the documents in scope (the channel's), all when None."""
        return set(self._naming(question, self._scope_mask(doc_ids)))

    def _scope_mask(self, doc_ids: set[str] | None) -> np.ndarray:
        """Per document, whether it is in scope (doc_ids None: all are)."""
        if doc_ids is None:
            return np.ones(len(self._doc_ids), dtype=bool)
        mask = np.zeros(len(self._doc_ids), dtype=bool)
        mask[[self._index_of[d] for d in doc_ids if d in self._index_of]] = True
        return mask

    def _naming(self, question: str, in_scope: np.ndarray) -> dict[str, np.ndarray]:
        """naming_terms, each with the documents it is characteristic of (bool per document)."""
        n = len(self._doc_ids)
        scoped = int(in_scope.sum())
        out = {}
        for term in question_terms(question):
            characteristic = np.zeros(n, dtype=bool)
            held = np.zeros(n, dtype=bool)
            named = self._name_docs.get(term, [])
            characteristic[named] = held[named] = True
            tid = self._vocab.get(term)
            if tid is not None:
                start, end = self._offsets[tid], self._offsets[tid + 1]
                docs = self._docs[start:end]
                held[docs] = True
                counts = self._counts[start:end]
                # On many pages of it: in a short document (an abstract, a one-page memo) every
                # word it holds is in a large share of its chunks, and none is a name by that.
                filling = (counts / self._sizes[docs] >= _CHARACTERISTIC_SHARE) & (counts >= _NAMING_MIN_CHUNKS)
                characteristic[docs[filling]] = True
            filled, holding = int((characteristic & in_scope).sum()), int((held & in_scope).sum())
            if filled >= 2 and holding <= scoped / 2 and filled >= 0.75 * holding:
                out[term] = characteristic
        return out

    def scores(self, question: str, doc_ids: set[str] | None = None) -> dict[str, float]:
        """Prior in [0, 1] per document (1 = best match); empty when nothing discriminates."""
        in_scope = self._scope_mask(doc_ids)
        n = int(in_scope.sum())
        if n < 2:
            return {}
        raw = np.zeros(len(self._doc_ids), dtype=np.float64)
        # A period the question names ("Q3 2023") is matched whole against the file names' periods:
        # "2022 Q3 …" holds the quarter, and its text mentions 2023, but it is another period.
        periods = question_periods(question)
        in_period = np.array([period in periods for period in self._periods], dtype=bool)
        other_period = np.array([p is not None and p not in periods for p in self._periods], dtype=bool)
        for term in question_terms(question):
            presence = np.zeros(len(self._doc_ids), dtype=np.float64)
            tid = self._vocab.get(term)
            if tid is not None:
                start, end = self._offsets[tid], self._offsets[tid + 1]
                docs = self._docs[start:end]
                presence[docs] = np.minimum(1.0, self._counts[start:end] / self._sizes[docs] / _CHARACTERISTIC_SHARE)
            named = np.zeros(len(self._doc_ids), dtype=bool)
            named[self._name_docs.get(term, [])] = True
            presence[named] = 1.0
            presence[~in_scope] = 0.0
            named &= in_scope
            if not presence.any():
                continue
            # Rarity counts the documents that hold the term at all: a word found here and there
            # in every document ("supply", "chain") must not outweigh one that fills a few
            # ("Apple"), as it did when partial presences were summed into a small count.
            raw += _idf(n, float(np.count_nonzero(presence))) * presence
            # File names get their own weight: "2022" is in every filing's text but names only a few.
            if named.any():
                raw[named] += _idf(n, float(named.sum()))
        if (in_period & in_scope).any():
            raw[other_period] *= _OTHER_PERIOD
        # Names work as a conjunction: a filing of another company may be full of the topic's words
        # ("acquisitions and divestitures" fill one company's notes), but a question about Apple's
        # is not about it.
        for characteristic in self._naming(question, in_scope).values():
            raw[~characteristic] *= _WITHOUT_NAME
        scoped = raw[in_scope]
        best = float(scoped.max())
        if best < _MIN_EVIDENCE or float(scoped.min()) >= best * 0.999:
            return {}
        if _RECENT.search(question):
            # "the most recent quarter compared to previous quarters" asks about the earlier ones too.
            self._prefer_latest(
                raw, in_scope, best, _LATEST_LEAD_WITH_EARLIER if _EARLIER.search(question) else _LATEST_LEAD
            )
            best = float(raw[in_scope].max())
        return {self._doc_ids[i]: float(raw[i] / best) for i in np.flatnonzero(in_scope)}

    def _prefer_latest(self, raw: np.ndarray, in_scope: np.ndarray, best: float, lead: float) -> None:
        leaders = [i for i in np.flatnonzero(in_scope & (raw >= 0.9 * best)) if self._periods[i] is not None]
        if len(leaders) < 2:
            return
        newest = max(period for i in leaders if (period := self._periods[i]) is not None)
        for i in leaders:
            if self._periods[i] == newest:
                raw[i] += lead * best


def _idf(n: int, df: float) -> float:
    return math.log(1.0 + max(0.0, n - df + 0.5) / (df + 0.5))
