"""Prefixes tables carry (`sb`, `tbl_`, `dim_`, `lg_`, a product code `op`) and columns carry theirs.

Found from the schema itself, never from a list of databases. One prefix may cover the whole
schema (a leading chunk most tables share, no table's whole name, whose removal leaves ordinary
words), or several may split it into groups, as in company schemas that grew by department:
`lg_WhseMstr`, `lg_Carrier`, `lginvbal` (logistics), `hr_DrvrRoster`, `flfuelpurch`. A group
prefix is a short head that is no English word shared by two or more tables; once a schema has
one, another head of the same shape (`hr_` beside `lg_`) and the warehouse conventions (`fact_`
beside `dim_`) are prefixes even on one table; and a head that a table shares with most of its
own columns (`flfuelpurch.flvehno`) is that table's prefix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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
_MAX_GROUP_PREFIX = 4


@dataclass(frozen=True)
class Name:
    """One table's name as prefix detection sees it."""

    chunks: list[str]  # lower case, split on delimiters and case only: ['lg', 'whsemstr']
    columns: list[str]  # its columns' names, lower case


class Reader(Protocol):
    """What prefix detection needs to know about words."""

    def is_word(self, text: str) -> bool:
        """An ordinary English word (a prefix is not one)."""
        ...

    def segments_cleanly(self, text: str) -> bool:
        """text is made of known words, abbreviations and shortenings."""
        ...

    def boundary_after(self, text: str, head: str) -> bool:
        """The run-on text, read as words, has a word boundary right after head."""
        ...

    def is_lemma(self, text: str) -> bool:
        """A dictionary entry of its own ('tv', 'hr'), as short heads that are prefixes are not."""
        ...

    def is_shortening(self, text: str) -> bool:
        """A listed abbreviation or a shortening of a common word ('cust', 'drvr'): a word of
        the name, not a mark on it."""
        ...


def table_prefixes(names: list[Name], reader: Reader) -> list[str | None]:
    """Each table's prefix, or None."""
    chunked = [name.chunks for name in names]
    run_on = {i: chunks[0] for i, chunks in enumerate(chunked) if len(chunks) == 1}
    whole = {"".join(chunks) for chunks in chunked}
    found: list[str | None] = [None] * len(names)
    shared = shared_prefix(chunked, reader, run_on)
    if shared is not None:
        found = [shared if _rest(chunks, run_on.get(i), shared) else None for i, chunks in enumerate(chunked)]
    groups = _group_prefixes(chunked, whole, reader)
    heads = {len(p) for p in groups if p not in CONVENTIONAL}
    prefixed = shared is not None or bool(groups)
    for i, chunks in enumerate(chunked):
        if found[i] is not None:
            continue
        carried = [p for p in groups if carries(chunks, p, reader)]
        if carried:
            found[i] = max(carried, key=len)
        elif len(chunks) > 1 and _shaped_like_a_prefix(chunks[0], heads, prefixed, reader):
            found[i] = chunks[0]
        elif len(chunks) == 1:
            found[i] = _shared_with_columns(chunks[0], names[i].columns, reader)
    return found


def carries(chunks: list[str], prefix: str, reader: Reader) -> bool:
    """Whether a name starts with this prefix: its first chunk, or the head of a run-on that
    reads as the prefix followed by words."""
    if len(chunks) > 1:
        return chunks[0] == prefix
    text = chunks[0]
    return text.startswith(prefix) and len(text) > len(prefix) + 1 and reader.boundary_after(text, prefix)


