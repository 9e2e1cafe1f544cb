"""Plain text, CSV and JSON, parsed natively: paragraphs, and one readable block per record."""

from __future__ import annotations

import csv
import io
import json
import re

from core.documents.models import Block, IngestError
from core.documents.parsers.tables import render_row

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_NUMERIC = re.compile(r"^[-+$€£(]*\d[\d,.]*%?\)?$")


def parse_txt(text: str) -> list[Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Block(p.strip(), None) for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def parse_csv(text: str) -> list[Block]:
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        return []
    # Exports almost always start with a header row; a first row holding numbers is data.
    has_header = not any(_NUMERIC.match(cell.strip()) for cell in rows[0])
    header = [c.strip() for c in rows[0]] if has_header else []
    body = rows[1:] if has_header else rows
    if not body:  # a header alone is still content worth finding
        return [Block(", ".join(header), None, kind="table_row")]
    return [Block(render_row(header, row), None, kind="table_row") for row in body if render_row(header, row)]


def parse_json(text: str) -> list[Block]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IngestError(f"the JSON is not valid ({exc})") from exc
    blocks: list[Block] = []
    _walk_json(data, [], blocks)
    return blocks


def _walk_json(value: object, path: list[str], out: list[Block]) -> None:
    """Lists of objects become table rows (one per object); other leaves become 'a.b: value' lines."""
    heading = ".".join(path) or None
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for item in value:
            scalars = {k: v for k, v in item.items() if not isinstance(v, (dict, list))}
            if scalars:
                out.append(
                    Block(render_row(list(scalars), [_scalar(v) for v in scalars.values()]), None, heading, "table_row")
                )
            for k, v in item.items():
                if isinstance(v, (dict, list)):
                    _walk_json(v, [*path, str(k)], out)
        return
    if isinstance(value, dict):
        leaves = []
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                _walk_json(v, [*path, str(k)], out)
            else:
                leaves.append(f"{k}: {_scalar(v)}")
        if leaves:
            out.append(Block("\n".join(leaves), None, heading))
        return
    if isinstance(value, list):
        items = [_scalar(v) for v in value if not isinstance(v, (dict, list))]
        if items:
            out.append(Block("\n".join(items), None, heading))
        for i, v in enumerate(value):
            if isinstance(v, (dict, list)):
                _walk_json(v, [*path, str(i)], out)
        return
    out.append(Block(_scalar(value), None, heading))


def _scalar(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
