"""Answers without a language model: the most relevant sentences of the top chunks, each cited.

Sentences (and table rows, one per line) are scored by embedding similarity to the question plus
the share of the question's terms they contain, each term weighted by its rarity in the corpus
("gross margin" says more than "report"), with the words that only name the documents (company,
period) left out. A table row whose label is made of the question's words gets a large bonus
("Widget $ 40,665" for "Widget revenue over the quarters"): the figure asked for is usually in
one. Sentences with figures get a bonus when the question asks for a quantity; sentences from
higher-ranked chunks a small one. Up to five are quoted, each once, so a question over several
filings gets a row from each (prose stops at three). Nothing is generated, so the answer is labelled as extracted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.answers.base import Citation
from core.answers.citations import source_at
from core.embeddings.base import Embedder
from core.search.retriever import SearchHit
from core.search.text import sentence_spans, terms, without_meta_words, without_terms

EXTRACTED_LABEL = "Extracted from the documents (no language model; sentences quoted as written):"
_MIN_CHARS = 20
_MAX_CHARS = 600
_MAX_CANDIDATES = 160  # sentences compared per question (p95 on sec10q: 133; ~1 ms each)
_RELATIVE_CUTOFF = 0.7
_REPEATED_WORDS = 0.8  # a sentence this much made of a chosen one's words repeats it
_MIN_WORDS = 2  # words a sentence needs, so fragments ("as of", "Note 4") are not answers
# A table row needs only one: "Inventories 11,127 13,224" and "Goodwill 27,591" are answers.
_QUANTITY_QUESTION = re.compile(
    r"\b(how (much|many)|what (was|were|is|are) (the )?\w*\s*(amount|total|number|rate|percentage|revenue|sales|"
    r"income|margin|cost|expense|price|figure|value)|amount|total|percentage|rate)\b",
    re.I,
)
_FIGURE = re.compile(r"\d{1,3}(,\d{3})+|\d+\.\d+|\d+\s?%|\$\s?\d")
# One token of a table row's figure cells: "$", "40,665", "(393)", "15.7", "%", "(2,043)".
_CELL_TOKEN = re.compile(r"[($]*-?\d[\d,]*(?:\.\d+)?%?\)?|[$%()—–-]")
_MAX_ROW_LABEL_WORDS = 8
_YEAR_CELL = re.compile(r"(?:19|20)\d\d")
# Tuned on the sec10q dev split (AAPL, AMZN, MSFT questions), with eval answers: 0 / 0.4 / 0.8 /
# 1.2 / 1.6 / 2 / 3 gave figure recall 0.19 / 0.20 / 0.22 / 0.23 / 0.30 / 0.30 / 0.31 (3 sentences).
_ROW_WEIGHT = 2.0
_WORDY = re.compile(r"[^\W\d_]{2,}")


@dataclass
class ScoredSentence:
    text: str
    hit_index: int
    score: float
    similarity: float  # to the question with or without its names, the closer (the relevance check reads it)
    overlap: float  # plain share of the whole question's terms present in the sentence
    offset: int = 0  # where the sentence starts in its hit's text (its page and section follow)
    row: float = 0.0  # how squarely it is a table row naming what was asked (_row_match)
    prior: float = 1.0  # how much the question is about the sentence's document


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
    question: str,
    hits: list[SearchHit],
    embedder: Embedder,
    term_weights: dict[str, float] | None = None,
    naming: set[str] | None = None,
    prior: dict[str, float] | None = None,
) -> list[ScoredSentence]:
    """Candidate sentences of the hits, best first. term_weights: corpus IDF per question term;
    naming: the question's terms that name its documents (company, period), left out of the
    comparison: the retriever already chose those documents, and within them the sentences that
    repeat the company's name are page footers, certifications and letters, not answers. prior:
    how much the question is about each document (doc id -> [0, 1]); with the names left out, it
    is what keeps a sentence of another company's filing from being quoted."""
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
    if not candidates:
        return []
    # "…in the latest 10-Q" points at a document; the sentence that answers need not say it.
    whole = without_meta_words(question)
    whole_terms = set(terms(whole))
    # Ranking reads the question without the words that name its documents; whether anything is
    # relevant at all reads it whole ("Tell me about Acme" is about Acme, not about "tell").
    question = without_terms(whole, naming or set())
    query_terms = set(terms(question))
    weights = {t: (term_weights or {}).get(t, 1.0) for t in query_terms}
    total_weight = sum(weights.values())
    if len(candidates) > _MAX_CANDIDATES:
        # Embedding every sentence of five long passages would cost most of a second: the ones
        # compared are those sharing the most (rarity-weighted) words with the question, so the
        # last passages' sentences are not cut off just for coming last.
        def shared(candidate: tuple[str, int, int]) -> float:
            return sum(weights[t] for t in query_terms & set(terms(candidate[0])))

        kept = sorted(range(len(candidates)), key=lambda n: -shared(candidates[n]))[:_MAX_CANDIDATES]
        candidates = [candidates[n] for n in sorted(kept)]
    wants_figure = bool(_QUANTITY_QUESTION.search(question))
    vectors = embedder.embed([question, whole] + [c[0] for c in candidates])
    similarities = vectors[2:] @ vectors[0]
    whole_similarities = vectors[2:] @ vectors[1] if whole != question else similarities
    # Documents the question is not about (prior 0) are not quoted; with no hit's document in
    # the prior at all, it says nothing about these hits and is not applied.
    if prior and not any(prior.get(hit.chunk.doc_id, 0.0) > 0 for hit in hits):
        prior = None
    out = []
    for (text, i, offset), similarity, whole_similarity in zip(
        candidates, similarities, whole_similarities, strict=True
    ):
        said = set(terms(text))
        present = query_terms & said
        overlap = len(whole_terms & said) / len(whole_terms) if whole_terms else 0.0
        weighted = sum(weights.get(t, 0.0) for t in present) / total_weight if total_weight else 0.0
        bonus = 0.05 / (1 + i) + (0.1 if wants_figure and _FIGURE.search(text) else 0.0)
        row = _row_match(text, weights)
        score = 0.6 * float(similarity) + 0.4 * weighted + bonus + _ROW_WEIGHT * row
        about = prior.get(hits[i].chunk.doc_id, 0.0) if prior else 1.0
        # Floors of 0.5 / 0.25 / 0 under the prior measured the same figure recall on the sec10q
        # dev split and citation precision 0.87 / 0.91 / 0.95: another company's row is no answer.
        score *= about
        # Relevant if it matches either reading: "Tell me about Acme" needs the name, a long
        # question about inventories matches the row "Inventories 3,742" better without it.
        relevance = max(float(similarity), float(whole_similarity))
        out.append(ScoredSentence(text, i, score, relevance, overlap, offset, row, about))
    out.sort(key=lambda s: -s.score)
    return out


