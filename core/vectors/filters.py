"""Pinecone-style metadata filters, evaluated locally.

Supported: `{"field": value}` (shorthand for $eq), `{"field": {"$eq"|"$ne"|"$in"|"$nin"|"$gt"|
"$gte"|"$lt"|"$lte": v}}`, `{"$and": [...]}`, `{"$or": [...]}`; several keys in one dict must
all hold. A list-valued field matches $eq/$in when any element matches (as in Pinecone).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.errors import DocBotError

_MISSING = object()


class FilterError(DocBotError, ValueError):
    """A filter uses an operator or shape this store does not understand."""

    what = "The search filter is not valid"


def matches(metadata: dict[str, Any], flt: dict[str, Any] | None) -> bool:
    if not flt:
        return True
    if not isinstance(flt, dict):
        raise FilterError(f"a filter must be a dict, got {type(flt).__name__}")
    for key, condition in flt.items():
        if key == "$and":
            if not all(matches(metadata, sub) for sub in _clauses(key, condition)):
                return False
        elif key == "$or":
            if not any(matches(metadata, sub) for sub in _clauses(key, condition)):
                return False
        elif key.startswith("$"):
            raise FilterError(f"unsupported filter operator {key!r}")
        elif not _field_matches(metadata.get(key, _MISSING), condition):
            return False
    return True


def _clauses(key: str, condition: Any) -> list[dict[str, Any]]:
    if not isinstance(condition, list) or not condition:
        raise FilterError(f"{key} needs a non-empty list of filters")
    return condition


def _field_matches(value: Any, condition: Any) -> bool:
    if not isinstance(condition, dict):
        condition = {"$eq": condition}
    return all(_op_matches(value, op, expected) for op, expected in condition.items())


def _op_matches(value: Any, op: str, expected: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if op == "$eq":
        return value is not _MISSING and any(v == expected for v in values)
    if op == "$ne":
        return value is _MISSING or all(v != expected for v in values)
    if op in ("$in", "$nin"):
        if not isinstance(expected, list):
            raise FilterError(f"{op} needs a list")
        hit = value is not _MISSING and any(v in expected for v in values)
        return hit if op == "$in" else not hit
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if value is _MISSING or isinstance(value, (list, bool)) or not isinstance(value, (int, float)):
            return False
        compared: bool = {
            "$gt": value > expected,
            "$gte": value >= expected,
            "$lt": value < expected,
            "$lte": value <= expected,
        }[op]
        return compared
    raise FilterError(f"unsupported filter operator {op!r}")


class FieldIndex:
    """One metadata field over all rows: value -> rows holding it (each element of a list value).
    Built once per loaded index, so a filter costs set lookups, not a Python pass per row."""

    def __init__(self, metadata: list[dict[str, Any]], field: str) -> None:
        self.size = len(metadata)
        self.present = np.zeros(self.size, dtype=bool)
        rows: dict[Any, list[int]] = {}
        self.values: list[Any] = []  # per row, for the comparison operators
        self.hashable = True
        for row, meta in enumerate(metadata):
            value = meta.get(field, _MISSING)
            self.values.append(value)
            if value is _MISSING:
                continue
            self.present[row] = True
            for v in value if isinstance(value, list) else [value]:
                try:
                    rows.setdefault(v, []).append(row)
                except TypeError:  # an unhashable value (a dict): filters fall back to matches()
                    self.hashable = False
        self._rows = {v: np.asarray(r, dtype=np.int64) for v, r in rows.items()}

    def equal(self, expected: Any) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        try:
            found = self._rows.get(expected)
        except TypeError:
            return out
        if found is not None:
            out[found] = True
        return out


def compiled_mask(metadata: list[dict[str, Any]], flt: dict[str, Any], fields: dict[str, FieldIndex]) -> np.ndarray:
    """matches() for every row at once; `fields` caches FieldIndex objects between calls."""
    if not isinstance(flt, dict):
        raise FilterError(f"a filter must be a dict, got {type(flt).__name__}")
    out = np.ones(len(metadata), dtype=bool)
    for key, condition in flt.items():
        if key in ("$and", "$or"):
            parts = [compiled_mask(metadata, sub, fields) for sub in _clauses(key, condition)]
            out &= np.logical_and.reduce(parts) if key == "$and" else np.logical_or.reduce(parts)
        elif key.startswith("$"):
            raise FilterError(f"unsupported filter operator {key!r}")
        else:
            index = fields.get(key)
            if index is None:
                index = fields[key] = FieldIndex(metadata, key)
            out &= _field_mask(index, condition)
    return out


def _field_mask(index: FieldIndex, condition: Any) -> np.ndarray:
    if not isinstance(condition, dict):
        condition = {"$eq": condition}
    out = np.ones(index.size, dtype=bool)
    for op, expected in condition.items():
        if op in ("$in", "$nin") and not isinstance(expected, list):
            raise FilterError(f"{op} needs a list")
        if not index.hashable or op not in ("$eq", "$ne", "$in", "$nin"):
            out &= np.fromiter((_op_matches(v, op, expected) for v in index.values), dtype=bool, count=index.size)
        elif op in ("$eq", "$ne"):
            hit = index.equal(expected)
            out &= hit if op == "$eq" else ~hit
        else:
            hit = np.zeros(index.size, dtype=bool)
            for value in expected:
                hit |= index.equal(value)
            out &= hit if op == "$in" else ~hit
    return out
