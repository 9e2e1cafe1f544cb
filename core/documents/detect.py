"""Decide a file's real type from its bytes; the name is only a hint between text formats."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import PurePath

from core.documents.limits import IngestLimits
from core.documents.models import IngestError

SUPPORTED = ("pdf", "docx", "html", "md", "txt", "csv", "json")

# Binary signatures we recognise only to name them in the refusal.
_KNOWN_BINARIES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls/.ppt)"),
    (b"\xca\xfe\xba\xbe", "a Java class or macOS binary"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
)

_NAME_TYPES = {
    "pdf": "pdf",
    "docx": "docx",
    "html": "html",
    "htm": "html",
    "md": "md",
    "markdown": "md",
    "txt": "txt",
    "text": "txt",
    "csv": "csv",
    "tsv": "csv",
    "json": "json",
}
_HTML_TAG = re.compile(rb"<(!doctype\s+html|html|head|body|div|p|table|h[1-6])[\s>]", re.IGNORECASE)
_MD_SYNTAX = re.compile(r"^(#{1,6} \S|\|.*\|\s*$|[-*] \S|\d+\. \S|```)", re.MULTILINE)


def name_type(file_name: str) -> str | None:
    return _NAME_TYPES.get(PurePath(file_name).suffix.lower().lstrip("."))


def detect_type(data: bytes, file_name: str, limits: IngestLimits) -> str:
    """Return one of SUPPORTED or raise IngestError saying what the file really is."""
    if not data or not data.strip():
        raise IngestError("the file is empty")
    claimed = name_type(file_name)
    # Some producers put junk before the header; PDF readers accept it within the first 1 KiB.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data, limits)
    for magic, what in _KNOWN_BINARIES:
        if data.startswith(magic):
            raise IngestError(_mismatch(claimed, what))
    text = decode_text(data)
    if text is None:
        raise IngestError(_mismatch(claimed, "binary data of an unknown kind"))
    if claimed in ("pdf", "docx"):
        # A text file wearing a binary format's name: refuse rather than guess what was meant.
        raise IngestError(f"the name says .{claimed} but the content is plain text, not a {claimed.upper()} file")
    return _text_type(text, data, claimed)


def _mismatch(claimed: str | None, what: str) -> str:
    if claimed:
        return f"the name says .{claimed} but the content is {what}; unsupported type"
    return f"unsupported file type: the content is {what} (supported: {', '.join(SUPPORTED)})"


def _zip_type(data: bytes, limits: IngestLimits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"the file is a damaged ZIP/DOCX archive ({exc})") from exc
    names = {m.filename for m in members}
    check_zip_expansion(members, limits)
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    if any(n.startswith("xl/") for n in names):
        raise IngestError("unsupported file type: an Excel workbook (.xlsx); export it as CSV")
    if any(n.startswith("ppt/") for n in names):
        raise IngestError("unsupported file type: a PowerPoint deck (.pptx); export it as PDF")
    raise IngestError("unsupported file type: a ZIP archive that is not a Word document")


def check_zip_expansion(members: list[zipfile.ZipInfo], limits: IngestLimits) -> None:
    """Refuse zip bombs from the central directory alone, before anything is decompressed."""
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise IngestError(
            f"the archive would expand to {total / 2**20:,.0f} MB (limit {limits.max_unzipped_bytes / 2**20:,.0f} MB);"
            " refusing a possible zip bomb"
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
            raise IngestError(
                f"archive member {m.filename} expands {m.file_size / max(m.compress_size, 1):,.0f}x;"
                " refusing a possible zip bomb"
            )


def decode_text(data: bytes) -> str | None:
    """Text if the bytes are UTF-8 (or, failing that, mostly printable Windows-1252); else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark (Windows exports)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:8192]:
        return None  # binary
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    sample = text[:8192]
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    return text if bad <= len(sample) * 0.01 else None


def _text_type(text: str, data: bytes, claimed: str | None) -> str:
    stripped = text.lstrip()
    if claimed == "json" or stripped[:1] in ("{", "["):
        try:
            json.loads(text)
            return "json"
        except ValueError:
            if claimed == "json":
                raise IngestError("the file is named .json but is not valid JSON") from None
    # Content decides only when the text opens with markup: source code or notes that merely
    # mention "<table>" stay text.
    if claimed == "html" or (stripped.startswith("<") and _HTML_TAG.search(data[:4096])):
        return "html"
    if claimed == "csv":
        return "csv"
    if claimed == "md":
        return "md"
    if claimed is None and looks_like_csv(text):
        return "csv"
    if claimed is None and len(_MD_SYNTAX.findall(text[:20000])) >= 2:
        return "md"
    return "txt"


def looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() >= 2
