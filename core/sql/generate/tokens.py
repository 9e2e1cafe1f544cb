"""Questions as words: quoted values kept whole, number words as digits, each with its lemma."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.sql.generate.vocabulary import NUMBER_WORDS
from core.sql.generate.words import singular


@dataclass
class Word:
    text: str
    lower: str
    lemma: str
    quoted: bool = False
    position: int = 0
    following: str | None = None  # the next word, lower-cased
    possessive: bool = False  # written with 's: "Kyle's friends"

    @property
    def capital(self) -> bool:
        return self.position > 0 and self.text[:1].isupper()


SENTENCE_END = "."


def tokenize(question: str) -> list[Word]:
    words: list[Word] = []
    for match in re.finditer(
        r"\"([^\"]+)\"|'([^']+)'(?!\w)|“([^”]+)”|(\d+(?:\.\d+)?)|([\w][\w'-]*)|([?!.])(?=\s+[A-Za-z])", question
    ):
        if match.group(6):
            words.append(Word(SENTENCE_END, SENTENCE_END, SENTENCE_END))  # "…? List the names."
            continue
        quoted = next((g for g in match.groups()[:3] if g is not None), None)
        if quoted is not None:
            words.append(Word(quoted, quoted.lower(), quoted.lower(), quoted=True))
            continue
        text = match.group(0).rstrip("'")
        text = NUMBER_WORDS.get(text.lower(), text)  # "two" → "2" ("one" stays: often a pronoun…)
        if text.lower() == "one" and words and words[-1].lower in ("than", "least", "most", "exactly"):
            text = "1"  # …but not in "at least one car maker"
        possessive = text.endswith("'s")
        if possessive:
            text = text[:-2]
        lower = text.lower()
        words.append(Word(text, lower, singular(lower), possessive=possessive))
    for position, word in enumerate(words):
        word.position = position
        word.following = words[position + 1].lower if position + 1 < len(words) else None
    return words
