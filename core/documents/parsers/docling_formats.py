"""DOCX, HTML and Markdown through docling's model-free SimplePipeline; also the docling
StandardPdfPipeline when its layout-model weights are present on disk."""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.documents.models import Block, IngestError
from core.documents.parsers.tables import combine_header_rows, render_row

if TYPE_CHECKING:
    from docling.document_converter import DocumentConverter
    from docling_core.types.doc.document import DoclingDocument
    from docling_core.types.doc.items.node import NodeItem
    from docling_core.types.doc.items.table.table import TableItem

_FORMATS = {"docx": "DOCX", "html": "HTML", "md": "MD"}


class DoclingConverter:
    """Builds docling converters on first use (docling takes ~1 s to import)."""

    def __init__(self, artifacts_path: Path | None = None) -> None:
        self._artifacts_path = artifacts_path
        self._simple: DocumentConverter | None = None
        self._pdf: DocumentConverter | None = None
        self._lock = threading.Lock()

    def convert(self, data: bytes, file_name: str, ext: str) -> list[Block]:
        from docling.datamodel.base_models import DocumentStream

        with self._lock:
            if self._simple is None:
                # docling logs every conversion at INFO: too chatty for a bot's log and the CLI.
                logging.getLogger("docling").setLevel(logging.WARNING)
                from docling.datamodel.base_models import InputFormat
                from docling.document_converter import DocumentConverter

                self._simple = DocumentConverter(allowed_formats=[getattr(InputFormat, f) for f in _FORMATS.values()])
            simple = self._simple
        # docling picks the backend from the name's suffix: give it the detected one.
        name = f"{Path(file_name).stem or 'document'}.{ext}"
        try:
            result = simple.convert(DocumentStream(name=name, stream=io.BytesIO(data)), raises_on_error=True)
        except Exception as exc:  # docling wraps backend failures in its own exception types
            raise IngestError(f"the {ext.upper()} file could not be read ({_short(exc)})") from exc
        return blocks_from_docling(result.document)

    def convert_pdf(self, data: bytes, file_name: str) -> tuple[list[Block], int]:
        """The layout-model pipeline: headings and real table structure. Needs artifacts_path."""
        from docling.datamodel.base_models import DocumentStream

        with self._lock:
            if self._pdf is None:
                from docling.datamodel.base_models import InputFormat
                from docling.datamodel.pipeline_options import PdfPipelineOptions
                from docling.document_converter import DocumentConverter, PdfFormatOption

                # OCR stays off: its models are not part of the baked-in artifacts.
                options = PdfPipelineOptions(artifacts_path=str(self._artifacts_path), do_ocr=False)
                self._pdf = DocumentConverter(
                    allowed_formats=[InputFormat.PDF],
                    format_options={InputFormat.PDF: PdfFormatOption(pipeline_options=options)},
                )
            pdf = self._pdf
        result = pdf.convert(DocumentStream(name="document.pdf", stream=io.BytesIO(data)), raises_on_error=True)
        return blocks_from_docling(result.document), len(result.document.pages)


def blocks_from_docling(doc: DoclingDocument) -> list[Block]:
    """Walk a DoclingDocument in reading order: headings set context, tables become rows."""
    from docling_core.types.doc.items.group import GroupItem

    blocks: list[Block] = []
    heading: str | None = None
    title: str | None = None
    # Inline formatting ("within **30 days** of") splits one paragraph into several text items
    # under an inline group: the group becomes one block and its children are skipped.
    inline_groups: set[str] = set()
    for node, _level in doc.iterate_items(with_groups=True):
        item: Any = node  # docling's node classes differ in which of text, prov, label and parent they have
        label = str(getattr(item, "label", ""))
        parent = item.parent.cref if getattr(item, "parent", None) else None
        if parent in inline_groups:
            continue
        if label.endswith("inline"):
            inline_groups.add(item.self_ref)
            text = _clean(" ".join(_inline_texts(item, doc)))
            if text:
                in_list = parent is not None and str(item.parent.resolve(doc).label).endswith("list_item")
                blocks.append(Block(f"- {text}" if in_list else text, _first_page(item, doc), heading))
            continue
        if isinstance(item, GroupItem):  # other groups (lists, sections): their items follow
            continue
        page = item.prov[0].page_no if getattr(item, "prov", None) else None
        if label.endswith("title"):
            title = heading = _clean(item.text) or heading
            continue
        if label.endswith("section_header"):
            text = _clean(item.text)
            heading = f"{title} › {text}" if title and text and text != title else (text or heading)
            continue
        if label.endswith("table"):
            blocks.extend(_table_rows(item, page, heading))
            continue
        text = _clean(getattr(item, "text", "") or "")
        if text:
            if label.endswith("list_item"):
                text = f"- {text}"
            blocks.append(Block(text, page, heading))
    return blocks


def _inline_texts(group: NodeItem, doc: DoclingDocument) -> list[str]:
    texts: list[str] = []
    for ref in group.children:
        child = ref.resolve(doc)
        if getattr(child, "children", None) and not getattr(child, "text", ""):
            texts.extend(_inline_texts(child, doc))
        else:
            texts.append(getattr(child, "text", "") or "")
    return texts


def _first_page(group: NodeItem, doc: DoclingDocument) -> int | None:
    for ref in group.children:
        prov = getattr(ref.resolve(doc), "prov", None)
        if prov:
            page: int = prov[0].page_no
            return page
    return None


def _table_rows(table: TableItem, page: int | None, heading: str | None) -> list[Block]:
    grid = [[cell.text for cell in row] for row in table.data.grid]
    if not grid:
        return []
    header_rows = [
        i for i, row in enumerate(table.data.grid) if row and all(c.column_header for c in row if c.text.strip())
    ]
    n_header = 0
    while n_header in header_rows:
        n_header += 1
    n_header = n_header or 1  # a table without marked headers: its first row names the columns
    headers = combine_header_rows(grid[:n_header])
    if len(grid) <= n_header:  # only a header: keep it as one line
        line = " | ".join(h for h in headers if h)
        return [Block(line, page, heading, "table_row")] if line else []
    out = []
    for row in grid[n_header:]:
        text = render_row(headers, row)
        if text:
            out.append(Block(text, page, heading, "table_row"))
    return out


def _clean(text: str) -> str:
    return " ".join(text.split())


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
