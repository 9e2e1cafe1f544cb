"""Progress of long commands on the terminal: a redrawn bar on a TTY, plain lines when piped.

Files, pages and an ETA from the bytes still to go (the only size known before parsing) refined
by the embedder's own estimate for the file in hand.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from core.documents.models import IngestProgress

_BAR = 24
_REDRAW_S = 0.2  # a TTY is redrawn at most this often
_LINE_S = 10.0  # when piped, a progress line inside a long file at most this often


class ProgressBar:
    def __init__(
        self,
        files: int,
        total_bytes: int,
        *,
        stream: TextIO | None = None,
        label: str = "indexing",
        unit: str = "files",
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.files, self.total_bytes, self.label, self.unit = files, max(total_bytes, 1), label, unit
        self.files_done = self.pages_done = self.bytes_done = 0
        self._start = time.monotonic()
        self._last = self._start  # the first piped progress line waits _LINE_S too
        self._current: IngestProgress | None = None
        self._current_bytes = 0

    def start_file(self, size: int) -> None:
        self._current, self._current_bytes = None, size

    def update(self, event: IngestProgress) -> None:
        """The callback for DocumentService (parsed, embedding, done)."""
        self._current = event
        now = time.monotonic()
        if self.tty and now - self._last >= _REDRAW_S:
            self._draw(now)
        elif not self.tty and event.stage == "embedding" and now - self._last >= _LINE_S:
            self._line(f"{event.file_name}: {event.embedded:,}/{event.chunks:,} chunks embedded")

    def finish_file(self, pages: int = 0) -> None:
        self.files_done += 1
        self.pages_done += pages
        self.bytes_done += self._current_bytes
        self._current, self._current_bytes = None, 0
        if self.tty:
            self._draw(time.monotonic())
        elif self.files > 1 and (
            self.unit == "files" or time.monotonic() - self._last >= _LINE_S or self.files_done == self.files
        ):
            counted = f", {self.pages_done:,} pages" if self.pages_done else ""
            self._line(f"{self.label}: {self.files_done}/{self.files} {self.unit}{counted}")

    def step(self) -> None:
        """One unit done, for work counted in units of equal weight (questions, queries)."""
        self.start_file(1)
        self.finish_file()

    def clear_line(self) -> None:
        """Before the caller prints a line of its own under a TTY bar."""
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _eta(self, now: float) -> float | None:
        elapsed = now - self._start
        if not self.bytes_done:
            return self._current.eta_s if self._current else None
        rest = (self.total_bytes - self.bytes_done - self._current_bytes) * elapsed / self.bytes_done
        return rest + ((self._current.eta_s or 0.0) if self._current else 0.0)

    def _draw(self, now: float) -> None:
        self._last = now
        share = min(1.0, self.files_done / max(self.files, 1))
        filled = int(_BAR * share)
        eta = self._eta(now)
        parts = [f"{self.label} [{'#' * filled}{'.' * (_BAR - filled)}] {self.files_done}/{self.files} {self.unit}"]
        if self.pages_done:
            parts.append(f"{self.pages_done:,} pages")
        if self._current is not None and self._current.chunks:
            parts.append(f"{self._current.file_name}: {self._current.embedded}/{self._current.chunks} chunks")
        if eta is not None:
            parts.append(f"ETA {eta:,.0f} s")
        self.stream.write("\r\033[K" + " · ".join(parts)[:200])
        self.stream.flush()

    def _line(self, text: str) -> None:
        self._last = time.monotonic()
        self.stream.write(text + "\n")
        self.stream.flush()
