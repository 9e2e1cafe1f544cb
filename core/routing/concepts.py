"""The question's key concept, and whether anything the bot can read knows it.

A question names what it asks about in its first run of content words ("average *satisfaction
score* by support agent", "how many *employees* are in Berlin"); words that only shape the
answer (measures, rankings, periods) are not concepts. When no word of that run is a schema word
(by the schema understanding: names, synonyms, values) nor appears in the best document passages,
neither source can answer, and saying so beats quoting unrelated passages.
"""

from __future__ import annotations

import re

from core.routing.function_words import FUNCTION_WORDS
from core.sql.generate.vocabulary import MONTHS
from core.sql.generate.words import singular

# Words that shape an answer rather than name its subject: measures, rankings, periods (months
# too), verbs of asking.
SHAPE_WORDS = frozenset(
    [
        *MONTHS,
        "average",
        "avg",
        "mean",
        "median",
        "total",
        "sum",
        "count",
        "number",
        "amount",
        "top",
        "most",
        "least",
        "highest",
        "lowest",
        "biggest",
        "smallest",
        "best",
        "worst",
        "list",
        "show",
        "give",
        "find",
        "tell",
        "compare",
        "trend",
        "share",
        "ratio",
        "percentage",
        "percent",
        "rate",
        "breakdown",
        "overview",
        "summary",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "quarter",
        "quarters",
        "year",
        "years",
        "today",
        "yesterday",
        "daily",
        "weekly",
        "monthly",
        "yearly",
        "annual",
        "current",
        "latest",
        "last",
        "previous",
        "next",
        "recent",
        "first",
        "second",
        "third",
    ]
)
# Prepositions and comparison words mark how a concept is asked about, not which.
RELATION_WORDS = FUNCTION_WORDS | {
    "above",
    "across",
    "after",
    "among",
    "before",
    "being",
    "below",
    "between",
    "done",
    "during",
    "ever",
    "fewer",
    "greater",
    "its",
    "less",
    "more",
    "never",
    "please",
    "since",
    "versus",
    "vs",
    "within",
    "without",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def concept_runs(question: str) -> list[list[str]]:
    """Maximal runs of content words, in order ("satisfaction score", "support agent")."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(question.lower()):
        word = token.split("'")[0]
        if word in RELATION_WORDS or word in SHAPE_WORDS or word.isdigit() or len(word) < 3:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(word)
    return [run for run in runs if run]


def key_concept_words(question: str) -> set[str]:
    """The singular words of the question's key concept (its first run of content words)."""
    runs = concept_runs(question)
    return {singular(word) for word in runs[0]} if runs else set()


def unknown_key_concept(question: str, known: set[str]) -> str | None:
    """The question's key concept as a phrase ("satisfaction scores") when none of its words is
    known (known: singular words), else None."""
    runs = concept_runs(question)
    if not runs:
        return None
    key = runs[0]
    if any(singular(word) in known for word in key):
        return None
    return " ".join([*key[:-1], _plural(key[-1])])


def _plural(word: str) -> str:
    if singular(word) != word or word.endswith(("ed", "ing")):
        return word  # already plural, or not a noun
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in set("aeiou"):
        return word[:-1] + "ies"
    return word + "s"
