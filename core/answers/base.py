"""What an answer is: text with [n] markers, the sources those markers cite, and how it was made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # only an annotation here; the retriever pulls in numpy, which a Lambda ack never needs
    from core.search.retriever import SearchHit

AnswerMode = Literal["llm", "extractive", "none"]
# Cached answers' keys: DocumentService clears them all when a document is deleted.
ANSWER_PREFIX = "answer:"


@dataclass
class Citation:
    number: int
    file_name: str
    pages: list[int]  # the page(s) of the sentence used; the passage's span when no sentence is known
    doc_id: str
    section: str | None = None  # the heading the sentence used sits under

    def label(self) -> str:
        """e.g. "report.pdf, p. 4" or "report.pdf, pp. 4-5", then " — Section" when known."""
        where = self.file_name
        if len(self.pages) == 1:
            where = f"{self.file_name}, p. {self.pages[0]}"
        elif self.pages:
            where = f"{self.file_name}, pp. {self.pages[0]}-{self.pages[-1]}"
        return f"{where} — {self.section}" if self.section else where

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "file_name": self.file_name,
            "pages": self.pages,
            "doc_id": self.doc_id,
            "section": self.section,
        }


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    mode: AnswerMode
    hits: list[SearchHit]
    # Why the search behind this answer was keyword-only (the vector index failed), or None.
    degraded_by: Exception | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "hits": [
                {
                    "id": h.chunk.id,
                    "file_name": h.chunk.file_name,
                    "pages": h.chunk.pages,
                    "score": h.score,
                    "dense_rank": h.dense_rank,
                    "bm25_rank": h.bm25_rank,
                }
                for h in self.hits
            ],
        }
