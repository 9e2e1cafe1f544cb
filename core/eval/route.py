"""Routing evaluation: accuracy and a confusion matrix against labelled questions, with a baseline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.routing.base import ROUTE_KINDS, QuestionRouter


@dataclass
class LabelledQuestion:
    question: str
    expected: str


def read_labels(path: Path) -> list[LabelledQuestion]:
    """JSON lines {"question", "expected": "docs"|"sql"|"both"}; a bad line is named in the error."""
    labels: list[LabelledQuestion] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ValueError(f'{path}:{number}: needs a non-empty "question" string')
        if row.get("expected") not in ROUTE_KINDS:
            raise ValueError(
                f'{path}:{number}: "expected" must be one of {", ".join(ROUTE_KINDS)}, got {row.get("expected")!r}'
            )
        labels.append(LabelledQuestion(row["question"], row["expected"]))
    if not labels:
        raise ValueError(f"{path}: no labelled questions")
    return labels


def confusion(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{expected: {predicted: count}} over all three kinds."""
    matrix: dict[str, dict[str, int]] = {e: {p: 0 for p in ROUTE_KINDS} for e in ROUTE_KINDS}
    for expected, predicted in pairs:
        matrix[expected][predicted] += 1
    return matrix


def evaluate_routing(
    router: QuestionRouter, baseline: QuestionRouter, labels: list[LabelledQuestion], channel: str | None = None
) -> dict[str, Any]:
    predicted = [router.route(item.question, channel).kind for item in labels]
    baseline_predicted = [baseline.route(item.question, channel).kind for item in labels]
    n = len(labels)
    correct = sum(p == item.expected for p, item in zip(predicted, labels, strict=True))
    baseline_correct = sum(p == item.expected for p, item in zip(baseline_predicted, labels, strict=True))
    return {
        "n": n,
        "accuracy": round(correct / n, 4),
        "baseline_accuracy": round(baseline_correct / n, 4),
        "confusion": confusion((item.expected, p) for item, p in zip(labels, predicted, strict=True)),
        "baseline_confusion": confusion((item.expected, p) for item, p in zip(labels, baseline_predicted, strict=True)),
        "errors": [
            {"question": item.question, "expected": item.expected, "predicted": p}
            for item, p in zip(labels, predicted, strict=True)
            if p != item.expected
        ],
    }
