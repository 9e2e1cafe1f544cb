"""A small sample PDF for the demo, written by hand (no PDF library needed at run time).

The demo page offers it for download so a newcomer can share a real PDF into a channel
and ask about it.
"""

from __future__ import annotations

SAMPLE_PDF_NAME = "travel-and-expense-policy.pdf"

_PAGES: list[list[tuple[str, str]]] = [
    [
        ("h1", "Travel and Expense Policy"),
        ("p", "This policy covers business travel booked by employees of the shop."),
        ("h2", "Booking travel"),
        ("p", "Book all flights and trains through the travel desk at least 14 days ahead."),
        ("p", "Economy class is the default. Business class is allowed for flights longer than 6 hours."),
        ("p", "Trains are preferred over flights for journeys shorter than 4 hours."),
        ("h2", "Hotels"),
        ("p", "The nightly hotel limit is 150 EUR in most cities and 220 EUR in London, Paris and Zurich."),
        ("p", "Breakfast may be included in the room rate. Minibar charges are not reimbursed."),
    ],
    [
        ("h2", "Meals and daily allowance"),
        ("p", "Employees receive a daily meal allowance of 45 EUR on travel days."),
        ("p", "Client dinners need the approval of a team lead and an itemised receipt."),
        ("h2", "Submitting expenses"),
        ("p", "Submit expense claims within 30 days of the end of the trip, with receipts attached."),
        ("p", "Claims are reimbursed with the next monthly payroll after approval by finance."),
        ("p", "Questions about this policy go to the finance team in the #finance channel."),
    ],
]
_STYLES = {"h1": ("F2", 20, 30), "h2": ("F2", 14, 24), "p": ("F1", 11, 17)}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(lines: list[tuple[str, str]]) -> bytes:
    ops = ["BT", "72 740 Td"]
    for style, text in lines:
        font, size, leading = _STYLES[style]
        ops.append(f"/{font} {size} Tf 0 -{leading} Td ({_escape(text)}) Tj")
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def sample_pdf() -> bytes:
    """Two pages of text with Helvetica (a standard PDF font, so nothing is embedded)."""
    page_ids = [5 + 2 * i for i in range(len(_PAGES))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {len(_PAGES)} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, _PAGES, strict=True):
        stream = _content(lines)
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {page_id + 1} 0 R >>"
        ).encode()
        objects[page_id + 1] = f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
