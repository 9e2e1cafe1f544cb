"""Small documents built in code for the document tests: every format and every bad input."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

QUARTER_ROWS = [
    ("Products", "60,584", "63,355"),
    ("Services", "21,213", "19,604"),
    ("Total net sales", "81,797", "82,959"),
    ("Gross margin", "36,413", "35,885"),
    ("Net income", "19,881", "19,442"),
]


def _fpdf():
    from fpdf import FPDF

    pdf = FPDF()
    # A fixed date makes the bytes (and so the doc_id) the same on every call.
    pdf.set_creation_date(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    pdf.set_font("Helvetica", size=11)
    return pdf


def pdf_with_table(extra_pages: int = 1) -> bytes:
    """Page 1 prose, page 2 a statement with a table, then `extra_pages` of prose."""
    pdf = _fpdf()
    pdf.add_page()
    pdf.cell(0, 8, "QUARTERLY REPORT", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        "Orchard Computing designs phones and tablets. Revenue grew in the third quarter because "
        "demand for tablets in Europe was strong. The company repurchased shares during the quarter.",
    )
    pdf.add_page()
    pdf.cell(0, 8, "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "(In millions) Three Months Ended July 1, 2023 and June 25, 2022", new_x="LMARGIN", new_y="NEXT")
    for label, a, b in QUARTER_ROWS:
        pdf.cell(90, 7, label)
        pdf.cell(40, 7, a, align="R")
        pdf.cell(40, 7, b, align="R", new_x="LMARGIN", new_y="NEXT")
    for i in range(extra_pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Risk factors page {i + 1}. Supply chains in Asia may be disrupted by weather events.")
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    pdf = _fpdf()
    pdf.add_page()
    pdf.cell(0, 8, "Secret salaries")
    pdf.set_encryption(owner_password="owner", user_password="user")
    return bytes(pdf.output())


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n" + b"\x00garbage" * 50


def image_only_pdf() -> bytes:
    """A 'scan': one page holding only a picture, no text layer."""
    from PIL import Image

    img = Image.new("RGB", (200, 100), "white")
    for x in range(20, 180):
        img.putpixel((x, 50), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pdf = _fpdf()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=100)
    return bytes(pdf.output())


def pdf_pages(n: int) -> bytes:
    pdf = _fpdf()
    for i in range(n):
        pdf.add_page()
        pdf.cell(0, 8, f"Chapter {i + 1} begins here.")
    return bytes(pdf.output())


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Travel Policy", level=1)
    document.add_paragraph("Employees book travel through the portal at least two weeks ahead.")
    document.add_heading("Per Diem", level=2)
    document.add_paragraph("Meals are reimbursed up to the daily limit below.")
    table = document.add_table(rows=3, cols=2)
    for r, (city, amount) in enumerate([("City", "Daily limit"), ("London", "95 GBP"), ("Paris", "90 EUR")]):
        table.cell(r, 0).text = city
        table.cell(r, 1).text = amount
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def docx_zip_bomb(expanded_mb: int = 30) -> bytes:
    """A valid-looking DOCX whose one member inflates from kilobytes to `expanded_mb` MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        z.writestr("word/media/image1.bin", b"\x00" * (expanded_mb * 1024 * 1024))
    return buf.getvalue()


HTML = b"""<!DOCTYPE html><html><head><title>Handbook</title></head><body>
<h1>Handbook</h1><p>Welcome to the team handbook.</p>
<h2>Holidays</h2><p>Staff receive 25 days of paid holiday per year.</p>
<table><tr><th>Office</th><th>Opens</th></tr><tr><td>Berlin</td><td>08:00</td></tr></table>
</body></html>"""

MARKDOWN = b"""# Refund Policy

Customers may return items within 30 days.

## Exceptions

Gift cards are not refundable.

| Item | Window |
|---|---|
| Laptops | 14 days |
| Books | 60 days |
"""

TEXT = b"""Release notes for version 4.2.

The importer now accepts gzip files.

Known issue: the exporter drops empty columns.
"""

CSV = b"region,quarter,revenue\nEMEA,Q1,1200\nAPAC,Q1,950\nAMER,Q1,2100\n"

JSON = json.dumps(
    {"company": "Orchard", "offices": [{"city": "Oslo", "staff": 12}, {"city": "Lima", "staff": 7}]}
).encode()

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 4
