"""Retrieval evaluation: dense vs BM25 vs hybrid on a folder of documents plus questions.

Formats
- sec10q: a CSV with columns `Question`, `Source Docs` (a file-name glob such as
  `*2023 Q3 AAPL*`) and `Answer`, read as utf-8-sig; the documents are the files of a folder.
- pubmedqa: `ori_pqal.json` ({pmid: {QUESTION, CONTEXTS, ...}}); every PMID's abstract becomes
  one document `<pmid>.txt` whose paragraphs are its CONTEXTS.

Metrics, per retriever, over the top k chunks of each question:
- file_recall@k: share of questions where at least one top-k chunk comes from a file matching the
  question's glob (pubmedqa: from the question's own abstract).
- evidence_recall@k (sec10q): over questions whose answer contains figures, the mean share of those
  figures found in the text of the top-k chunks. A figure is a number in the answer written with a
  thousands separator (81,797), a decimal point (24.6) or at least three digits, excluding bare years
  (1900-2099); numbers are compared with thousands separators removed, as whole numbers (81,797 is
  not found inside 181,797 or 81,7970).
- evidence_recall_unit_aware@k (sec10q): the same, except that a figure the answer writes with three
  decimals before "billion" or "million" also counts as found in the unit a thousand times smaller:
  "$13.224 billion" is found as "13,224" (a statement in millions). Answers often convert a
  statement's millions into billions, and the literal measure counts those as missing. Only three
  decimals carry every digit of the smaller unit; "$2.75 billion" as "2,750" would find round
  numbers that happen to be there (it did: an unearned-revenue cell), so it is not converted.
- mrr@10: mean of 1/rank of the first chunk from a matching file within the top 10 (0 if none).
- latency_ms: wall time of one search call, p50 and p95.
- rerank_ms (runs with a re-ranker): wall time of the re-ranking stage alone per question.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.rerank.base import RerankCandidate, Reranker, TermWeights
from core.search.retriever import SearchHit

MRR_DEPTH = 10
_FIGURE = re.compile(
    r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])"  # 81,797 or 1,234.5
    r"|(?<![\w.,])\d+\.\d+(?![\d])"  # 24.6
    r"|(?<![\w.,])\d{3,}(?![\d,])"  # 123 (bare years are dropped afterwards)
)
_YEAR = re.compile(r"^(19|20)\d\d$")
# A figure with three decimals before a unit a thousand times the next: "13.224 billion", "2.750 million".
_SCALED = re.compile(r"(?<![\w.,])(\d+)\.(\d{3})(?![\d])\s*(billion|million)\b", re.I)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@dataclass
class EvalQuestion:
    question: str
    gold: Callable[[str], bool]  # file name -> does it count as the right source
    figures: list[str]
    source: str = ""  # what names the gold: the Source Docs glob (sec10q), the gold file (pubmedqa)
    # figure -> the same amount in the unit a thousand times smaller ("13.224" -> "13224").
    scaled: dict[str, str] = field(default_factory=dict)


def select(questions: list[EvalQuestion], keep: str | None, drop: str | None) -> list[EvalQuestion]:
    """Questions whose source matches `keep` and not `drop` (regular expressions, any case):
    how a dev / test split by filing or company is run."""
    keep_re = re.compile(keep, re.I) if keep else None
    drop_re = re.compile(drop, re.I) if drop else None
    return [
        q
        for q in questions
        if (keep_re is None or keep_re.search(q.source)) and (drop_re is None or not drop_re.search(q.source))
    ]


def answer_figures(answer: str) -> list[str]:
    """The figures of an answer, normalised (thousands separators removed), without duplicates."""
    out: list[str] = []
    for match in _FIGURE.finditer(answer):
        figure = match.group().replace(",", "")
        if _YEAR.match(figure) or figure in out:
            continue
        out.append(figure)
    return out


def scaled_figures(answer: str) -> dict[str, str]:
    """Each figure the answer writes with three decimals before "billion" or "million", with the
    same amount in the unit a thousand times smaller: "$13.224 billion" -> {"13.224": "13224"}."""
    out: dict[str, str] = {}
    for match in _SCALED.finditer(answer):
        whole, decimals = match.group(1), match.group(2)
        scaled = (whole + decimals).lstrip("0")
        # Held to the rules of answer_figures: "$0.045 billion" as "45" would find page numbers,
        # "$2.023 billion" as "2023" every date of that year.
        if len(scaled) >= 3 and not _YEAR.match(scaled):
            out.setdefault(f"{whole}.{decimals}", scaled)
    return out


def normalise_numbers(text: str) -> str:
    return _THOUSANDS.sub("", text)


def figure_found(figure: str, normalised_text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d|\.\d)", normalised_text) is not None


def figure_shares(question: EvalQuestion, text: str) -> tuple[float, float]:
    """(literal, unit-aware) share of the question's figures found in the text; the question has figures."""
    normalised = normalise_numbers(text)
    literal = [figure_found(f, normalised) for f in question.figures]
    any_unit = [
        hit or (f in question.scaled and figure_found(question.scaled[f], normalised))
        for f, hit in zip(question.figures, literal, strict=True)
    ]
    return sum(literal) / len(literal), sum(any_unit) / len(any_unit)


