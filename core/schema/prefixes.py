"""Prefixes a schema puts on every name (`sb`, `tbl_`, `dim_`, `fact_`, `t_`) and columns on theirs.

A prefix is found from the schema itself, never from a list of databases: a leading chunk that
most tables share, that is no table's whole name, and whose removal leaves ordinary words.
Warehouse conventions (tbl, dim, fact, stg, vw, …) count as soon as two tables share them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

# Generic warehouse conventions: prefixes that never mean anything about the data itself.
CONVENTIONAL = frozenset(
    {
        "tbl",
        "tb",
        "t",
        "dim",
        "fact",
        "fct",
        "vw",
        "v",
        "stg",
        "lkp",
        "lk",
        "ref",
        "tmp",
        "dw",
        "raw",
        "src",
        "mst",
        "trn",
    }
)
_MAX_RUN_ON_PREFIX = 4


def shared_prefix(
    names: list[list[str]],
    is_word: Callable[[str], bool],
    segments_cleanly: Callable[[str], bool],
    run_on: dict[int, str],
) -> str | None:
    """The prefix most of these names start with, or None.

    names: each name's chunks (lower case, split on delimiters and case only); is_word(text):
    an ordinary English word; segments_cleanly(text): text is made of known words;
    run_on: index → the whole lower-case name, for names that are a single run-on chunk.
    """
    if len(names) < 2:
        return None
    whole = {"".join(chunks) for chunks in names}
    counts: Counter[str] = Counter()
    for index, chunks in enumerate(names):
        candidates = set()
        if len(chunks) > 1:
            candidates.add(chunks[0])
        if index in run_on:
            text = run_on[index]
            candidates.update(text[:size] for size in range(1, _MAX_RUN_ON_PREFIX + 1) if len(text) > size + 2)
        counts.update(candidates)
    best: str | None = None
    for candidate, count in counts.items():
        if candidate in whole or candidate.isdigit() or count < 2:
            continue
        share = count / len(names)
        conventional = candidate in CONVENTIONAL
        if not conventional and (share < 0.5 or (count < 3 and share < 1.0)):
            continue
        if not conventional and len(candidate) > _MAX_RUN_ON_PREFIX:
            continue  # 'student' in student_course is a word of the name, not a prefix
        if not conventional and len(candidate) >= 3 and is_word(candidate):
            continue
        found = [_rest(chunks, run_on.get(i), candidate) for i, chunks in enumerate(names)]
        rests = [rest for rest in found if rest is not None]
        if sum(segments_cleanly(rest) for rest in rests) < 0.75 * len(rests):
            continue
        if best is None or (count, len(candidate)) > (counts[best], len(best)):
            best = candidate
    return best


def strip_prefix(chunks: list[str], whole: str, prefix: str | None) -> tuple[str | None, str]:
    """(the prefix removed or None, the rest as one lower-case string to split into words)."""
    if prefix and len(chunks) > 1 and chunks[0] == prefix:
        return prefix, " ".join(chunks[1:])
    if prefix and len(chunks) == 1 and whole.startswith(prefix) and len(whole) > len(prefix) + 1:
        return prefix, whole[len(prefix) :]
    return None, " ".join(chunks)


def _rest(chunks: list[str], run_on: str | None, candidate: str) -> str | None:
    if len(chunks) > 1 and chunks[0] == candidate:
        return "".join(chunks[1:])
    if run_on is not None and run_on.startswith(candidate):
        return run_on[len(candidate) :]
    return None
