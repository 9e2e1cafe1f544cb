"""The column-at-a-time filter evaluation used by the local store agrees with matches() row by row."""

from __future__ import annotations

import random

import numpy as np
import pytest

from core.vectors.filters import FilterError, compiled_mask, matches


def rows(n: int = 400) -> list[dict]:
    rng = random.Random(3)
    return [
        {
            "doc_id": f"d{rng.randint(0, 5)}",
            "channels": rng.sample(["C1", "C2", "C3"], rng.randint(0, 2)),
            "workspace_wide": rng.random() < 0.3,
            "index": rng.randint(0, 9),
            **({"extra": {"nested": 1}} if rng.random() < 0.1 else {}),
            **({"x": 1} if rng.random() < 0.5 else {}),
        }
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    "flt",
    [
        {"$or": [{"channels": {"$in": ["C1"]}}, {"workspace_wide": {"$eq": True}}]},
        {"doc_id": {"$eq": "d1"}},
        {"doc_id": "d2", "index": {"$gte": 5}},
        {"$and": [{"channels": {"$nin": ["C2"]}}, {"x": {"$ne": 1}}]},
        {"workspace_wide": 1},
        {"doc_id": {"$in": ["d1", "d3"]}, "channels": {"$ne": "C3"}},
        {"missing_field": {"$nin": ["a"]}},
        {"extra": {"$eq": {"nested": 1}}},
    ],
)
def test_compiled_mask_equals_row_by_row_matching(flt: dict) -> None:
    meta = rows()
    expected = np.array([matches(m, flt) for m in meta])
    fields: dict = {}
    assert (compiled_mask(meta, flt, fields) == expected).all()
    assert (compiled_mask(meta, flt, fields) == expected).all()  # with the field indexes cached


def test_bad_filters_are_refused_the_same_way() -> None:
    with pytest.raises(FilterError):
        compiled_mask(rows(3), {"$nor": []}, {})
    with pytest.raises(FilterError):
        compiled_mask(rows(3), {"doc_id": {"$in": "d1"}}, {})
