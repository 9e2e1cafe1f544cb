"""Answer evaluation: does the answer the bot gives state the figures the reference answer gives?

`eval retrieval` measures whether the evidence reaches the top passages; this measures the next
step, what the answerer makes of them (offline: the extracted sentences; with an LLM configured:
the generated answer). Over the same question sets (core/eval/retrieval.py's loaders):
- answered: share of questions that got an answer (not "nothing found").
- figure_recall (sec10q): over questions whose reference answer has figures, the mean share of
  those figures stated in the answer's text (0 for a question left unanswered);
  figure_recall_unit_aware counts "$13.224 billion" stated as "13,224" too (see
  evidence_recall_unit_aware in core/eval/retrieval.py).
- passage_figure_recall (sec10q): the same share over the passages the answer was written from:
  what the answer could have stated; the gap to figure_recall is the answering step's loss.
- citation_precision: share of citations that name a right file (a Source Docs match, or the
  question's own abstract for pubmedqa); cites_right_file: share of answered questions citing
  at least one right file.
- latency_ms: wall time per answer, p50 and p95; modes: answers per mode (llm, extractive, none).
- answer_chars: length of the answers given, p50 and p95: a recall bought by quoting more shows here.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from core.answers.base import Answer
from core.eval.retrieval import EvalQuestion, figure_shares, percentile


def evaluate_answers(questions: Iterable[EvalQuestion], answer: Callable[[str], Answer]) -> dict[str, Any]:
    """Metrics for one answerer; `answer(question)` returns the bot's answer."""
    count = answered = 0
    modes: Counter[str] = Counter()
    latencies: list[float] = []
    lengths: list[float] = []
    in_answer: list[tuple[float, float]] = []
    in_passages: list[float] = []
    citations = right_citations = cites_right = 0
    for q in questions:
        count += 1
        start = time.perf_counter()
        reply = answer(q.question)
        latencies.append((time.perf_counter() - start) * 1000)
        modes[reply.mode] += 1
        if q.figures:
            # An unanswered question states none of its figures: it counts, as zero.
            in_answer.append(figure_shares(q, reply.text) if reply.mode != "none" else (0.0, 0.0))
            in_passages.append(figure_shares(q, "\n".join(h.chunk.text for h in reply.hits))[0])
        if reply.mode == "none":
            continue
        answered += 1
        lengths.append(len(reply.text))
        right = [q.gold(c.file_name) for c in reply.citations]
        citations += len(right)
        right_citations += sum(right)
        cites_right += any(right)
    result: dict[str, Any] = {
        "questions": count,
        "answered": round(answered / count, 4) if count else 0.0,
        "citation_precision": round(right_citations / citations, 4) if citations else 0.0,
        "cites_right_file": round(cites_right / answered, 4) if answered else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)},
        "modes": dict(modes),
        "answer_chars": {"p50": percentile(lengths, 50), "p95": percentile(lengths, 95)},
    }
    if in_answer:
        result["figure_recall"] = round(statistics.fmean(s for s, _ in in_answer), 4)
        result["figure_recall_unit_aware"] = round(statistics.fmean(s for _, s in in_answer), 4)
        result["passage_figure_recall"] = round(statistics.fmean(in_passages), 4)
        result["questions_with_figures"] = len(in_answer)
    return result
