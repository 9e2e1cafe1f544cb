"""Render one table row as a self-contained line: every value next to its column header."""

from __future__ import annotations


def render_row(headers: list[str], cells: list[str]) -> str:
    """'Item: Tea; Price: 3' — readable alone, so a row found by search still says what it means."""
    parts = []
    for i, value in enumerate(cells):
        value = " ".join(str(value).split())
        if not value:
            continue
        header = " ".join(headers[i].split()) if i < len(headers) else ""
        parts.append(f"{header}: {value}" if header and header != value else value)
    return "; ".join(parts)


def combine_header_rows(rows: list[list[str]]) -> list[str]:
    """Several header rows ('Three Months Ended' over 'July 1, 2023') become one label per column."""
    width = max((len(r) for r in rows), default=0)
    labels = []
    for col in range(width):
        words: list[str] = []
        for row in rows:
            cell = " ".join(str(row[col]).split()) if col < len(row) else ""
            if cell and (not words or words[-1] != cell):
                words.append(cell)
        labels.append(" ".join(words))
    return labels
