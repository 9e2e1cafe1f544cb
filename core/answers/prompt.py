"""The grounded prompt and the validation of the [n] citations a model writes back."""

from __future__ import annotations

import re

from core.answers.base import Citation
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
    """Keep only markers that name a real source, renumber them 1..n in order of first use."""
    renumber: dict[int, int] = {}
    citations: list[Citation] = []

    def replace(match: re.Match[str]) -> str:
        out = []
        for raw in re.split(r"\s*[,;]\s*", match.group(1)):
            source = int(raw)
            if not 1 <= source <= len(hits):
                continue  # a number the model invented: drop it rather than cite nothing
            if source not in renumber:
                renumber[source] = len(renumber) + 1
                chunk = hits[source - 1].chunk
                citations.append(Citation(renumber[source], chunk.file_name, list(chunk.pages), chunk.doc_id))
            marker = f"[{renumber[source]}]"
            if marker not in out:
                out.append(marker)
        return "".join(out)

    cleaned = _MARKER.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)  # no space left before punctuation where a marker went
    return cleaned.strip(), citations


def says_not_in_documents(text: str) -> bool:
    return "documents don't say" in text.lower() or "documents do not say" in text.lower()
