"""Which way a question points when a table links to another by two keys of opposite direction.

flights has SourceAirport and DestAirport; "flights departing from Aberdeen" means the source
key, "flights arriving in 'APG'" the destination. The direction comes from the word just before
the value ("from", "into", "departing", "landing"), the key's from its column name ("source",
"origin", "destination", "arrival"): naming conventions, not knowledge of one schema.
"""

from __future__ import annotations

from core.sql.generate.schema_index import Column

_QUESTION_WORDS = {
    "source": {
        "from",
        "depart",
        "departs",
        "departing",
        "departed",
        "departure",
        "leave",
        "leaves",
        "leaving",
        "left",
        "origin",
        "originating",
        "source",
    },
    "destination": {
        "to",
        "into",
        "arrive",
        "arrives",
        "arriving",
        "arrived",
        "arrival",
        "land",
        "lands",
        "landing",
        "landed",
        "destination",
        "reach",
        "reaching",
    },
}
_COLUMN_WORDS = {
    "source": {"source", "origin", "departure", "from"},
    "destination": {"destination", "arrival", "to", "target"},
}
# How far back from a value its direction word may stand: "from the airport 'APG'".
_REACH = 4


def direction_before(words: list[str], position: int) -> str | None:
    """'source' or 'destination' for the nearest direction word among the few before position."""
    for word in reversed(words[max(0, position - _REACH) : position]):
        for direction, markers in _QUESTION_WORDS.items():
            if word in markers:
                return direction
    return None


def column_direction(column: Column) -> str | None:
    words = {word for reading in column.readings for word in reading}
    found = [direction for direction, markers in _COLUMN_WORDS.items() if words & markers]
    return found[0] if len(found) == 1 else None
