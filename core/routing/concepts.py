"""The question's key concept, and whether anything the bot can read knows it.

A question names what it asks about in its first run of content words ("average *satisfaction
score* by support agent", "how many *employees* are in Berlin"); words that only shape the
answer (measures, rankings, periods) are not concepts. When no word of that run is a schema word
(by the schema understanding: names, synonyms, values) nor appears in the best document passages,
neither source can answer, and saying so beats quoting unrelated passages.
"""

from __future__ import annotations

import re
from typing import Protocol

from core.routing.base import MissingConcept
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
# Letters in any script, so that a quoted word is the asker's word whole ("passées", not "pass").
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# "how long", "how often", "how far": the word after "how" asks for a degree or a frequency, never
# names a subject; "what kind of laptops" asks about laptops.
_CLASSIFIERS = frozenset({"kind", "kinds", "sort", "sorts", "type", "types"})
# Parts of speech a dictionary word may have: noun, verb, adjective, adverb.
_PARTS_OF_SPEECH = ("n", "v", "a", "r")


class Dictionary(Protocol):
    """core.schema.synonyms.Thesaurus's base_forms: which words are English, and which nouns."""

    def base_forms(self, word: str, pos: str) -> list[str]: ...


def _content_tokens(question: str, *, asked: bool) -> list[list[re.Match[str]]]:
    """Maximal runs of content words as written in the question, in order; asked: with the degree
    or kind asked for ("how *long*", "what *kind* of")."""
    tokens = list(_TOKEN.finditer(question))
    words = [_word(token) for token in tokens]
    runs: list[list[re.Match[str]]] = [[]]
    for i, (token, word) in enumerate(zip(tokens, words, strict=True)):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        asks_how = before == "how" or (word in _CLASSIFIERS and before in ("what", "which") and after == "of")
        if (asks_how and not asked) or word in RELATION_WORDS or word in SHAPE_WORDS or word.isdigit() or len(word) < 3:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(token)
    return [run for run in runs if run]


def concept_runs(question: str) -> list[list[str]]:
    """Maximal runs of content words, in order ("satisfaction score", "support agent"). The degree
    asked for counts ("how *long* are records kept?"): passages that speak of it are evidence."""
    return [[_word(token) for token in run] for run in _content_tokens(question, asked=True)]


def key_concept_words(question: str) -> set[str]:
    """The singular words of the question's key concept (its first run of content words)."""
    runs = concept_runs(question)
    return {singular(word) for word in runs[0]} if runs else set()


def unknown_key_concept(question: str, known: set[str], dictionary: Dictionary | None) -> MissingConcept | None:
    """The question's key concept as a reply names it ("satisfaction scores") when none of its
    words is known (known: singular words), else None. Named in the plural only when the
    dictionary reads every word as English; otherwise quoted as the asker wrote it."""
    runs = _content_tokens(question, asked=False)  # "how long" asks about a subject, it is none
    if not runs:
        return None
    key = runs[0]
    words = [_word(token) for token in key]
    if any(singular(word) in known for word in words):
        return None
    if dictionary is None or not all(any(dictionary.base_forms(w, pos) for pos in _PARTS_OF_SPEECH) for w in words):
        return MissingConcept(question[key[0].start() : key[-1].end()], as_typed=True)
    written = [_as_written(question, token) for token in key]
    last = written[-1]
    if last == words[-1] and dictionary.base_forms(last, "n"):
        last = _plural(last)
    elif last.isupper() and singular(words[-1]) == words[-1]:
        last += "s"  # an acronym: "CEOs"
    return MissingConcept(" ".join([*written[:-1], last]))


def _word(token: re.Match[str]) -> str:
    """Lower case, a possessive dropped ("customer's" → "customer")."""
    return token.group().lower().split("'")[0]


def _as_written(question: str, token: re.Match[str]) -> str:
    """The word in lower case, unless written as a name or an acronym ("Amazon", "CEO") anywhere
    but at the start of a sentence."""
    word = token.group().split("'")[0]
    if word.isupper() and len(word) > 1:
        return word
    sentence_start = not question[: token.start()].strip() or question[: token.start()].rstrip()[-1] in ".?!"
    return word.lower() if sentence_start or word[0].islower() else word


def _plural(word: str) -> str:
    if singular(word) != word or word.endswith(("ed", "ing")):
        return word  # already plural, or not a noun
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in set("aeiou"):
        return word[:-1] + "ies"
    return word + "s"