def shared_prefix(names: list[list[str]], reader: Reader, run_on: dict[int, str]) -> str | None:
    """The prefix most of these names start with, or None.

    names: each name's chunks (lower case, split on delimiters and case only); run_on: index →
    the whole lower-case name, for names that are a single run-on chunk.
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
        if not conventional and len(candidate) >= 3 and (reader.is_word(candidate) or reader.is_shortening(candidate)):
            continue
        carriers = [text for text in run_on.values() if text.startswith(candidate)]
        if any(reader.is_word(text) for text in carriers):
            continue  # 'singer' and 'song' do not share a prefix 's', nor 'transcripts' the convention 't'
        if conventional and 2 * sum(reader.boundary_after(text, candidate) for text in carriers) < len(carriers):
            continue
        found = [_rest(chunks, run_on.get(i), candidate) for i, chunks in enumerate(names)]
        rests = [rest for rest in found if rest is not None]
        if sum(reader.segments_cleanly(rest) for rest in rests) < 0.75 * len(rests):
            continue
        if best is None or (count, len(candidate)) > (counts[best], len(best)):
            best = candidate
    return best


def strip_prefix(
    chunks: list[str], whole: str, prefix: str | None, boundary: Callable[[str, str], bool] | None = None
) -> tuple[str | None, str]:
    """(the prefix removed or None, the rest as one lower-case string to split into words).
    boundary(text, prefix), when given, must agree that a run-on starts with the prefix as a
    word of its own: a column `title` of a schema prefixed `t` keeps its 't'."""
    if prefix and len(chunks) > 1 and chunks[0] == prefix:
        return prefix, " ".join(chunks[1:])
    run_on = prefix and len(chunks) == 1 and whole.startswith(prefix) and len(whole) > len(prefix) + 1
    if prefix and run_on and (boundary is None or boundary(whole, prefix)):
        return prefix, whole[len(prefix) :]
    return None, " ".join(chunks)


def _group_prefixes(chunked: list[list[str]], whole: set[str], reader: Reader) -> list[str]:
    """Short heads that two or more tables share and that are no word: 'lg' of lg_Carrier and
    lg_SkuMstr (and of the run-on lginvbal), 'op' of opwarehousestock and opsupportticket."""
    counts: Counter[str] = Counter()
    for chunks in chunked:
        if len(chunks) > 1 and len(chunks[0]) <= _MAX_GROUP_PREFIX and chunks[0].isalpha():
            counts[chunks[0]] += 1
        elif len(chunks) == 1:
            text = chunks[0]
            counts.update(text[:size] for size in range(2, _MAX_GROUP_PREFIX + 1) if len(text) > size + 2)
    found = []
    for head, count in counts.items():
        if count < 2 or head in whole or not head.isalpha():
            continue
        if head not in CONVENTIONAL and (_word_like(head, reader) or reader.is_lemma(head)):
            continue  # every two-letter string is frequent on the web: only the dictionary says 'tv' is a word
        tables = [chunks for chunks in chunked if carries(chunks, head, reader)]
        if len(tables) < 2:
            continue
        rests = [chunks[0][len(head) :] for chunks in tables if len(chunks) == 1]
        if any(not reader.segments_cleanly(rest) for rest in rests):
            continue
        found.append(head)
    # 'op' and 'ops' both fit opsupportticket only if both are shared: keep the one more tables carry.
    return [p for p in found if not any(q != p and q.startswith(p) for q in found)]


def _shaped_like_a_prefix(head: str, heads: set[int], prefixed: bool, reader: Reader) -> bool:
    """A delimited head on one table is a prefix when the schema already uses prefixes and this
    one looks like them: a warehouse convention (fact_ beside dim_), or a head as short as the
    schema's group prefixes (hr_ beside lg_) that is no common word."""
    if not prefixed or not head.isalpha():
        return False
    if head in CONVENTIONAL and len(head) > 1:
        return True
    return len(head) in heads and len(head) <= 3 and not (len(head) >= 3 and reader.is_word(head))


def _shared_with_columns(text: str, columns: list[str], reader: Reader) -> str | None:
    """The head a run-on table name shares with most of its columns ('fl' of flfuelpurch and
    flvehno, flpurchdt, …) when the name reads as that head followed by words."""
    if len(columns) < 2:
        return None
    for size in range(2, _MAX_GROUP_PREFIX + 1):
        head = text[:size]
        if len(text) <= size + 2 or _word_like(head, reader):
            continue  # 'drvr' of drvrroster and drvrid is the driver, not a mark
        sharing = sum(1 for column in columns if column.startswith(head) and len(column) > size + 1)
        shared = sharing >= max(2, (len(columns) + 1) // 2)
        if shared and reader.boundary_after(text, head) and reader.segments_cleanly(text[size:]):
            return head
    return None


def _word_like(head: str, reader: Reader) -> bool:
    return len(head) >= 3 and (reader.is_word(head) or reader.is_shortening(head))


def _rest(chunks: list[str], run_on: str | None, candidate: str) -> str | None:
    if len(chunks) > 1 and chunks[0] == candidate:
        return "".join(chunks[1:])
    if run_on is not None and run_on.startswith(candidate):
        return run_on[len(candidate) :]
    return None
