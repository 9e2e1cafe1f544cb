"""Answers without a language model: the most relevant sentences of the top chunks, each cited.

Sentences (and table rows, one per line) are scored by embedding similarity to the question plus
the share of the question's terms they contain, each term weighted by its rarity in the corpus
("gross margin" says more than "report"). Sentences with figures get a bonus when the question
asks for a quantity; sentences from higher-ranked chunks a small one.
Nothing is generated, so the answer is labelled as extracted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.answers.base import Citation
from core.answers.citations import source_at
from core.embeddings.base import Embedder
from core.search.retriever import SearchHit
from core.search.text import sentence_spans, terms, without_meta_words

EXTRACTED_LABEL = "Extracted from the documents (no language model; sentences quoted as written):"
_MIN_CHARS = 20
_MAX_CHARS = 600
_MAX_CANDIDATES = 80
_RELATIVE_CUTOFF = 0.7
_MIN_WORDS = 2  # words a sentence needs, so fragments ("as of", "Note 4") are not answers
# A table row needs only one: "Inventories 11,127 13,224" and "Goodwill 27,591" are answers.
_QUANTITY_QUESTION = re.compile(
    r"\b(how (much|many)|what (was|were|is|are) (the )?\w*\s*(amount|total|number|rate|percentage|revenue|sales|"
    r"income|margin|cost|expense|price|figure|value)|amount|total|percentage|rate)\b",
    re.I,
)
_FIGURE = re.compile(r"\d{1,3}(,\d{3})+|\d+\.\d+|\d+\s?%|\$\s?\d")
_WORDY = re.compile(r"[^\W\d_]{2,}")


@dataclass
class ScoredSentence:
    text: str
    hit_index: int
    score: float
    similarity: float
    overlap: float  # plain share of the question's terms present in the sentence
    offset: int = 0  # where the sentence starts in its hit's text (its page and section follow)


def _body(hit: SearchHit) -> tuple[int, str]:
    """The source text of a hit and its offset: the first line of a chunk is its context line
    (file name, heading), not source text."""
    text = hit.chunk.text
    first, _, rest = text.partition("\n")
    if rest.strip() and hit.chunk.file_name.rsplit(".", 1)[0] in first:
        return len(first) + 1, rest
    return 0, text


_TRAILING_NUMBER = re.compile(r"[\s|]*\d+$")


def _running_lines(hits: list[SearchHit]) -> set[str]:
    """Page headers and footers ("Apple Inc. | Q3 2023 Form 10-Q | 14"): the same line with
    another page number at its end. They match the question's company and period, and say nothing."""
    numbers: dict[str, set[str]] = {}
    for hit in hits:
        for line in hit.chunk.text.splitlines():
            line = line.strip()
            stem = _TRAILING_NUMBER.sub("", line)
            if stem != line and len(_WORDY.findall(stem)) >= 2:
                numbers.setdefault(stem, set()).add(line[len(stem) :].strip(" |"))
    return {stem for stem, seen in numbers.items() if len(seen) >= 2}


def score_sentences(
    question: str, hits: list[SearchHit], embedder: Embedder, term_weights: dict[str, float] | None = None
) -> list[ScoredSentence]:
    """Candidate sentences of the hits, best first. term_weights: corpus IDF per question term."""
    candidates: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    running = _running_lines(hits)
    for i, hit in enumerate(hits):
        body_offset, body = _body(hit)
        for start, _, sentence in sentence_spans(body):
            sentence = sentence.lstrip("•·▪■-–* ").strip()
            if _TRAILING_NUMBER.sub("", sentence) in running:
                continue
            # Overlapping chunks repeat sentences, sometimes cut differently: compare their openings.
            key = "".join(ch for ch in sentence.lower() if ch.isalnum())[:80]
            # Fragments and bare numbers ("14", "(393) (247)") are not answers.
            words = len(_WORDY.findall(sentence))
            if (
                len(sentence) < _MIN_CHARS
                or key in seen
                or not (words >= _MIN_WORDS or (words and _FIGURE.search(sentence)))
            ):
                continue
            seen.add(key)
            candidates.append((sentence[:_MAX_CHARS], i, body_offset + start))
    candidates = candidates[:_MAX_CANDIDATES]
    if not candidates:
        return []
    # "…in the latest 10-Q" points at a document; the sentence that answers need not say it.
    question = without_meta_words(question)
    query_terms = set(terms(question))
    weights = {t: (term_weights or {}).get(t, 1.0) for t in query_terms}
    total_weight = sum(weights.values())
    wants_figure = bool(_QUANTITY_QUESTION.search(question))
    vectors = embedder.embed([question] + [c[0] for c in candidates])
    similarities = vectors[1:] @ vectors[0]
    out = []
    for (text, i, offset), similarity in zip(candidates, similarities, strict=True):
        present = query_terms & set(terms(text))
        overlap = len(present) / len(query_terms) if query_terms else 0.0
        weighted = sum(weights.get(t, 0.0) for t in present) / total_weight if total_weight else 0.0
        bonus = 0.05 / (1 + i) + (0.1 if wants_figure and _FIGURE.search(text) else 0.0)
        score = 0.6 * float(similarity) + 0.4 * weighted + bonus
        out.append(ScoredSentence(text, i, score, float(similarity), overlap, offset))
    out.sort(key=lambda s: -s.score)
    return out


def extractive_answer(
    scored: list[ScoredSentence], hits: list[SearchHit], max_sentences: int = 3
) -> tuple[str, list[Citation]]:
    # Further sentences only when nearly as relevant as the best: no filler after a clear hit.
    chosen = [s for s in scored[:max_sentences] if s.score >= _RELATIVE_CUTOFF * scored[0].score]
    # One citation per place quoted: the page and section of each sentence, not its passage's span.
    numbers: dict[tuple[int, tuple[int, ...], str | None], int] = {}
    citations: list[Citation] = []
    lines = [EXTRACTED_LABEL]
    for sentence in chosen:
        chunk = hits[sentence.hit_index].chunk
        source = source_at(chunk, sentence.offset)
        key = (sentence.hit_index, tuple(source.pages), source.section)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(numbers[key], chunk.file_name, source.pages, chunk.doc_id, source.section))
        lines.append(f"• {sentence.text} [{numbers[key]}]")
    return "\n".join(lines), citations
