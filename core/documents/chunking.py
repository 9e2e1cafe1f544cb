"""Token-based chunking with the embedder's own tokenizer.

Chunks are packed from whole blocks (paragraphs, table rows) up to the target size; only a
block larger than a chunk is cut, at the tokenizer's character offsets (preferring a sentence
end, never inside a word), so chunk text is always verbatim source text. Table rows are never
split when a row fits. Every chunk starts with one context line — the file's name and the
section heading — because company, period and statement title often appear nowhere else near
a figure; that line is counted in the token budget. A chunk that starts mid-table adds a
"Columns: …" line (the table's period headers). A section that opens with a table (a financial
statement) starts a chunk of its own rather than trailing the end of another section.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import PurePath

from core.documents.models import Block, Chunk, ParsedDocument, SourceMark
from core.embeddings.base import Tokenizer

# The context line may use at most this share of a chunk; longer headings are cut.
_MAX_CONTEXT_SHARE = 0.25
# The column-header line of a chunk that starts mid-table may use at most this share.
_MAX_COLUMNS_SHARE = 0.2
# A text piece this short before a chunk's first table row is a row label, not prose.
_MAX_LABEL_TOKENS = 12
# A section "opens with a table" when one of its first pieces is a table row.
_TABLE_LOOKAHEAD = 3
# Blocks are tokenized whole; a paragraph of megabytes (a text file without blank lines) is first
# cut at whitespace into windows of at most this many characters, so memory stays bounded.
_MAX_BLOCK_CHARS = 20_000


@dataclass(frozen=True)
class ChunkingConfig:
    target_tokens: int = 512
    overlap_tokens: int = 50
    min_tokens: int = 256

    def fitted(self, max_tokens: int) -> ChunkingConfig:
        """Never larger than the embedder reads; overlap and minimum scale down with the target."""
        target = max(8, min(self.target_tokens, max_tokens))
        scale = target / self.target_tokens
        return ChunkingConfig(
            target_tokens=target,
            overlap_tokens=min(round(self.overlap_tokens * scale), target // 4),
            min_tokens=min(self.min_tokens, target // 2),
        )


@dataclass
class _Piece:
    text: str
    page: int | None
    heading: str | None
    kind: str
    tokens: int
    columns: str | None = None  # a table row's column headers
    overlap: bool = False  # repeated from the previous chunk
    continues: bool = False  # a later part of a cut block: it already overlaps the part before


class Chunker:
    def __init__(self, tokenizer: Tokenizer, config: ChunkingConfig) -> None:
        self._tok = tokenizer
        self._cfg = config
        self._context_cache: dict[str | None, tuple[str, int]] = {}
        self._columns_cache: dict[str, tuple[str, int]] = {}
        self._stem = ""
        # The per-document state above is shared by the helpers: one document at a time.
        self._lock = threading.Lock()

    def chunk(self, doc: ParsedDocument, doc_id: str) -> list[Chunk]:
        with self._lock:
            return self._chunk(doc, doc_id)

    def _chunk(self, doc: ParsedDocument, doc_id: str) -> list[Chunk]:
        self._stem = PurePath(doc.file_name).stem or doc.file_name
        self._context_cache = {}
        self._columns_cache = {}
        pieces = [p for block in doc.blocks for p in self._pieces(block)]
        groups = self._pack(pieces)
        chunks = []
        for index, group in enumerate(groups):
            heading = _main_heading(group)
            context, _ = self._context(heading)
            content = "\n".join(p.text for p in group)
            first = _first_row(group)
            columns = self._columns(first)[0]
            if columns and first is not None and first.columns and first.columns not in content:
                context += "\n" + columns  # the chunk starts mid-table: say what the columns are
            text = context + "\n" + content
            chunks.append(
                Chunk(
                    doc_id=doc_id,
                    file_name=doc.file_name,
                    index=index,
                    text=text,
                    pages=sorted({p.page for p in group if p.page is not None}),
                    heading=heading,
                    token_count=self._tok.count(text),
                    marks=_marks(group, len(context) + 1),
                )
            )
        return chunks

    # --- context line --------------------------------------------------------------------

    def _context(self, heading: str | None) -> tuple[str, int]:
        if heading not in self._context_cache:
            line = f"{self._stem} — {heading}" if heading else self._stem
            self._context_cache[heading] = self._capped(line, _MAX_CONTEXT_SHARE)
        return self._context_cache[heading]

    def _budget(self, heading: str | None) -> int:
        return self._cfg.target_tokens - self._context(heading)[1]

    def _columns(self, first: _Piece | Block | None) -> tuple[str, int]:
        """The column-header line for a chunk whose first table row is `first` ('' if none)."""
        if first is None or first.kind != "table_row" or not first.columns:
            return "", 0
        if first.columns not in self._columns_cache:
            self._columns_cache[first.columns] = self._capped(f"Columns: {first.columns}", _MAX_COLUMNS_SHARE)
        return self._columns_cache[first.columns]

    def _capped(self, line: str, share: float) -> tuple[str, int]:
        """The line cut to its share of the chunk budget, and its token count."""
        limit = max(4, int(self._cfg.target_tokens * share))
        spans = self._tok.spans(line)
        if len(spans) > limit:
            line = line[: spans[limit - 1][1]] + "…"
        return line, self._tok.count(line)

    # --- blocks to pieces that each fit in one chunk -------------------------------------

    def _pieces(self, block: Block) -> list[_Piece]:
        text = block.text.strip()
        if len(text) <= _MAX_BLOCK_CHARS:
            return self._block_pieces(block, text)
        pieces = []
        for i, window in enumerate(_windows(text)):
            parts = self._block_pieces(block, window)
            if i and parts:
                parts[0] = replace(parts[0], continues=True)
            pieces.extend(parts)
        return pieces

    def _block_pieces(self, block: Block, text: str) -> list[_Piece]:
        if not text:
            return []
        tokens = self._tok.count(text)
        budget = self._budget(block.heading) - self._columns(block)[1]
        if tokens <= budget:
            return [_Piece(text, block.page, block.heading, block.kind, tokens, block.columns)]
        overlap = self._cfg.overlap_tokens if block.kind == "text" else 0
        parts = split_by_tokens(text, self._tok.spans(text), budget, overlap)
        return [
            _Piece(part, block.page, block.heading, block.kind, self._tok.count(part), block.columns, continues=i > 0)
            for i, part in enumerate(parts)
        ]

    # --- packing pieces into chunks ------------------------------------------------------

    def _pack(self, pieces: list[_Piece]) -> list[list[_Piece]]:
        groups: list[list[_Piece]] = []
        current: list[_Piece] = []
        for i, piece in enumerate(pieces):
            if current and not self._fits(current, piece):
                groups.append(current)
                current = self._overlap_from(current, piece)
            elif current and piece.heading != current[-1].heading and self._section_break(current, pieces, i):
                # A new section starts: end the chunk here, no overlap (the previous section's
                # tail would only blur the new one).
                groups.append(current)
                current = []
            current.append(piece)
        if current and not all(p.overlap for p in current):
            groups.append(current)
        return self._merge_small_tail(groups)

    def _section_break(self, current: list[_Piece], pieces: list[_Piece], start: int) -> bool:
        """Whether a chunk ends where the section of pieces[start] begins: when it is big enough,
        or when the new section opens with a table (a financial statement, a schedule): its rows
        and headers then start a chunk of their own instead of trailing unrelated text."""
        size = _size(current)
        if size >= self._cfg.min_tokens:
            return True
        if size < self._cfg.min_tokens // 4:
            return False  # a few words (a company name, a sub-title) stay with what follows
        section = pieces[start : start + _TABLE_LOOKAHEAD]
        return any(p.kind == "table_row" for p in section if p.heading == pieces[start].heading)

    def _fits(self, group: list[_Piece], piece: _Piece) -> bool:
        context = max(self._context(h)[1] for h in {p.heading for p in group} | {piece.heading})
        context += self._columns(_first_row([*group, piece]))[1]
        return _size(group) + piece.tokens + context <= self._cfg.target_tokens

    def _overlap_from(self, previous: list[_Piece], nxt: _Piece) -> list[_Piece]:
        """Trailing whole pieces of the previous chunk, up to the overlap budget, same section only."""
        if nxt.continues:
            return []
        carried: list[_Piece] = []
        room = self._cfg.overlap_tokens
        for piece in reversed(previous):
            if piece.heading != nxt.heading or piece.tokens > room:
                break
            carried.insert(0, replace(piece, overlap=True))
            room -= piece.tokens
        if not carried and previous[-1].kind == "text" and previous[-1].heading == nxt.heading and room > 0:
            tail = tail_by_tokens(previous[-1].text, self._tok.spans(previous[-1].text), room)
            if tail:
                carried = [replace(previous[-1], text=tail, tokens=self._tok.count(tail), overlap=True)]
        while carried and not self._fits(carried, nxt):
            carried.pop(0)
        return carried

    def _merge_small_tail(self, groups: list[list[_Piece]]) -> list[list[_Piece]]:
        if len(groups) < 2 or _size(groups[-1]) >= self._cfg.min_tokens:
            return groups
        tail = [p for p in groups[-1] if not p.overlap]
        merged = groups[-2] + tail
        headings = {p.heading for p in merged}
        context = max(self._context(h)[1] for h in headings) + self._columns(_first_row(merged))[1]
        if _size(merged) + context <= self._cfg.target_tokens:
            return [*groups[:-2], merged]
        return groups


def _windows(text: str) -> list[str]:
    """text cut at whitespace into parts of at most _MAX_BLOCK_CHARS characters."""
    parts = []
    start = 0
    while len(text) - start > _MAX_BLOCK_CHARS:
        end = start + _MAX_BLOCK_CHARS
        floor = start + _MAX_BLOCK_CHARS // 2
        cut = max(text.rfind(" ", floor, end), text.rfind("\n", floor, end))
        cut = cut if cut > start else end
        parts.append(text[start:cut].strip())
        start = cut
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _marks(group: list[_Piece], start: int) -> list[SourceMark]:
    """Page and section of each stretch of a chunk's content, which starts at character `start`
    and joins the pieces with newlines."""
    marks: list[SourceMark] = []
    offset = start
    for piece in group:
        if not marks or (marks[-1].page, marks[-1].heading) != (piece.page, piece.heading):
            marks.append(SourceMark(offset, piece.page, piece.heading))
        offset += len(piece.text) + 1
    return marks


def _size(group: list[_Piece]) -> int:
    return sum(p.tokens for p in group)


def _first_row(group: list[_Piece]) -> _Piece | None:
    """The table row a chunk starts with, after at most a few row labels ("Operating expenses:");
    None when the chunk starts with prose (its tables, if any, come with their own headers)."""
    for p in group:
        if p.kind == "table_row":
            return p
        if p.tokens > _MAX_LABEL_TOKENS:
            return None
    return None


def _main_heading(group: list[_Piece]) -> str | None:
    """The heading that covers most of the chunk's tokens (new content over overlap on ties)."""
    weight: dict[str | None, int] = {}
    for p in group:
        weight[p.heading] = weight.get(p.heading, 0) + p.tokens + (0 if p.overlap else 1)
    return max(weight, key=lambda h: weight[h])


