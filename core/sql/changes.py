"""Does a message ask to change the database rather than read it?

The bot only reads data (approved SQL runs read-only), so "delete all orders from 2023" deserves
a plain "I only read the data", not a guess at a query or "I don't have data about deletes". The
rule is grammatical: the request opens, after politeness ("please", "can you", "I want to"), with
the imperative of a verb that writes data, and its object follows: a determiner ("the", "all"), a
word for stored data ("table", "rows") or an identifier ("customer 12"). A verb that also reads
("add up the totals", "update me on sales") or a noun ("change log for April", "update frequency
of dashboards", "remove duplicates and count …") is not a change, nor is a question ("change my
password: how?"). A request this misses is still never run: approved SQL runs read-only.
"""

from __future__ import annotations

import re

# Imperatives that write data: SQL's own verbs and their everyday names.
CHANGE_VERBS = frozenset(
    "delete remove drop truncate update insert modify alter erase wipe purge overwrite change set rename".split()
)
# "update me on the numbers", "set of products": the word does not write. Nor does a noun followed
# by a preposition, which an analytics question often opens with: "change in revenue by month",
# "drop in sales since March", "update on orders". ("add" is not a change verb at all: "add the
# sales of both stores" sums.)
_READING_PARTICLES = frozenset(
    "up me us of in on for from over by since between to across during per within after before".split()
)
# What may precede the imperative without changing what it asks.
_OPENERS = frozenset("please pls kindly hey hi hello so and ok okay then now just also go ahead".split())
_POLITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+you|(?:i|we)(?:\s+(?:want|need|would\s+like)|'d\s+like)\s+(?:you\s+)?to|let's|lets)\s+",
    re.I,
)
# What the object of a write starts with: a determiner or quantifier, or a word for stored data.
_OBJECT_STARTS = frozenset(
    """the a an all every each any some this that these those my our your their its his her
    table tables column columns row rows record records database data everything it them""".split()
)
_QUESTION_WORD = re.compile(r"\b(?:how|what|why|which|when|where|who|whom|whose)\b", re.I)
_IDENTIFIER = re.compile(r"\d")
_MENTION = re.compile(r"<[@#!][^>]*>|@\w+")
# A hyphenated compound is one word: "drop-off rate", "change-over time" name things, not writes.
_WORD = re.compile(r"[a-z']+(?:-[a-z']+)*")


def change_requested(text: str) -> str | None:
    """The verb of a request to change the data ("delete"), or None when the text does not ask for one."""
    words = _WORD.findall(_MENTION.sub(" ", text or "").lower())
    while words and words[0] in _OPENERS:
        words = words[1:]
    rest = _POLITE.sub("", " ".join(words))
    words = rest.split()
    while words and words[0] in _OPENERS:
        words = words[1:]
    if len(words) < 2 or words[0] not in CHANGE_VERBS or words[1] in _READING_PARTICLES:
        return None
    if _QUESTION_WORD.search(text):
        return None
    if words[1] not in _OBJECT_STARTS and not _IDENTIFIER.search(text):
        return None
    return words[0]


def read_only_refusal(verb: str) -> str:
    return (
        f"I only read the data: I can't {verb} anything in the database (approved queries run read-only). "
        "Ask me a question about the data instead."
    )
