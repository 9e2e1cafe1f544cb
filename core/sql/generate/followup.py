"""Follow-ups in a data thread: "and in 2024?", "only for Germany", "what about the top 3?".

A short question that leans on the one before it is rewritten into a whole question: a year
replaces the previous question's year (or is added), a number after "top" replaces the previous
count, and a value found in the data replaces the previous question's value of the same column
(or is added as "for Germany"). The rewrite is shown to the person, so a wrong reading is seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.llm.base import ChatMessage

_MENTION = re.compile(r"<@[A-Z0-9]+>|@\w+")
_LEAD = re.compile(r"^\s*(and|but|what about|how about|same for|same but|now|only|just)\b[\s,]*", re.I)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_TOP = re.compile(r"\btop\s+(\d+)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_MAX_FOLLOW_UP_WORDS = 6
_ONLY = re.compile(r"^\s*(only|just)\b", re.I)

# A literal → the columns ("table.column") whose data holds it; empty when it is not in the data.
ValueColumns = Callable[[str], frozenset[str]]


def previous_question(history: list[ChatMessage] | None) -> str | None:
    """The person's last question in the thread (history excludes the current message)."""
    for turn in reversed(history or []):
        if turn.get("role") == "user":
            text = " ".join(_MENTION.sub(" ", str(turn.get("content") or "")).split())
            if text:
                return text
    return None


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(_LEAD.match(question)) and len(words) <= _MAX_FOLLOW_UP_WORDS


def rewrite(question: str, previous: str, value_columns: ValueColumns) -> str | None:
    """The follow-up as a whole question, or None when it changes nothing we can place."""
    rest = _LEAD.sub("", question).strip(" ?.!")
    rewritten, changed = previous.rstrip(" ?.!"), False
    for year in _YEAR.finditer(rest):
        old = list(_YEAR.finditer(rewritten))
        if old:
            last = old[-1]
            rewritten = rewritten[: last.start()] + year.group(0) + rewritten[last.end() :]
        else:
            rewritten += f" in {year.group(0)}"
        changed = True
    top = _TOP.search(rest)
    if top and _TOP.search(rewritten):
        rewritten = _TOP.sub(f"top {top.group(1)}", rewritten, count=1)
        changed = True
    for name in _NAME.finditer(rest):
        columns = value_columns(name.group(0))
        if not columns:
            continue
        same = [m for m in _NAME.finditer(rewritten) if m.start() > 0 and value_columns(m.group(0)) & columns]
        if same:
            rewritten = rewritten[: same[-1].start()] + name.group(0) + rewritten[same[-1].end() :]
        else:
            says_for = _ONLY.match(question) or " for " in f" {rest.lower()} "
            rewritten += f" for {name.group(0)}" if says_for else f" in {name.group(0)}"
        changed = True
    return f"{rewritten}?" if changed else None
