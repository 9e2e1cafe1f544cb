"""A saved question's SQL reused for a question that means the same but says another literal.

"Top 5 customers by total spend" next to the saved "Who are the top 10 customers by lifetime
value?": the same question with 5 for 10. The saved SQL is adapted where the literal is
unambiguous — a number that appears once in it (LIMIT 10 → LIMIT 5), a year, whose date bounds
all shift together ('2023-01-01'…'2024-01-01' → '2024-01-01'…'2025-01-01'), or a value the saved
query compares to a column, swapped for another value the database holds in that same column
("orders from Germany" asked as "orders from France": 'Germany' → 'France') — and refused
otherwise. Words that change what is asked (not, never, most/least, time units) or name a table
or value the saved question does not, or swap one schema word for another, are material: no
reuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from core.sql.generate.words import singular
from core.sql.knowledge import normalise_question

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_TOKEN = re.compile(r"\w+")
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


class ValueLookup(Protocol):
    """The database's side of a value swap (core/sql/generate/value_swap.py)."""

    def swap(self, saved_sql: str, old: str, new: str) -> str | None:
        """`new` as the data spells it, when the saved SQL compares `old` to a column that holds
        it; else None."""
        ...


def adapt(
    question: str,
    saved_question: str,
    saved_sql: str,
    schema_words: set[str],
    thing_words: set[str],
    values: ValueLookup | None = None,
) -> Adaptation | None:
    """The saved SQL with the new question's literals, or None when the two differ otherwise.

    schema_words: the words naming columns and business terms; thing_words: those naming a table
    or a value in the data. A new table or value is material — unless it takes the place of the
    saved question's value in the same column (values: None, never) —; a column or term word
    when it replaces another ("price" for "weight", "revenue" for "lifetime value"), not when the
    saved one is paraphrased in other words ("total spend" for "lifetime value")."""
    new_words, old_words = content_words(question), content_words(saved_question)
    added = {w for w in new_words - old_words if not _NUMBER.fullmatch(w)}
    removed = {w for w in old_words - new_words if not _NUMBER.fullmatch(w)}
    if (added | removed) & MATERIAL_WORDS:
        return None
    sql = saved_sql
    changes: list[tuple[str, str]] = []
    if values is not None:
        for swap in _value_swaps(question, saved_sql, old_words, added, removed, values):
            if swap is None:
                return None  # the saved value is replaced by something its column does not hold
            old, new, old_said, new_said = swap
            sql = sql.replace(sql_string(old), sql_string(new))
            changes.append((old, new))
            added, removed = added - new_said, removed - old_said
    if not _values_keep_their_places(saved_question, question, saved_sql, dict(changes)):
        return None
    if (added | removed) & thing_words:
        return None
    literals = {singular(w) for text in _string_literals(saved_sql) for w in normalise_question(text).split()}
    if removed & literals or added & _named(question):
        return None  # a filter of the saved query left out ("orders to France"), or a new name said
    if added & schema_words and removed & schema_words:
        return None
    new_numbers, old_numbers = _numbers(question), _numbers(saved_question)
    if len(new_numbers) != len(old_numbers):
        return None
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


def _values_keep_their_places(saved_question: str, question: str, saved_sql: str, swapped: dict[str, str]) -> bool:
    """With several values, a swap must leave each where it was: "from France shipped to Germany"
    → "from Germany shipped to Spain" moved Germany to the other column, which no swap of the
    SQL's literals can say. The values, in the order each question says them, must correspond."""
    # Only the values the saved question says (a business term's own filter, status = 'paid',
    # is not said and has no place).
    said = [v for v in dict.fromkeys(_string_literals(saved_sql)) if v.lower() in saved_question.lower()]
    if len(said) < 2:
        return True
    before = _in_order(saved_question, said)
    after = _in_order(question, [swapped.get(value, value) for value in said])
    if before is None or after is None:
        return False  # a value said in other words: its place cannot be checked, so no swap
    return [swapped.get(value, value) for value in before] == after


def _in_order(text: str, values: list[str]) -> list[str] | None:
    """The values in the order the text says them; None when one is not said as written."""
    lowered = text.lower()
    places = [(lowered.find(value.lower()), value) for value in values]
    if any(place < 0 for place, _ in places):
        return None
    return [value for _, value in sorted(places)]


def _value_swaps(
    question: str, saved_sql: str, old_words: set[str], added: set[str], removed: set[str], values: ValueLookup
) -> list[tuple[str, str, set[str], set[str]] | None]:
    """For each value of the saved SQL the saved question says and the new one drops: (the saved
    value, the new one as the data spells it, the words saying each) — or None where the new
    question puts nothing its column holds in its place."""
    tokens = [(m.start(), m.end(), singular(m.group(0).lower())) for m in _TOKEN.finditer(question)]
    swaps: list[tuple[str, str, set[str], set[str]] | None] = []
    for old in dict.fromkeys(_string_literals(saved_sql)):
        said = content_words(old)
        if not said & removed or not said <= old_words:
            continue  # not a value the saved question names, or one the new question keeps
        # The new value stands where the words of the old one it does not share are added:
        # "New York" → "New Jersey", "Germany" → "United Kingdom".
        kept = said - removed
        new = next(
            (
                (spelled, words)
                for start, end, words in _spans(tokens, added, kept)
                if (spelled := values.swap(saved_sql, old, question[start:end])) is not None
            ),
            None,
        )
        swaps.append(None if new is None else (old, new[0], said, new[1]))
    return swaps


def _spans(tokens: list[tuple[int, int, str]], added: set[str], kept: set[str]) -> list[tuple[int, int, set[str]]]:
    """Runs of the question's words that are new or kept from the old value and say something
    new, longest first: (start, end, their words)."""
    spans = []
    for first in range(len(tokens)):
        for last in range(first, len(tokens)):
            words = {word for _, _, word in tokens[first : last + 1]}
            if not words <= added | kept:
                break
            if words & added:
                spans.append((tokens[first][0], tokens[last][1], words))
    return sorted(spans, key=lambda span: span[0] - span[1])


def sql_string(value: str) -> str:
    """A value as an SQL string literal, quotes doubled ('O''Brien')."""
    return "'" + value.replace("'", "''") + "'"


def _string_literals(sql: str) -> list[str]:
    return [text.replace("''", "'") for text in _QUOTED.findall(sql)]


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
