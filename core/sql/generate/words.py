"""Word handling shared by the schema index and the pattern engine: splitting, singulars."""

from __future__ import annotations

import re

from core.schema.inflect import singular

__all__ = ["ABBREVIATIONS", "SYNONYMS", "singular", "split_identifier"]

# Abbreviations common in column names, expanded so that questions in plain words match them.
ABBREVIATIONS: dict[str, list[str]] = {
    "fname": ["first", "name"],
    "lname": ["last", "name"],
    "dob": ["date", "of", "birth"],
    "num": ["number"],
    "no": ["number"],
    "qty": ["quantity"],
    "amt": ["amount"],
    "desc": ["description"],
    "addr": ["address"],
    "dept": ["department"],
    "yr": ["year"],
    "avg": ["average"],
    "pct": ["percent"],
    "stuid": ["student", "id"],
    "stu": ["student"],
    "dest": ["destination"],
    "src": ["source"],
}

# Nouns people use for what schemas usually call otherwise; tried only for a word that matches
# nothing in the schema as written.
SYNONYMS: dict[str, str] = {
    "nation": "country",
    "store": "shop",
    "manufacturer": "maker",
    "client": "customer",
    "purchase": "order",
}


def split_identifier(name: str) -> list[str]:
    """'Song_release_Year' → ['song', 'release', 'year']; 'LifeExpectancy' → ['life', 'expectancy']."""
    parts = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    words: list[str] = []
    for part in re.split(r"[\W_]+", parts):
        if not part:
            continue
        lowered = part.lower()
        words.extend(ABBREVIATIONS.get(lowered, [lowered]))
    return [singular(word) for word in words]