def split_by_tokens(text: str, spans: list[tuple[int, int]], budget: int, overlap: int) -> list[str]:
    """Cut text into windows of at most `budget` tokens, verbatim, at sentence ends or word edges."""
    parts: list[str] = []
    start = 0
    n = len(spans)
    overlap = min(overlap, budget // 2)
    while start < n:
        end = min(start + budget, n)
        if end < n:
            end = _best_cut(text, spans, start, end)
        parts.append(text[spans[start][0] : spans[end - 1][1]].strip())
        if end >= n:
            break
        nxt = max(end - overlap, start + 1)
        floor = max(start + 1, end - 2 * overlap)  # never step back so far that windows crawl
        while nxt > floor and _same_word(spans, nxt):
            nxt -= 1
        start = nxt
    return [p for p in parts if p]


def tail_by_tokens(text: str, spans: list[tuple[int, int]], count: int) -> str:
    if not spans or count <= 0:
        return ""
    start = max(len(spans) - count, 0)
    while start < len(spans) and start > 0 and _same_word(spans, start):
        start += 1  # never start inside a word
    if start >= len(spans):
        return ""
    return text[spans[start][0] :].strip()


def _same_word(spans: list[tuple[int, int]], i: int) -> bool:
    """True when token i continues the word of token i-1 (a '##' piece or glued punctuation)."""
    return 0 < i < len(spans) and spans[i][0] == spans[i - 1][1]


def _best_cut(text: str, spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Exclusive token index to cut at: the last sentence end in the window's final 40%, else the
    last word edge."""
    floor = start + max(1, int((end - start) * 0.6))
    for i in range(end, floor, -1):
        piece = text[spans[i - 1][0] : spans[i - 1][1]]
        if piece in (".", "?", "!") and (i >= len(spans) or spans[i][0] > spans[i - 1][1]):
            return i
    i = end
    while i > start + 1 and _same_word(spans, i):
        i -= 1
    # One enormous "word" (a URL, a row of dots): cut inside it rather than make a tiny window.
    return i if i - start >= (end - start) // 2 else end
