"""Document records, chunks and ingest outcomes: the shapes every other part exchanges."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from core.errors import DocBotError

BlockKind = Literal["text", "table_row"]
IngestStatus = Literal["indexed", "already_indexed", "linked", "failed"]


class IngestError(DocBotError):
    """A file cannot be ingested; the message is the user-facing reason (without the file name)."""

    what = "The file could not be indexed"


@dataclass
class Block:
    """One unit of parsed content: a paragraph or one whole table row."""

    text: str
    page: int | None  # 1-based; None for formats without pages (DOCX, HTML, Markdown, text)
    heading: str | None = None
    kind: BlockKind = "text"
    # For a table row: the table's column headers ("Three Months Ended July 1, 2023 ..."), so a
    # chunk that starts mid-table can still say which figure belongs to which period.
    columns: str | None = None


@dataclass
class ParsedDocument:
    file_name: str
    ext: str  # detected type: pdf, docx, html, md, txt, csv, json
    pages: int  # 0 for formats without pages
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class SourceMark:
    """From character `start` of a chunk's text on (up to the next mark), the text comes from
    `page` under `heading`. A chunk can span pages and sections; a quoted sentence is cited by
    the mark it starts under, not by the chunk's whole span."""

    start: int
    page: int | None
    heading: str | None


@dataclass
class Chunk:
    doc_id: str
    file_name: str
    index: int
    # What is embedded and indexed: a context line (file stem, section heading) then the
    # verbatim source text. The context line is counted in token_count.
    text: str
    pages: list[int]
    heading: str | None
    token_count: int
    # Where each part of the source text comes from, in text order; empty for chunks stored
    # before marks existed (they are cited by `pages` as a whole).
    marks: list[SourceMark] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.index}"

    def source_at(self, offset: int) -> SourceMark | None:
        """The mark in effect at a character offset of the text (None before the first)."""
        found = None
        for mark in self.marks:
            if mark.start > offset:
                break
            found = mark
        return found

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            doc_id=data["doc_id"],
            file_name=data["file_name"],
            index=int(data["index"]),
            text=data["text"],
            pages=[int(p) for p in data.get("pages") or []],
            heading=data.get("heading"),
            token_count=int(data.get("token_count", 0)),
            marks=[
                SourceMark(int(m["start"]), None if m.get("page") is None else int(m["page"]), m.get("heading"))
                for m in data.get("marks") or []
            ],
        )


def shifted_marks(marks: list[SourceMark], start: int, end: int, shift: int) -> list[SourceMark]:
    """The marks covering text[start:end], moved by `shift` characters: the one in effect at
    `start` first (moved to it), then those inside the range."""
    out: list[SourceMark] = []
    for mark in marks:
        if mark.start <= start:
            out = [SourceMark(start + shift, mark.page, mark.heading)]
        elif mark.start < end:
            out.append(SourceMark(mark.start + shift, mark.page, mark.heading))
    return out


@dataclass
class DocumentRecord:
    doc_id: str
    file_name: str
    ext: str
    pages: int
    chunks: int
    size: int
    channels: list[str]
    workspace_wide: bool
    team_id: str
    created: float
    embedding_model: str
    # Parsed and searchable by keywords, dense vectors still being computed.
    vectors_pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRecord:
        return cls(
            doc_id=data["doc_id"],
            file_name=data["file_name"],
            ext=data["ext"],
            pages=int(data["pages"]),
            chunks=int(data["chunks"]),
            size=int(data["size"]),
            channels=list(data.get("channels") or []),
            workspace_wide=bool(data.get("workspace_wide", False)),
            team_id=data.get("team_id", ""),
            created=float(data.get("created", 0.0)),
            embedding_model=data.get("embedding_model", ""),
            vectors_pending=bool(data.get("vectors_pending", False)),
        )

    def visible_in(self, channel: str | None) -> bool:
        """Scope rule: a channel sees its own documents and workspace-wide ones; None sees all."""
        return channel is None or self.workspace_wide or channel in self.channels


@dataclass
class IngestResult:
    file_name: str
    status: IngestStatus
    doc_id: str | None = None
    pages: int = 0
    chunks: int = 0
    reason: str | None = None
    # Chunks still waiting for their dense vectors (searchable by keywords meanwhile), and the
    # estimated seconds until they have them.
    pending_chunks: int = 0
    eta_s: float | None = None
    # Failed because a service it needs (store, index, embedder) was down, not because of the
    # file: the same file may succeed later (the REST API answers 503 rather than 422).
    unavailable: bool = False
    # The same bytes were indexed under another name (already_indexed, linked): the reply names
    # both, since this name itself was never shared before.
    indexed_as: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def message(self) -> str:
        if self.status == "failed":
            return f"Could not index {self.file_name}: {self.reason}"
        same = f"{self.file_name} has the same content as {self.indexed_as}" if self.indexed_as else None
        if self.status == "already_indexed":
            return f"{same}, which is already indexed" if same else f"{self.file_name} is already indexed"
        size = f"{counted(self.pages, 'page')}, " if self.pages else ""
        what = f"{size}{counted(self.chunks, 'chunk')}"
        if self.status == "linked":
            if same:
                return f"{same} (already indexed — {what}): linked it to this channel"
            return f"Linked {self.file_name} (already indexed — {what}) to this channel"
        if self.pending_chunks:
            eta = f"~{max(1, round(self.eta_s))} s" if self.eta_s is not None else "a moment"
            return f"Indexed {self.file_name} — {what} — searchable now, fully indexed in {eta}"
        return f"Indexed {self.file_name} — {what}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.message}


@dataclass
class IngestProgress:
    """Where one file's ingest stands, reported as it goes (CLI progress bars, Slack updates)."""

    file_name: str
    stage: Literal["parsed", "embedding", "done"]
    pages: int
    chunks: int
    embedded: int  # chunks with dense vectors so far
    eta_s: float | None = None  # until fully indexed


def counted(n: int, word: str) -> str:
    """ "1 chunk", "2,000 chunks": a count with its noun in the right number."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
