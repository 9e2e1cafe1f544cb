"""The terminal progress display: redrawn on a TTY, plain lines when piped."""

from __future__ import annotations

import io

from bot.progress import ProgressBar
from core.documents.models import IngestProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stream: io.StringIO) -> str:
    bar = ProgressBar(2, 300, stream=stream)
    for name, size, pages in (("a.pdf", 100, 3), ("b.pdf", 200, 5)):
        bar.start_file(size)
        bar.update(IngestProgress(name, "parsed", pages, 10, 0, 4.0))
        bar.update(IngestProgress(name, "embedding", pages, 10, 10, 0.0))
        bar.finish_file(pages)
    bar.close()
    return stream.getvalue()


def test_piped_output_is_plain_lines_one_per_file() -> None:
    out = run(io.StringIO())
    assert "\r" not in out and "\033" not in out
    assert out.splitlines() == ["indexing: 1/2 files, 3 pages", "indexing: 2/2 files, 8 pages"]


def test_a_terminal_gets_a_redrawn_bar_with_files_pages_and_eta() -> None:
    out = run(Terminal())
    assert "\r\033[K" in out and "\n" not in out
    assert "[" in out and "2/2 files" in out and "8 pages" in out and "ETA" in out
