"""English word frequencies from a package: what a run-on identifier like `custname` is made of.

The list is wordsegment's unigram counts (333k words from a web corpus, shipped inside the
`wordsegment` wheel). The file is located with importlib and read directly; the package's own
segmenter is not used because we segment against the schema's vocabulary as well (see
identifiers.py). Loaded once per process on first use (about a third of a second).
"""

from __future__ import annotations

import importlib.util
import math
import threading
from pathlib import Path

_PACKAGE = "wordsegment"
_FILE = "unigrams.txt"
_LOCK = threading.Lock()
_LOADED: dict[str, EnglishLexicon] = {}


class LexiconUnavailable(Exception):
    """The word list is not installed; the message says how to get it."""


class EnglishLexicon:
    """Word → cost (negative log probability): low for common words, high for rare ones."""

    def __init__(self, counts: dict[str, int]) -> None:
        total = float(sum(counts.values())) or 1.0
        self._cost = {word: -math.log10(count / total) for word, count in counts.items()}
        # Unknown strings cost more than any listed word of the same length.
        self.unknown_cost = max(self._cost.values(), default=10.0) + 1.0

    @classmethod
    def load(cls) -> EnglishLexicon:
        """The packaged list, read once per process."""
        with _LOCK:
            if _PACKAGE not in _LOADED:
                _LOADED[_PACKAGE] = cls(_read_counts(_package_file()))
            return _LOADED[_PACKAGE]

    def cost(self, word: str) -> float | None:
        """None for a string that is not in the list."""
        return self._cost.get(word)

    def words(self, max_cost: float) -> list[str]:
        """Every listed word at least this common (cost at most max_cost)."""
        return [word for word, cost in self._cost.items() if cost <= max_cost]

    def is_common(self, word: str, max_cost: float = 6.0) -> bool:
        """A word seen at least about once per million words of text."""
        cost = self._cost.get(word)
        return cost is not None and cost <= max_cost


def _package_file() -> Path:
    # find_spec locates the package without executing its __init__ (which loads both its lists).
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LexiconUnavailable(f"the Python package {_PACKAGE!r} is not installed (pip install -r requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / _FILE
    if not path.is_file():
        raise LexiconUnavailable(f"{path} is missing: reinstall {_PACKAGE}")
    return path


def _read_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.rstrip("\n").partition("\t")
            if word and count.isdigit():
                counts[word] = int(count)
    return counts
