"""The grounded prompt and the validation of the [n] citations a model writes back."""

from __future__ import annotations

import re

from core.answers.base import Citation
from core.answers.citations import matching_source
from core.llm.base import ChatMessage
from core.search.retriever import SearchHit

NOT_IN_DOCUMENTS = "The documents don't say."

SYSTEM_PROMPT = f"""You answer questions using only the numbered sources provided.
Rules:
- Use only facts stated in the sources. Do not use outside knowledge.
- After every sentence that uses a source, cite it with its number in square brackets, e.g. [1] or [2][3].
- Quote figures exactly as the sources give them, with their units and periods.
- If the sources do not contain the answer, reply exactly: {NOT_IN_DOCUMENTS}
- Be concise: a few sentences or a short list."""

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_HISTORY_TURNS = 6


def source_label(hit: SearchHit) -> str:
    pages = hit.chunk.pages
    where = f", p. {pages[0]}" if len(pages) == 1 else (f", pp. {pages[0]}-{pages[-1]}" if pages else "")
    return f"{hit.chunk.file_name}{where}"


def build_messages(question: str, hits: list[SearchHit], history: list[ChatMessage] | None = None) -> list[ChatMessage]:
    sources = "\n\n".join(f"[{n}] ({source_label(h)})\n{h.chunk.text.strip()}" for n, h in enumerate(hits, 1))
    messages: list[ChatMessage] = [{"role": "system", "content": SYSTEM_PROMPT}]
    for turn in (history or [])[-_HISTORY_TURNS:]:
        if turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str):
            messages.append({"role": turn["role"], "content": turn["content"]})
    messages.append({"role": "user", "content": f"Sources:\n\n{sources}\n\nQuestion: {question}"})
    return messages


def resolve_citations(text: str, hits: list[SearchHit]) -> tuple[str, list[Citation]]:
    """Keep only markers that name a real source, renumber them 1..n in order of first use.
    A citation names the page and section of the source sentence closest to the answer's
    sentence that carries the marker, so one source can give citations on different pages."""
    renumber: dict[tuple[int, tuple[int, ...], str | None], int] = {}
    citations: list[Citation] = []

    def replace(match: re.Match[str]) -> str:
        claim = _claim_before(text, match.start())
        out = []
        for raw in re.split(r"\s*[,;]\s*", match.group(1)):
            source = int(raw)
            if not 1 <= source <= len(hits):
                continue  # a number the model invented: drop it rather than cite nothing
            chunk = hits[source - 1].chunk
            where = matching_source(chunk, claim)
            key = (source, tuple(where.pages), where.section)
            if key not in renumber:
                renumber[key] = len(renumber) + 1
                citations.append(Citation(renumber[key], chunk.file_name, where.pages, chunk.doc_id, where.section))
            marker = f"[{renumber[key]}]"
            if marker not in out:
                out.append(marker)
        return "".join(out)

    cleaned = _MARKER.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)  # no space left before punctuation where a marker went
    return cleaned.strip(), citations


_CLAIM_START = re.compile(r"[.!?]\s+|\n")


def _claim_before(text: str, end: int) -> str:
    """The answer's sentence a marker at `end` belongs to (markers and the closing stop aside)."""
    before = _MARKER.sub(" ", text[:end]).rstrip(" \t.!?")
    starts = [m.end() for m in _CLAIM_START.finditer(before)]
    return before[starts[-1] :] if starts else before


def says_not_in_documents(text: str) -> bool:
    return "documents don't say" in text.lower() or "documents do not say" in text.lower()
