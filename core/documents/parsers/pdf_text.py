"""Model-free PDF parsing with pypdfium2: page text, lines classified as headings, table rows
or prose. Fast (hundreds of pages a second) and keeps every page number.

Financial filings put their figures in tables whose rows come out of PDFium as one line each
("Total net sales 81,797 82,959 ..."). Those lines are kept whole as table rows, under the
nearest statement title, so a chunker never cuts a row from its label.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from core.documents.limits import Deadline
from core.documents.models import Block, IngestError

if TYPE_CHECKING:
    import pypdfium2

# PDFium is not thread-safe: one document operation at a time per process.
PDFIUM_LOCK = threading.Lock()

_NUMBER = re.compile(r"^[($]*[-+]?\$?\d([\d,]*\d)?(\.\d+)?%?[)]*[%]?$|^[—–-]$")
_MONEYISH = re.compile(r"\d,\d{3}|\.\d|^\(|^\$")
# "Part I, “Financial Statements …” for additional information." is a cross-reference that a line
# break left at the start of a line, not the start of Part I.
_SECTION = re.compile(r"^(PART\s+[IVX]+\b(?!,)|Item\s+\d+[A-Z]?\.)", re.IGNORECASE)
_NOTE = re.compile(r"^Note\s+\d+\s*[–—:.-]", re.IGNORECASE)
_COLUMN_WORDS = re.compile(r"\b(Months|Weeks|Ended|Ending|As of|Total)\b")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Column-header rows: "2023 2022", "July 1, 2023 June 25, 2022", "Jul 1, 2023 Jul 2, 2022".
_YEARS_ROW = re.compile(rf"^(((19|20)\d\d|{_MONTH}\s+\d{{1,2}},?)\s*)+$")
_PERIOD_WORDS = re.compile(
    r"\b(Ended|Ending|As of|January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Q[1-4]|(19|20)\d\d)\b"
)
_MAX_COLUMNS_CHARS = 300
_PARENTHETICAL = re.compile(r"\([^()]{12,}\)")  # long notes only: "(Unaudited)" and "(1)" stay
_UNIT = re.compile(r"\b[Ii]n (millions|thousands|billions)\b")
_MAX_HEADER_LINE = 120
_TOC_PAGE = re.compile(r"^\d{1,3}$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}$", re.IGNORECASE)
# A table-of-contents entry: a title ending in its page number ("Risk Factors 40"); the title
# holds a letter (_LETTER). Lines are single-spaced (_page_lines); a pattern with two wildcards
# took seconds on one long line that does not end in a page number.
_TOC_ENTRY = re.compile(r"^(?P<title>.*\S) (?P<page>\d{1,3})$")
_LETTER = re.compile(r"[^\W\d_]")
_TRAILING_PARENTHETICAL = re.compile(r"\s*\([^()]*\)$")
_MIN_TOC_ENTRIES = 5
_TOC_PAGES = 5  # a table of contents is on one of the first pages
_MAX_TOC_TITLE_WORDS = 14


def open_pdf(data: bytes, max_pages: int) -> pypdfium2.PdfDocument:
    """Open with PDFium; encrypted, damaged and over-long files are refused with a reason."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise IngestError("the PDF is encrypted (password-protected); share an unprotected copy") from exc
        raise IngestError(f"the PDF is corrupt or damaged and cannot be opened ({exc})") from exc
    pages = len(pdf)
    if pages == 0:
        pdf.close()
        raise IngestError("the PDF has no pages")
    if pages > max_pages:
        pdf.close()
        raise IngestError(f"the PDF has {pages:,} pages, over the limit of {max_pages:,}")
    return pdf


def page_texts(pdf: pypdfium2.PdfDocument, deadline: Deadline | None = None) -> list[str]:
    texts = []
    for i in range(len(pdf)):
        if deadline is not None:
            deadline.check(f"reading page {i + 1} of the PDF")
        page = pdf[i]
        textpage = page.get_textpage()
        try:
            texts.append(textpage.get_text_bounded())
        finally:
            textpage.close()
            page.close()
    return texts


def parse_pdf_text(data: bytes, max_pages: int, deadline: Deadline | None = None) -> tuple[list[Block], int]:
    import pypdfium2

    with PDFIUM_LOCK:
        pdf = open_pdf(data, max_pages)
        try:
            texts = page_texts(pdf, deadline)
        except pypdfium2.PdfiumError as exc:
            raise IngestError(f"the PDF is damaged: a page cannot be read ({exc})") from exc
        finally:
            pdf.close()
    if not any(t.strip() for t in texts):
        raise IngestError("no extractable text — it looks like a scanned image; OCR is not available")
    return blocks_from_pages(texts), len(texts)


