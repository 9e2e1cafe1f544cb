"""What WordNet's definitions say about a word: the context that tells `inv` inventory from invoice.

The definitions (glosses) come from the same WordNet 3.0 files as the thesaurus (shipped in the
`wn` 0.0.23 package, read directly). A word's gloss words are the content words of the
definitions of its first senses, as nouns and as verbs: inventory's include 'stock', 'hand'
('the merchandise that a shop has on hand'), invoice's 'money', 'owed', 'goods'. Loaded on first
use only (about a second): most schemas never need it.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import lru_cache
from pathlib import Path

from core.schema.inflect import singular
from core.schema.stopwords import STOPWORDS

_PACKAGE = "wn"
_DATA = ("data", "wordnet-3.0")
_FILES = {"n": "noun", "v": "verb"}
_SENSES = 4  # later senses are rare readings
_WORD = re.compile(r"[a-z]+")
_SHARED: list[Glosses | None] = []
_SHARED_LOCK = threading.Lock()


class Glosses:
    """Word → the content words of its definitions (singular, lower case)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: dict[str, list[tuple[str, int]]] | None = None
        self._data: dict[tuple[str, int], str] = {}
        self.words_of = lru_cache(maxsize=4096)(self._words_of)

    @classmethod
    def packaged(cls) -> Glosses | None:
        """The packaged WordNet's definitions, one instance per process; None when the package
        is not installed."""
        with _SHARED_LOCK:
            if not _SHARED:
                spec = importlib.util.find_spec(_PACKAGE)
                directory = (
                    Path(next(iter(spec.submodule_search_locations))).joinpath(*_DATA)
                    if spec is not None and spec.submodule_search_locations
                    else None
                )
                _SHARED.append(cls(directory) if directory and (directory / "index.noun").is_file() else None)
            return _SHARED[0]

    def _words_of(self, word: str) -> frozenset[str]:
        self._load()
        assert self._index is not None
        found: set[str] = set()
        for key in self._index.get(word, [])[:_SENSES]:
            definition = self._data.get(key, "")
            found.update(singular(w) for w in _WORD.findall(definition) if w not in STOPWORDS and len(w) > 2)
        found.discard(word)
        return frozenset(found)

    def _load(self) -> None:
        with self._lock:
            if self._index is not None:
                return
            index: dict[str, list[tuple[str, int]]] = {}
            for pos, name in _FILES.items():
                for line in (self.directory / f"index.{name}").read_text(encoding="utf-8").splitlines():
                    if line.startswith(" "):
                        continue  # the licence header
                    fields = line.split()
                    senses, pointers = int(fields[2]), int(fields[3])
                    start = 4 + pointers + 2
                    index.setdefault(fields[0], []).extend((pos, int(o)) for o in fields[start : start + senses])
                for raw in (self.directory / f"data.{name}").read_bytes().splitlines():
                    if raw[:8].isdigit():
                        line = raw.decode("utf-8", "replace")
                        # The definition follows ' | ', up to its first example ('; "...').
                        self._data[(pos, int(line[:8]))] = line.partition(" | ")[2].split('; "', 1)[0].lower()
            self._index = index
