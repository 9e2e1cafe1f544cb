"""Pinecone-style metadata filters, evaluated locally.

Supported: `{"field": value}` (shorthand for $eq), `{"field": {"$eq"|"$ne"|"$in"|"$nin"|"$gt"|
"$gte"|"$lt"|"$lte": v}}`, `{"$and": [...]}`, `{"$or": [...]}`; several keys in one dict must
all hold. A list-valued field matches $eq/$in when any element matches (as in Pinecone).
"""

from __future__ import annotations

from typing import Any

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