def glob_matcher(pattern: str) -> Callable[[str], bool]:
    pattern = pattern.strip().lower()
    return lambda file_name: fnmatch.fnmatchcase(file_name.lower(), pattern)


def name_matcher(name: str) -> Callable[[str], bool]:
    return lambda file_name: file_name == name


def load_sec10q_questions(path: Path) -> list[EvalQuestion]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"Question", "Source Docs", "Answer"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))} (expected the sec10q format)")
    short = next(
        (n for n, r in enumerate(rows, 2) if any(r.get(c) is None for c in ("Question", "Source Docs", "Answer"))), None
    )
    if short is not None:
        raise ValueError(f"{path}: line {short} has fewer fields than the header")
    return [
        EvalQuestion(
            r["Question"].strip(),
            glob_matcher(r["Source Docs"]),
            answer_figures(r["Answer"]),
            r["Source Docs"].strip(),
            scaled_figures(r["Answer"]),
        )
        for r in rows
        if r["Question"].strip()
    ]


def load_pubmedqa(path: Path) -> tuple[list[EvalQuestion], dict[str, bytes]]:
    """Questions and the documents to ingest ({file name: bytes}); gold = the question's own PMID."""
    data = json.loads(Path(path).read_text("utf-8"))
    questions, documents = [], {}
    for pmid, item in data.items():
        name = f"{pmid}.txt"
        documents[name] = "\n\n".join(item["CONTEXTS"]).encode("utf-8")
        questions.append(EvalQuestion(item["QUESTION"], name_matcher(name), [], name))
    return questions, documents


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def evaluate(
    questions: Iterable[EvalQuestion], search: Callable[[str, int], list[SearchHit]], k: int
) -> dict[str, Any]:
    """Metrics for one retriever; `search(question, depth)` returns ranked hits."""
    depth = max(k, MRR_DEPTH)
    file_hits = 0
    reciprocal_ranks: list[float] = []
    evidence: list[float] = []
    evidence_any_unit: list[float] = []
    latencies: list[float] = []
    count = 0
    for q in questions:
        count += 1
        start = time.perf_counter()
        hits = search(q.question, depth)
        latencies.append((time.perf_counter() - start) * 1000)
        top = hits[:k]
        if any(q.gold(h.chunk.file_name) for h in top):
            file_hits += 1
        first = next((i for i, h in enumerate(hits[:MRR_DEPTH], 1) if q.gold(h.chunk.file_name)), None)
        reciprocal_ranks.append(1.0 / first if first else 0.0)
        if q.figures:
            literal, any_unit = figure_shares(q, "\n".join(h.chunk.text for h in top))
            evidence.append(literal)
            evidence_any_unit.append(any_unit)
    result = {
        "questions": count,
        f"file_recall@{k}": round(file_hits / count, 4) if count else 0.0,
        f"mrr@{MRR_DEPTH}": round(statistics.fmean(reciprocal_ranks), 4) if count else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)},
    }
    if evidence:
        result[f"evidence_recall@{k}"] = round(statistics.fmean(evidence), 4)
        result[f"evidence_recall_unit_aware@{k}"] = round(statistics.fmean(evidence_any_unit), 4)
        result["questions_with_figures"] = len(evidence)
    return result


class TimedReranker:
    """A re-ranker that remembers how long each call took: the cost the stage adds per question."""

    def __init__(self, inner: Reranker) -> None:
        self.inner = inner
        self.name = inner.name
        self.durations_ms: list[float] = []

    def rerank(self, question: str, candidates: Sequence[RerankCandidate], weights: TermWeights) -> list[float]:
        start = time.perf_counter()
        try:
            return self.inner.rerank(question, candidates, weights)
        finally:
            self.durations_ms.append((time.perf_counter() - start) * 1000)

    def summary(self) -> dict[str, float]:
        return {"p50": round(percentile(self.durations_ms, 50), 1), "p95": round(percentile(self.durations_ms, 95), 1)}
