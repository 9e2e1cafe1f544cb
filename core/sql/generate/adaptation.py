"""A saved question's SQL reused for a question that means the same but says another literal.

"Top 5 customers by total spend" next to the saved "Who are the top 10 customers by lifetime
value?": the same question with 5 for 10. The saved SQL is adapted where the literal is
unambiguous — a number that appears once in it (LIMIT 10 → LIMIT 5), or a year, whose date
bounds all shift together ('2023-01-01'…'2024-01-01' → '2024-01-01'…'2025-01-01') — and refused
otherwise. Words that change what is asked (not, never, most/least, time units) or name
a table or value the saved question does not, or swap one schema word for another, are
material: no reuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.sql.generate.words import singular
from core.sql.knowledge import normalise_question

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_QUOTED = re.compile(r"'([^']*)'")
_QUOTED_YEAR = re.compile(r"'((?:19|20)\d\d)(-[^']*)?'")
# Words of a time period: a question that differs from a saved one in these asks about another period.
TIME_WORDS = frozenset(
    {
        "annual",
        "daily",
        "day",
        "last",
        "month",
        "monthly",
        "next",
        "previous",
        "quarter",
        "this",
        "today",
        "week",
        "weekly",
        "year",
        "yearly",
        "yesterday",
    }
)
# Words whose difference changes the answer, whatever the embedding says.
MATERIAL_WORDS = TIME_WORDS | {
    "above",
    "after",
    "ascending",
    "average",
    "before",
    "below",
    "biggest",
    "count",
    "descending",
    "each",
    "except",
    "fewest",
    "first",
    "highest",
    "largest",
    "least",
    "less",
    "lowest",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "more",
    "most",
    "never",
    "no",
    "not",
    "only",
    "over",
    "per",
    "since",
    "smallest",
    "under",
    "until",
    "without",
}


@dataclass(frozen=True)
class Adaptation:
    sql: str
    changes: list[tuple[str, str]]  # (saved literal, new literal)


def adapt(
    question: str, saved_question: str, saved_sql: str, schema_words: set[str], thing_words: set[str]
) -> Adaptation | None:
    """The saved SQL with the new question's literals, or None when the two differ otherwise.

    schema_words: the words naming columns and business terms; thing_words: those naming a table
    or a value in the data. A new table or value is material; a column or term word when it
    replaces another ("price" for "weight", "revenue" for "lifetime value"), not when the saved
    one is paraphrased in other words ("total spend" for "lifetime value")."""
    new_words, old_words = content_words(question), content_words(saved_question)
    added = {w for w in new_words - old_words if not _NUMBER.fullmatch(w)}
    removed = {w for w in old_words - new_words if not _NUMBER.fullmatch(w)}
    if (added | removed) & MATERIAL_WORDS or (added | removed) & thing_words:
        return None
    literals = {singular(w) for text in _QUOTED.findall(saved_sql) for w in normalise_question(text).split()}
    if removed & literals or added & _named(question):
        return None  # a filter of the saved query left out ("orders to France"), or a new name said
    if added & schema_words and removed & schema_words:
        return None
    new_numbers, old_numbers = _numbers(question), _numbers(saved_question)
    if len(new_numbers) != len(old_numbers):
        return None
    sql = saved_sql
    changes: list[tuple[str, str]] = []
    for old, new in zip(old_numbers, new_numbers, strict=True):
        if old == new:
            continue
        years = _YEAR.fullmatch(old) and _YEAR.fullmatch(new)
        changed = _with_year(sql, old, new) if years else _with_number(sql, old, new)
        if changed is None:
            return None
        sql = changed
        changes.append((old, new))
    return Adaptation(sql, changes)


def _with_number(sql: str, old: str, new: str) -> str | None:
    """The one place the saved SQL says the number; None when it says it never or twice."""
    found = list(re.finditer(rf"(?<![\w.']){re.escape(old)}(?![\w.'])", sql))
    if len(found) != 1:
        return None
    at = found[0]
    return sql[: at.start()] + new + sql[at.end() :]


def _with_year(sql: str, old: str, new: str) -> str | None:
    """Every quoted date moved by the same number of years; None unless the saved SQL's dates are
    the old year and its end bound (old + 1) only, or the year is a bare number once."""
    years = {int(match.group(1)) for match in _QUOTED_YEAR.finditer(sql)}
    if not years:
        return _with_number(sql, old, new)
    if not years <= {int(old), int(old) + 1} or int(old) not in years:
        return None
    shift = int(new) - int(old)
    return _QUOTED_YEAR.sub(lambda m: f"'{int(m.group(1)) + shift}{m.group(2) or ''}'", sql)


def _named(text: str) -> set[str]:
    """Capitalised words after the first: names of things ("Germany", "Acme")."""
    words = re.findall(r"[\w']+", text)
    return {singular(w.lower()) for w in words[1:] if w[:1].isupper()}


def _numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


def content_words(text: str) -> set[str]:
    return {singular(word) for word in normalise_question(text).split()}
