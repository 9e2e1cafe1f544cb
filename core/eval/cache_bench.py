"""Question latency with and without the answer cache, through the same answerer Slack uses.

Synthetic policy documents (a topic per document, a figure per sentence) are indexed into a
scratch workspace; each question is asked once uncached (the first time: retrieval and answer
writing) and then again (served from the cache, keyed by question, channel and corpus version).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

TOPICS = ("travel", "expenses", "security", "holidays", "equipment", "training", "remote work", "parking")


def synthetic_documents(n_docs: int = 8) -> list[tuple[str, bytes]]:
    docs = []
    for i in range(n_docs):
        topic = TOPICS[i % len(TOPICS)]
        lines = [f"# {topic.title()} policy {i}", ""]
        for j in range(40):
            lines.append(
                f"Rule {j} of the {topic} policy: requests above {100 + 7 * j + i} EUR need approval "
                f"from a manager within {2 + j % 5} working days."
            )
        docs.append((f"{topic.replace(' ', '_')}_{i}.md", "\n".join(lines).encode()))
    return docs


def questions(n: int) -> list[str]:
    return [
        f"How many days does a manager have to approve a {TOPICS[i % len(TOPICS)]} request, rule {i}?" for i in range(n)
    ]


def _ms_stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max": round(ordered[-1], 3),
    }


def bench(ask: Callable[[str], Any], n_questions: int) -> dict[str, Any]:
    """`ask(question)` answers one question; each is asked twice (uncached, then cached)."""
    asked = questions(n_questions)
    uncached, cached = [], []
    for question in asked:
        start = time.perf_counter()
        ask(question)
        uncached.append((time.perf_counter() - start) * 1000)
    for question in asked:
        start = time.perf_counter()
        ask(question)
        cached.append((time.perf_counter() - start) * 1000)
    return {"questions": n_questions, "uncached_ms": _ms_stats(uncached), "cached_ms": _ms_stats(cached)}