class _Headings:
    """Section (Part/Item) > title (statement, note) > subheading; deeper levels reset on a new one."""

    def __init__(self) -> None:
        self.levels: list[str | None] = [None, None, None]

    def set(self, level: int, text: str) -> None:
        self.levels[level] = text
        for deeper in range(level + 1, 3):
            self.levels[deeper] = None

    @property
    def current(self) -> str | None:
        named = [h for h in self.levels if h]
        return " › ".join(named[-2:]) if named else None


def _page_lines(text: str) -> list[str]:
    # Dot leaders of tables of contents ("Mission........3") would cost a token per dot.
    text = _DOT_LEADER.sub(" … ", text)
    lines = [" ".join(ln.split()) for ln in text.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    return lines


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Page headers and footers ("Table of Contents", "Apple Inc. | Q3 2023 Form 10-Q | 7"):
    lines repeated on many pages, compared with digits masked. They are kept as text but never
    taken for section headings."""
    counts: dict[str, int] = {}
    for lines in pages:
        for key in {_DIGITS.sub("#", ln) for ln in lines}:
            counts[key] = counts.get(key, 0) + 1
    threshold = max(3, len(pages) // 4)
    return {key for key, n in counts.items() if n >= threshold}


def _title_key(line: str) -> str:
    """A title compared without case, a trailing note ("(MD&A)") or spacing."""
    return " ".join(_TRAILING_PARENTHETICAL.sub("", line).split()).casefold()


def _contents_sections(pages: list[list[str]], running: set[str]) -> tuple[set[str], int | None]:
    """The section titles the document's table of contents groups its entries under (title keys),
    and that table's page index. A page among the first ones is a table of contents when at
    least five of its lines are titles ending in non-decreasing page numbers (a statement's rows
    end in figures that go up and down); a heading-like line between those entries with no page
    number of its own ("Management's Discussion and Analysis (MD&A)" above "Segment Trends and
    Results 23") is a section. Filings that do not use the usual "Item 2." layout otherwise have
    such a section read as one more subheading of the last note, and its passages cited as
    "Note 13: Contingencies › Revenue"."""
    for index, lines in enumerate(pages[:_TOC_PAGES]):
        entries: list[int] = []
        last_page = 0
        for n, line in enumerate(lines):
            found = _TOC_ENTRY.match(line)
            if (
                found is None
                or not _LETTER.search(found["title"])
                or _DIGITS.sub("#", line) in running
                or _numeric_cells(found["title"])
            ):
                continue
            page = int(found["page"])
            if page >= last_page and len(found["title"].split()) <= _MAX_TOC_TITLE_WORDS:
                last_page = page
                entries.append(n)
        if len(entries) >= _MIN_TOC_ENTRIES:
            between = set(range(entries[0], entries[-1])) - set(entries)
            return {_title_key(lines[n]) for n in between if _is_group_title(lines[n])}, index
    return set(), None


def _is_group_title(line: str) -> bool:
    words = line.split()
    return (
        1 <= len(words) <= _MAX_TOC_TITLE_WORDS
        and line[:1].isupper()
        and not line.endswith((".", ",", ";"))
        and not _numeric_cells(line)
    )


def blocks_from_pages(texts: list[str]) -> list[Block]:
    blocks: list[Block] = []
    headings = _Headings()
    pages = [_page_lines(t) for t in texts]
    running = _running_lines(pages)
    sections, contents_page = _contents_sections(pages, running)
    columns: str | None = None  # column headers of the table being read
    header_run: list[str] = []  # short lines just above a table: its column headers, if any
    for page_no, lines in enumerate(pages, start=1):
        paragraph: list[str] = []

        def flush(paragraph: list[str] = paragraph, page_no: int = page_no) -> None:
            if paragraph:
                blocks.append(Block(" ".join(paragraph), page_no, headings.current))
                paragraph.clear()

        i = 0
        previous: str | None = None
        while i < len(lines):
            line = lines[i]
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            # A row label that wrapped onto two lines: "Total change in ... debt" + "securities (282) ..."
            if nxt and not _numeric_cells(line) and _is_table_row(nxt) and nxt[:1].islower():
                line, i = f"{line} {nxt}", i + 1
            i += 1
            nxt = lines[i] if i < len(lines) else None
            level = None if _DIGITS.sub("#", line) in running else _heading_level(line)
            if level is None and _DIGITS.sub("#", line) not in running and _sentence_case_heading(line, previous, nxt):
                level = 2
            if (
                sections
                and page_no - 1 != contents_page
                and _DIGITS.sub("#", line) not in running
                and _title_key(line) in sections
            ):
                # The table of contents says this heading starts a section; a section starts once,
                # so a later subheading of the same name ("Overview") keeps its own level.
                sections.discard(_title_key(line))
                level = 0
            previous = line
            if level is not None:
                flush()
                headings.set(level, line)
                header_run.clear()
                if level < 2:
                    columns = None  # a new statement or note: its tables have their own columns
                continue
            if _YEARS_ROW.match(line):  # "2023 2022 2023 2022" is part of the column headers
                flush()
                header_run.append(line)
                blocks.append(Block(line, page_no, headings.current, "table_row"))
                continue
            if _is_table_row(line):
                flush()
                header = " ".join(header_run)
                if header_run and _PERIOD_WORDS.search(header):
                    columns = _compact_columns(header)
                header_run.clear()
                blocks.append(Block(line, page_no, headings.current, "table_row", columns))
                continue
            paragraph.append(line)
            if len(line) <= _MAX_HEADER_LINE and not line.endswith("."):
                header_run.append(line)
            else:
                header_run.clear()  # prose, not a table's header
            if line.endswith((".", ":", "?", "!")) and len(" ".join(paragraph)) > 400:
                flush()  # keep paragraphs modest so chunks can break between them
        flush()
    return blocks


def _compact_columns(header: str) -> str:
    """Column headers without the long unit notes: "(In millions, except number of shares ...)"
    becomes "(In millions)"; chunks repeat this line, so every token counts."""

    def unit(match: re.Match[str]) -> str:
        note = match.group(0)
        found = _UNIT.search(note)
        return f"({found.group(0)})" if found else ""

    compact = " ".join(_PARENTHETICAL.sub(unit, header).split())
    return compact[:_MAX_COLUMNS_CHARS]


def _numeric_cells(line: str) -> int:
    return sum(1 for tok in line.split() if _NUMBER.match(tok))


def _is_table_row(line: str) -> bool:
    tokens = line.split()
    numbers = [t for t in tokens if _NUMBER.match(t)]
    if line.endswith(".") and len(numbers) < 0.25 * len(tokens):
        return False  # a sentence that mentions figures ("The limit is 150 EUR, or 220 EUR in Paris.")
    has_label = any(ch.isalpha() for ch in line)
    if len(numbers) >= 2:
        return has_label or len(numbers) == len(tokens)
    # One figure after a label ("Total net sales 81,797"), but not prose ending in a year.
    return bool(numbers) and has_label and _NUMBER.match(tokens[-1]) is not None and bool(_MONEYISH.search(tokens[-1]))


def _sentence_case_heading(line: str, previous: str | None, nxt: str | None) -> bool:
    """A heading written like a sentence ("Meals and daily allowance"): a short line of words
    without closing punctuation, standing between the end of a paragraph (or the top of the
    page) and a longer line that starts a new sentence. Without this it is glued to the
    paragraph below and quoted as part of its first sentence."""
    words = line.split()
    if not (1 <= len(words) <= 8 and len(line) <= 60 and line[:1].isupper()):
        return False
    if any(ch.isdigit() for ch in line) or line.endswith((".", ",", ":", ";", ")", "!", "?")):
        return False
    if _COLUMN_WORDS.search(line):
        return False
    if previous is not None and not previous.endswith((".", "!", "?", ":")):
        return False
    return (
        nxt is not None
        and nxt[:1].isupper()
        and len(nxt.split()) > len(words)
        and not _is_table_row(nxt)
        and _heading_level(nxt) is None
    )


def _heading_level(line: str) -> int | None:
    words = line.split()
    if len(line) > 150 or _TOC_PAGE.match(words[-1]):
        return None  # too long, or a table-of-contents entry ending in its page number
    if _SECTION.match(line):
        return 0
    if _NOTE.match(line):
        return 1
    if _numeric_cells(line) >= 2:
        return None
    letters = [ch for ch in line if ch.isalpha()]
    if (
        len(letters) >= 6
        and sum(ch.isupper() for ch in letters) >= 0.75 * len(letters)
        and len(words) >= 2
        and len(set(words)) >= 0.75 * len(words)  # "GAAP GAAP non-GAAP GAAP" is a column header
    ):
        return 2 if line.endswith(":") else 1  # "LIABILITIES AND EQUITY:" is a part of a statement
    if (
        1 <= len(words) <= 8
        and len(line) <= 70
        and not any(ch.isdigit() for ch in line)
        and not line.endswith((".", ",", ":", ";", ")"))
        and not _COLUMN_WORDS.search(line)
        and all(w[0].isupper() for w in words if len(w) > 3 and w[0].isalpha())
        and words[0][0].isupper()
    ):
        return 2
    return None
