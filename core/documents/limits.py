"""Limits that keep one file from exhausting memory, disk or time."""

from __future__ import annotations

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

    @classmethod
    def from_megabytes(cls, max_file_mb: float = 50.0, max_pages: int = 2000) -> IngestLimits:
        max_bytes = int(max_file_mb * MB)
        return cls(max_bytes=max_bytes, max_pages=max_pages, max_unzipped_bytes=max(4 * max_bytes, 20 * MB))


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
