"""DocumentParser: bytes + file name in, ParsedDocument (blocks with page and heading) out."""

from __future__ import annotations

import logging
from pathlib import Path

from core.documents.detect import decode_text, detect_type
from core.documents.limits import Deadline, IngestLimits, check_chars, check_size
from core.documents.models import Block, IngestError, ParsedDocument
from core.documents.parsers import text_formats
from core.documents.parsers.docling_formats import DoclingConverter
from core.documents.parsers.pdf_text import PDFIUM_LOCK, open_pdf, parse_pdf_text

log = logging.getLogger(__name__)


class DocumentParser:
    """PDF: docling's layout-model pipeline when `artifacts_path` holds its weights, else the
    model-free pypdfium2 path. DOCX/HTML/Markdown: docling. TXT/CSV/JSON: native."""

    def __init__(self, limits: IngestLimits | None = None, artifacts_path: str | Path | None = None) -> None:
        self.limits = limits or IngestLimits()
        path = Path(artifacts_path) if artifacts_path else None
        if path is not None and not path.is_dir():
            log.warning("docling artifacts folder %s does not exist: using the model-free PDF parser", path)
            path = None
        self._artifacts_path = path
        self._docling = DoclingConverter(path)

    @property
    def pdf_pipeline(self) -> str:
        return "docling-standard" if self._artifacts_path else "pypdfium2"

    def detect(self, data: bytes, file_name: str) -> str:
        return detect_type(data, file_name, self.limits)

    def parse(self, data: bytes, file_name: str, deadline: Deadline | None = None) -> ParsedDocument:
        """Raises IngestError with the user-facing reason for any file it cannot index."""
        check_size(len(data), self.limits)
        deadline = deadline or Deadline(self.limits.max_seconds)
        ext = self.detect(data, file_name)
        pages = 0
        if ext == "pdf":
            blocks, pages = self._parse_pdf(data, file_name, deadline)
        elif ext in ("docx", "html", "md"):
            blocks = self._docling.convert(data, file_name, ext)
        else:
            text = decode_text(data) or ""
            check_chars(len(text), self.limits)  # before splitting: a huge text is refused in seconds
            blocks = {
                "txt": text_formats.parse_txt,
                "csv": text_formats.parse_csv,
                "json": text_formats.parse_json,
            }[ext](text)
        blocks = [b for b in blocks if b.text.strip()]
        if not blocks:
            raise IngestError("the file contains no text to index")
        check_chars(sum(len(b.text) for b in blocks), self.limits)
        deadline.check("reading the file")
        return ParsedDocument(file_name=file_name, ext=ext, pages=pages, blocks=blocks)

    def _parse_pdf(self, data: bytes, file_name: str, deadline: Deadline) -> tuple[list[Block], int]:
        if self._artifacts_path is None:
            return parse_pdf_text(data, self.limits.max_pages, deadline)
        # Encryption, damage and page count are checked by PDFium first: cheap and precise.
        with PDFIUM_LOCK:
            open_pdf(data, self.limits.max_pages).close()
        try:
            blocks, pages = self._docling.convert_pdf(data, file_name)
        except ImportError as exc:
            # The layout pipeline needs torch (the full docling install): without it, stop trying.
            log.warning("docling PDF pipeline unavailable (%s): using pypdfium2 from now on", exc)
            self._artifacts_path = None
            return parse_pdf_text(data, self.limits.max_pages, deadline)
        except Exception as exc:  # a model or backend failure must not lose the document
            log.warning("docling PDF pipeline failed on %s (%s): using pypdfium2", file_name, exc)
            return parse_pdf_text(data, self.limits.max_pages, deadline)
        if not blocks:
            return parse_pdf_text(data, self.limits.max_pages, deadline)
        return blocks, pages
