"""Singular forms: 'countries' matches `country`, 'orders' matches `order_id`."""

from __future__ import annotations

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
