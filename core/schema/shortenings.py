"""How a short token can stand for a longer word, and which common English words it could stand for.

People shorten a word in a name in three ways: they cut it (`cust`, `purch`, `veh`), keep its
first letter and its consonants (`drvr`, `mstr`, `sngr`, `hmtw` — cut to four letters), or keep
some of its letters in order (`mgr`, `frt`, `wgt`). The first two are *close* fits, the third is
*loose*. A token that fits no common English word at all is noise, not a shortening.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from functools import lru_cache
from typing import Literal
from weakref import WeakKeyDictionary

from core.schema.lexicon import EnglishLexicon

Fit = Literal["close", "loose"]

_VOWELS = frozenset("aeiouy")
# Words at least this common (lexicon cost) are what shortenings are taken from.
_SOURCE_COST = 5.5
MAX_SHORTENING = 5  # longer tokens are words or run-ons, not shortenings
MIN_SHORTENING = 3
_LOCK = threading.Lock()
_BUILT: WeakKeyDictionary[EnglishLexicon, Shortenings] = WeakKeyDictionary()


def fit(token: str, word: str) -> Fit | None:
    """How `token` shortens `word`: 'close' (a cut, or first letter and consonants), 'loose'
    (its letters in order, first letter kept, most consonants), or None."""
    if len(token) < MIN_SHORTENING or len(word) < len(token) + 1 or token[0] != word[0]:
        return None
    if word.startswith(token) and len(word) >= len(token) + 2:
        return "close"
    if skeleton(word).startswith(token):
        return "close"
    if not in_order(token, word):
        return None
    consonants = [c for c in word if c not in _VOWELS]
    kept = [c for c in token if c not in _VOWELS]
    return "loose" if len(kept) >= 0.6 * len(consonants) else None


def skeleton(word: str) -> str:
    """The first letter and the consonants after it: 'driver' → 'drvr'."""
    return word[:1] + "".join(c for c in word[1:] if c not in "aeiou")


class Shortenings:
    """Common English words a token can shorten, from the packaged word list. One per lexicon
    (`for_lexicon`): building it takes a tenth of a second."""

    def __init__(self, lexicon: EnglishLexicon, source_cost: float = _SOURCE_COST) -> None:
        self.lexicon = lexicon
        by_letter: dict[str, list[str]] = defaultdict(list)
        close: set[str] = set()
        for word in lexicon.words(source_cost):
            if not word.isalpha() or len(word) <= MIN_SHORTENING:
                continue
            by_letter[word[0]].append(word)
            cut = skeleton(word)
            for size in range(MIN_SHORTENING, MAX_SHORTENING + 1):
                if len(word) >= size + 2:
                    close.add(word[:size])
                if len(cut) >= size and len(word) >= size + 1:
                    close.add(cut[:size])
        self._by_letter = dict(by_letter)
        self._close = frozenset(close)
        self.expansions = lru_cache(maxsize=20_000)(self._expansions)

    @classmethod
    def for_lexicon(cls, lexicon: EnglishLexicon) -> Shortenings:
        with _LOCK:
            if lexicon not in _BUILT:
                _BUILT[lexicon] = cls(lexicon)
            return _BUILT[lexicon]

    def plausible(self, token: str) -> bool:
        """Whether a common word is cut or reduced to this token ('hmtw': hometown). Loose fits
        ('frt' in freight) are left out: nearly every string of consonants has one."""
        return token in self._close

    def _expansions(self, token: str) -> tuple[tuple[str, Fit], ...]:
        """(word, fit) for every common word the token shortens, most common first."""
        if not MIN_SHORTENING <= len(token) <= MAX_SHORTENING or not token.isalpha():
            return ()
        found = []
        for word in self._by_letter.get(token[0], ()):
            how = fit(token, word)
            if how is not None:
                found.append((word, how))
        found.sort(key=lambda item: self.lexicon.cost(item[0]) or 99.0)
        return tuple(found)


def in_order(short: str, word: str) -> bool:
    """The letters of short appear in word in the same order."""
    position = 0
    for letter in short:
        position = word.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True
