"""Turning driver values into display-safe ones (shared by every database runner)."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

# Decimals with more significant digits than a float keeps are shown as exact text.
_FLOAT_SAFE_DIGITS = 15


def display_value(value: Any) -> str | int | float | bool | None:
    """A value safe to show, serialise to JSON and write to CSV; Unicode is kept as it is."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        if value == value.to_integral_value() and abs(value) < 2**63:
            return int(value)
        return float(value) if len(value.as_tuple().digits) <= _FLOAT_SAFE_DIGITS else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
