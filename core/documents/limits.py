"""Limits that keep one file from exhausting memory, disk or time."""

from __future__ import annotations

import time
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int = 50 * MB
    max_pages: int = 2000
    # ZIP-based formats (DOCX): refuse before unpacking when the archive would expand past
    # this many bytes, or when any member expands more than max_zip_ratio times its stored size.
    max_unzipped_bytes: int = 200 * MB
    max_zip_ratio: float = 200.0
    # Extracted text and chunks per file: what memory and embedding time scale with. 10 million
    # characters is about 4,000 pages of dense prose (~10,000 chunks); a larger file is refused
    # as soon as its text is known, before any chunking or embedding.
    max_chars: int = 10_000_000
    max_chunks: int = 20_000
    # Wall-clock budget for one file (parse, chunk, embed): past it the file is refused.
    max_seconds: float = 900.0

    @classmethod
    def from_megabytes(
        cls,
        max_file_mb: float = 50.0,
        max_pages: int = 2000,
        max_chars: int = 10_000_000,
        max_chunks: int = 20_000,
        max_seconds: float = 900.0,
    ) -> IngestLimits:
        max_bytes = int(max_file_mb * MB)
        return cls(
            max_bytes=max_bytes,
            max_pages=max_pages,
            max_unzipped_bytes=max(4 * max_bytes, 20 * MB),
            max_chars=max_chars,
            max_chunks=max_chunks,
            max_seconds=max_seconds,
        )


class Deadline:
    """The time budget of one file; `check` raises IngestError once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self, doing: str) -> None:
        from core.documents.models import IngestError

        if time.monotonic() > self._end:
            raise IngestError(
                f"{doing} took longer than the {self.seconds:,.0f} s budget per file (MAX_INGEST_SECONDS);"
                " split the file"
            )


def check_chars(count: int, limits: IngestLimits) -> None:
    from core.documents.models import IngestError

    if count > limits.max_chars:
        raise IngestError(
            f"the file holds {count:,} characters of text, over the limit of {limits.max_chars:,} "
            "(MAX_TEXT_CHARS); split it into smaller files"
        )


def check_chunks(count: int, limits: IngestLimits) -> None:
    from core.documents.models import IngestError

    if count > limits.max_chunks:
        raise IngestError(
            f"the file makes more than {limits.max_chunks:,} chunks (MAX_CHUNKS); split it into smaller files"
        )


def human_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_size(size: int, limits: IngestLimits) -> None:
    from core.documents.models import IngestError

    if size > limits.max_bytes:
        raise IngestError(f"the file is {human_size(size)}, over the limit of {human_size(limits.max_bytes)}")