def _repeats(words: set[str], before: set[str]) -> bool:
    """Whether a sentence (its terms) says nothing a chosen one did not: most of its words, and
    every figure, are there."""
    figures = {w for w in words if w[0].isdigit()}
    return figures <= before and len(words & before) >= _REPEATED_WORDS * len(words)


def _is_figure_cell(token: str) -> bool:
    """A cell that states an amount: "40,665", "(393)", "15.7", "12%"; not a year or a day of a
    column header ("2023", "1,")."""
    digits = token.strip("($),%")
    if not digits or not digits[0].isdigit() or _YEAR_CELL.fullmatch(digits):
        return False
    return len(digits.replace(",", "").replace(".", "")) >= 3 or "." in digits or "%" in token


def _row_match(text: str, weights: dict[str, float]) -> float:
    """How squarely a table row's label names what was asked: the share of the label made of the
    question's words (squared: "iPhone" beats "Total net sales of iPhone and accessories") times
    the share of the question it holds, words weighted by rarity. 0 for a sentence.

    Rows are short and mostly figures, so embeddings and word shares underrate them against
    prose that discusses the same thing; the figure asked for is usually in one."""
    tokens = text.split()
    start = len(tokens)
    while start and _CELL_TOKEN.fullmatch(tokens[start - 1]):
        start -= 1
    figures = sum(1 for token in tokens[start:] if _is_figure_cell(token))
    if figures < 2 or not weights:
        return 0.0
    # Digits before the label are a column header glued on by line wrapping ("2021 iPhone $ 40,665").
    label = {t for t in terms(" ".join(tokens[:start])) if not t[0].isdigit()}
    if not label or len(label) > _MAX_ROW_LABEL_WORDS:
        return 0.0
    unknown = max(weights.values())
    shared = sum(weights[t] for t in label & weights.keys())
    if not shared:
        return 0.0
    precision = shared / (shared + sum(unknown for t in label - weights.keys()))
    return precision * precision * shared / sum(weights.values())


def extractive_answer(
    scored: list[ScoredSentence],
    hits: list[SearchHit],
    max_sentences: int = 3,
    max_rows: int = 5,
    unmentioned: Sequence[str] = (),
) -> tuple[str, list[Citation]]:
    """The answer's text and citations. unmentioned: words of the question no document in scope
    uses; said first, so that quotes about refunds in general are not read as the policy on
    "gift cards" that were asked about."""
    # Further sentences only when nearly as relevant as the best: no filler after a clear hit.
    # Rows naming what was asked may go on to max_rows: a question over several filings ("over
    # the quarters") needs the row of each; prose stops at max_sentences.
    chosen: list[ScoredSentence] = []
    said: list[set[str]] = []
    for sentence in scored:
        if len(chosen) == max_rows or sentence.score < _RELATIVE_CUTOFF * scored[0].score:
            break
        if len(chosen) >= max_sentences and not sentence.row:
            continue
        words = set(terms(sentence.text))
        # Overlapping chunks cut the same sentence in different places: say it once. A row with
        # the same label and another figure ("Effective tax rate 12.5 %") is not a repeat.
        if any(_repeats(words, before) for before in said):
            continue
        chosen.append(sentence)
        said.append(words)
    # One citation per place quoted: the page and section of each sentence, not its passage's span.
    numbers: dict[tuple[int, tuple[int, ...], str | None], int] = {}
    citations: list[Citation] = []
    lines = [EXTRACTED_LABEL]
    if unmentioned:
        quoted = [f"“{words}”" for words in unmentioned]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        lines.append(f"(The documents don't mention {listed}; these are the closest passages.)")
    for sentence in chosen:
        chunk = hits[sentence.hit_index].chunk
        source = source_at(chunk, sentence.offset)
        key = (sentence.hit_index, tuple(source.pages), source.section)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(numbers[key], chunk.file_name, source.pages, chunk.doc_id, source.section))
        lines.append(f"• {sentence.text} [{numbers[key]}]")
    return "\n".join(lines), citations
