"""Which word a shortened token of a name stands for, decided by the schema's own context.

A token may be a listed abbreviation (`inv`: invoice or inventory), a shortening of a word the
schema spells elsewhere (`mgr` beside `manager_name`), or a shortening of a common English word
(`drvr`: driver). Evidence, strongest first:

1. a reading the schema spells out in its names, comments or descriptions (`opvendorinvoice`
   beside `invamt` says invoice);
2. a reading whose dictionary definition shares words with the rest of the table (`lginvbal`
   beside `onhandunits`: inventory is "the merchandise that a shop has on hand");
3. a single listed reading, or one English word at least ten times as common as any other the
   token could shorten.

A reading that would make a column say what a sibling column already says (`stt` as street
beside `street`) is never taken. Where the evidence ties, the token stays as written: a wrong
word misleads every later step, an unexpanded one only fails to help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.schema.abbreviations import ABBREVIATIONS, ALTERNATIVES
from core.schema.glosses import Glosses
from core.schema.inflect import singular
from core.schema.lexicon import EnglishLexicon
from core.schema.shortenings import Shortenings, fit, in_order

_COMMON_WORD = 5.5  # lexicon cost: below it a token is an ordinary word, not a shortening
_SPELLED_WORD = 5.0  # ... unless the schema spells a word it shortens ('lic' beside 'licence')
_SOURCE_WORD = 5.0  # an English word must be this common to be what a bare shortening means
_DOMINANCE = 1.0  # ten times as common (costs are log10) as the next reading
_LISTED_WORD = 4.0  # a listed abbreviation this common and longer than 3 letters is a word ('cat' is not)


@dataclass
class Context:
    """What the schema says around one name."""

    spelled: set[str]  # words the schema spells out anywhere (names, comments, descriptions)
    neighbours: set[str] = field(default_factory=set)  # the table's own words, for definitions
    siblings: set[tuple[str, ...]] = field(default_factory=set)  # the other columns' words


class Expander:
    """Chooses readings for tokens; None means: keep the token as written."""

    def __init__(self, lexicon: EnglishLexicon, shortenings: Shortenings, glosses: Glosses | None) -> None:
        self.lexicon = lexicon
        self.shortenings = shortenings
        self.glosses = glosses

    def listed(self, raw: list[str], at: int, context: Context) -> tuple[bool, tuple[str, ...] | None]:
        """(is the token a listed abbreviation, the reading chosen or None on a tie)."""
        token = raw[at]
        if token not in ABBREVIATIONS or (self.lexicon.is_common(token, _LISTED_WORD) and len(token) > 3):
            return False, None
        readings = [ABBREVIATIONS[token], *ALTERNATIVES.get(token, ())]
        readings = [r for r in readings if not _restates(raw, at, r, context)]
        if not readings:
            return True, None
        spelled = [r for r in readings if any(w in context.spelled for w in r if len(w) > 3)]
        if len(spelled) == 1:
            return True, spelled[0]
        if len(readings) == 1:
            return True, readings[0]
        return True, self._by_definition(readings, context)

    def shortened(self, raw: list[str], at: int, context: Context) -> str | None:
        """The word a token that no list knows shortens: one the schema spells, else a common
        English word that clearly outnumbers every other reading."""
        token = raw[at]
        if not 2 <= len(token) <= 5 or not token.isalpha() or self.lexicon.is_common(token, _SPELLED_WORD):
            return None
        found = {
            w
            for w in context.spelled
            if len(w) > len(token) + 1 and fit(token, w) is not None and not _restates(raw, at, (w,), context)
        }
        if not found and len(token) == 2:
            found = {w for w in context.spelled if len(w) > 3 and w[0] == token[0] and in_order(token, w)}
        prefixed = {w for w in found if w.startswith(token)}
        candidates = prefixed or found
        if candidates:
            return singular(next(iter(candidates))) if len(candidates) == 1 else None
        return None if self.lexicon.is_common(token, _COMMON_WORD) else self._dominant(raw, at, context)

    def _dominant(self, raw: list[str], at: int, context: Context) -> str | None:
        """A close fit at least ten times as common as any other reading; a loose fit ('minister'
        for mstr) competes as if it were ten times rarer than it is."""
        families: list[tuple[float, str, str]] = []  # (cost, first word, fit); 'drivers' joins 'driver'
        for word, how in self.shortenings.expansions(raw[at]):
            cost = self.lexicon.cost(word)
            if cost is None or _restates(raw, at, (word,), context):
                continue
            if any(word.startswith(head) or singular(word) == singular(head) for _, head, _ in families):
                continue
            families.append((cost + (_DOMINANCE if how == "loose" else 0.0), word, how))
        families.sort()
        if not families or families[0][2] != "close" or families[0][0] > _SOURCE_WORD:
            return None
        if len(families) > 1 and families[1][0] - families[0][0] < _DOMINANCE:
            return None
        return singular(families[0][1])

    def _by_definition(self, readings: list[tuple[str, ...]], context: Context) -> tuple[str, ...] | None:
        if self.glosses is None or not context.neighbours:
            return None
        scores = sorted(
            ((len(self._gloss(reading) & context.neighbours), reading) for reading in readings), reverse=True
        )
        best, runner_up = scores[0][0], scores[1][0]
        return scores[0][1] if best > runner_up else None

    def _gloss(self, reading: tuple[str, ...]) -> frozenset[str]:
        assert self.glosses is not None
        return frozenset().union(*(self.glosses.words_of(word) for word in reading))


def _restates(raw: list[str], at: int, reading: tuple[str, ...], context: Context) -> bool:
    """Whether reading the token this way makes the name say what a sibling already says."""
    words = (*(singular(w) for w in raw[:at]), *reading, *(singular(w) for w in raw[at + 1 :]))
    return words in context.siblings
