"""Word handling shared by the schema index and the pattern engine: splitting, singulars."""

from __future__ import annotations

import re

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

_IRREGULAR = {
    "ids": "id",
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "data": "data",
    "series": "series",
    "species": "species",
    "status": "status",
    "address": "address",
    "business": "business",
    "analysis": "analysis",
}


def singular(word: str) -> str:
    """A cheap English singular: enough to match 'countries' with 'country', 'orders' with 'order'."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


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
