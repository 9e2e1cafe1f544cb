"""Identifiers into words: snake_case, camelCase, PascalCase, digits, and lower-case run-ons.

`sbCustName` and PostgreSQL's folded `sbcustname` both become ['sb', 'cust', 'name']: delimiters
and case changes split first, then each remaining chunk that is not itself a common word is
segmented by dynamic programming over word costs — the packaged English frequencies, the
schema's own vocabulary (words that appear delimited elsewhere in it), abbreviations, and
shortenings of common words (`drvr`, `hmtw`), which cost like a rare word so that `hmtw` is
not read as 'hm tw'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core.schema.abbreviations import ABBREVIATIONS
from core.schema.lexicon import EnglishLexicon
from core.schema.shortenings import Shortenings

_CASE_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_DELIMITERS = re.compile(r"[^A-Za-z0-9]+")
# Costs (negative log10 probabilities) that steer segmentation.
_RARE = 6.0  # rarer than about once per million words: likely a run-on, not a word
_RARE_PENALTY = 3.0  # per unit of cost above _RARE
_SCHEMA_WORD_COST = 3.5  # a word the schema itself spells out elsewhere
_ABBREVIATION_COST = 4.0
# A plausible shortening of a common word ('sngr', 'hmtw'): dear, but cheaper than letter salad.
_SHORTENING_COST = 7.5
# 'id' is the commonest word of column names: prodid is 'prod id', not 'pro did'.
_ID_COST = 2.0
_MAX_WORD = 24
# A listed compound ('firstname') this rare is split when both halves are common words and, together,
# about as likely as the compound ('friendship' stays whole).
_COMPOUND = 4.5
_COMMON_HALF = 4.2


def delimited_chunks(name: str) -> list[str]:
    """Split on delimiters and case changes only: 'sbCustName_2' → ['sb', 'Cust', 'Name', '2']."""
    chunks: list[str] = []
    for part in _DELIMITERS.split(name):
        chunks.extend(piece for piece in _CASE_BOUNDARY.split(part) if piece)
    return chunks


class WordSplitter:
    """Splits identifiers against the English lexicon plus one schema's vocabulary."""

    def __init__(
        self, lexicon: EnglishLexicon, schema_words: Iterable[str] = (), shortenings: Shortenings | None = None
    ) -> None:
        """shortenings None: unknown strings cost what the word list says, nothing less."""
        self.lexicon = lexicon
        self.schema_words = frozenset(w for w in schema_words if len(w) > 1 and w.isalpha())
        self.shortenings = shortenings
        self._best = lru_cache(maxsize=20_000)(self._best_uncached)
        self._segment = lru_cache(maxsize=20_000)(self._segment_uncached)

    def split(self, name: str) -> list[str]:
        """Lower-case words as written (abbreviations not yet expanded)."""
        words: list[str] = []
        for chunk in delimited_chunks(name):
            lowered = chunk.lower()
            if lowered.isdigit() or len(lowered) <= 2 or not lowered.isalpha():
                words.append(lowered)
            else:
                words.extend(self._segment(lowered))
        return words

    def segment_cost(self, text: str) -> float:
        """The cost of the cheapest reading of a lower-case run-on."""
        return self._best(text)[0]

    def word_cost(self, word: str) -> float:
        if word in self.schema_words:
            return _SCHEMA_WORD_COST
        if word == "id":
            return _ID_COST
        if word in ABBREVIATIONS and len(word) > 1:
            base = self.lexicon.cost(word)
            return min(_ABBREVIATION_COST, base) if base is not None else _ABBREVIATION_COST
        cost = self.lexicon.cost(word)
        if cost is None:
            # Unknown strings: dearer per letter, so that known words win wherever they fit.
            cost = self.lexicon.unknown_cost + 1.5 * len(word)
        else:
            if len(word) == 1 and word != "a":
                cost += 3.0  # single letters are everywhere in web text, rarely a word of a name
            cost += max(0.0, cost - _RARE) * _RARE_PENALTY
        if cost > _SHORTENING_COST and self.shortenings is not None and self.shortenings.plausible(word):
            return _SHORTENING_COST
        return cost

    def _segment_uncached(self, text: str) -> list[str]:
        words: list[str] = []
        for word in _merge_unknown(list(self._best(text)[1]), self):
            words.extend(self._open_compound(word))
        return words

    def _best_uncached(self, text: str) -> tuple[float, tuple[str, ...]]:
        # best[i]: (cost, words) of the cheapest segmentation of text[:i]
        best: list[tuple[float, tuple[str, ...]]] = [(0.0, ())]
        for end in range(1, len(text) + 1):
            candidates = []
            for start in range(max(0, end - _MAX_WORD), end):
                piece = text[start:end]
                cost, so_far = best[start]
                candidates.append((cost + self.word_cost(piece), (*so_far, piece)))
            best.append(min(candidates, key=lambda item: item[0]))
        return best[-1]

    def _open_compound(self, word: str) -> list[str]:
        cost = self.lexicon.cost(word)
        if cost is None or cost <= _COMPOUND or word in self.schema_words or len(word) < 7:
            return [word]
        for cut in range(3, len(word) - 2):
            head, tail = word[:cut], word[cut:]
            if all(self._common_half(half) for half in (head, tail)) and self._pair_cost(head, tail) <= cost + 1.0:
                return [head, tail]
        return [word]

    def _pair_cost(self, head: str, tail: str) -> float:
        return sum(self.lexicon.cost(half) or _SCHEMA_WORD_COST for half in (head, tail))

    def _common_half(self, word: str) -> bool:
        cost = self.lexicon.cost(word)
        return word in self.schema_words or (cost is not None and cost <= _COMMON_HALF)


def _merge_unknown(words: list[str], splitter: WordSplitter) -> list[str]:
    """Adjacent fragments that are not words ('x', 'q', 'z') stay together as one unknown token."""
    merged: list[str] = []
    for word in words:
        known = splitter.lexicon.cost(word) is not None or word in splitter.schema_words or word in ABBREVIATIONS
        if merged and not known and len(word) == 1 and merged[-1] not in splitter.schema_words:
            merged[-1] += word
        else:
            merged.append(word)
    return merged
