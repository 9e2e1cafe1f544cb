"""Type detection and parsing of every supported format, and a clear refusal for every bad input."""

from __future__ import annotations

import pytest

from core.documents.limits import IngestLimits
from core.documents.models import IngestError
from core.documents.parsers import DocumentParser
from tests import fixtures_docs as fx


@pytest.fixture(scope="module")
def parser() -> DocumentParser:
    return DocumentParser()


def test_pdf_keeps_pages_headings_and_whole_table_rows(parser):
    doc = parser.parse(fx.pdf_with_table(), "2023 Q3 ORCH.pdf")
    assert (doc.ext, doc.pages) == ("pdf", 3)
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    total = next(b for b in rows if b.text.startswith("Total net sales"))
    assert total.text == "Total net sales 81,797 82,959"
    assert total.page == 2
    assert total.heading == "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS"
    prose = next(b for b in doc.blocks if "tablets in Europe" in b.text)
    assert (prose.page, prose.kind, prose.heading) == (1, "text", "QUARTERLY REPORT")
    assert any(b.page == 3 and "Supply chains" in b.text for b in doc.blocks)


def test_a_pdf_named_txt_is_parsed_as_the_pdf_it_is(parser):
    doc = parser.parse(fx.pdf_with_table(), "notes.txt")
    assert doc.ext == "pdf"
    assert any("81,797" in b.text for b in doc.blocks)


def test_docx_headings_and_table_rows_with_column_names(parser):
    doc = parser.parse(fx.docx_bytes(), "travel.docx")
    assert doc.ext == "docx"
    assert doc.pages == 0
    row = next(b for b in doc.blocks if "London" in b.text)
    assert row.kind == "table_row"
    assert row.text == "City: London; Daily limit: 95 GBP"
    assert row.heading and "Per Diem" in row.heading


def test_html_and_markdown_carry_section_headings(parser):
    html = parser.parse(fx.HTML, "handbook.html")
    holiday = next(b for b in html.blocks if "25 days" in b.text)
    assert html.ext == "html" and "Holidays" in holiday.heading
    assert any(b.kind == "table_row" and b.text == "Office: Berlin; Opens: 08:00" for b in html.blocks)

    md = parser.parse(fx.MARKDOWN, "refunds.md")
    gift = next(b for b in md.blocks if "Gift cards" in b.text)
    assert md.ext == "md" and gift.heading == "Refund Policy › Exceptions"
    assert any(b.text == "Item: Laptops; Window: 14 days" for b in md.blocks)


def test_inline_formatting_keeps_a_paragraph_in_one_block(parser):
    md = parser.parse(b"# Returns\n\nReturn any item within **30 days** of delivery.\n\n- a *bold* step\n", "r.md")
    html = parser.parse(b"<h1>Returns</h1><p>Return any item within <b>30 days</b> of delivery.</p>", "r.html")
    for doc in (md, html):
        assert any(b.text == "Return any item within 30 days of delivery." for b in doc.blocks), doc.blocks
    assert any(b.text == "- a bold step" for b in md.blocks)


def test_markdown_without_md_name_is_detected_from_content(parser):
    assert parser.detect(fx.MARKDOWN, "README") == "md"


def test_txt_csv_json_natively(parser):
    txt = parser.parse(fx.TEXT, "notes.txt")
    assert [b.text for b in txt.blocks][1] == "The importer now accepts gzip files."

    csv_doc = parser.parse(fx.CSV, "sales.csv")
    assert [b.text for b in csv_doc.blocks] == [
        "region: EMEA; quarter: Q1; revenue: 1200",
        "region: APAC; quarter: Q1; revenue: 950",
        "region: AMER; quarter: Q1; revenue: 2100",
    ]
    assert all(b.kind == "table_row" for b in csv_doc.blocks)
    assert parser.detect(fx.CSV, "export") == "csv"  # no extension: sniffed

    js = parser.parse(fx.JSON, "org.data")  # detected by parsing, not by name
    assert js.ext == "json"
    texts = [b.text for b in js.blocks]
    assert "city: Oslo; staff: 12" in texts and "company: Orchard" in texts


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("empty.pdf", lambda: b"", "the file is empty"),
        ("blank.txt", lambda: b"  \n\t ", "the file is empty"),
        ("secret.pdf", fx.encrypted_pdf, "encrypted"),
        ("broken.pdf", fx.corrupt_pdf, "corrupt"),
        ("scan.pdf", fx.image_only_pdf, "no extractable text — it looks like a scanned image; OCR is not available"),
        ("bomb.docx", fx.docx_zip_bomb, "zip bomb"),
        ("invoice.pdf", lambda: fx.EXE, "the name says .pdf but the content is a Windows executable"),
        ("setup.exe", lambda: fx.EXE, "unsupported file type"),
        ("fake.pdf", lambda: fx.TEXT, "not a PDF"),
        ("bad.json", lambda: b"{not json", "not valid JSON"),
    ],
)
def test_bad_input_is_refused_with_a_reason(parser, name, make, reason):
    with pytest.raises(IngestError, match=reason.replace("(", r"\(")):
        parser.parse(make(), name)


def test_size_and_page_limits():
    with pytest.raises(IngestError, match=r"the file is 2\.0 KB, over the limit of 1,000 bytes"):
        DocumentParser(IngestLimits(max_bytes=1000)).parse(b"x" * 2000, "big.txt")
    pages_limited = DocumentParser(IngestLimits(max_pages=3))
    with pytest.raises(IngestError, match="has 4 pages, over the limit of 3"):
        pages_limited.parse(fx.pdf_pages(4), "long.pdf")
    assert pages_limited.parse(fx.pdf_pages(3), "ok.pdf").pages == 3


def test_zip_bomb_is_refused_by_total_size_before_unpacking():
    tight = DocumentParser(IngestLimits(max_unzipped_bytes=5 * 1024 * 1024, max_zip_ratio=10_000))
    with pytest.raises(IngestError, match="would expand to"):
        tight.parse(fx.docx_zip_bomb(expanded_mb=8), "bomb.docx")


def test_other_zip_archives_are_named(parser):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(IngestError, match="Excel workbook"):
        parser.parse(buf.getvalue(), "book.docx")


def test_a_file_that_parses_to_nothing(parser):
    with pytest.raises(IngestError, match="no text to index"):
        parser.parse(b"[]", "empty.json")


def test_missing_artifacts_folder_falls_back_to_model_free_pdf(tmp_path):
    parser = DocumentParser(artifacts_path=tmp_path / "no-such-folder")
    assert parser.pdf_pipeline == "pypdfium2"
    assert parser.parse(fx.pdf_with_table(), "r.pdf").pages == 3


def test_a_damaged_docx_is_refused_with_a_reason(parser):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><not closed")
    with pytest.raises(IngestError, match="the DOCX file could not be read"):
        parser.parse(buf.getvalue(), "broken.docx")


def test_source_code_mentioning_html_tags_stays_text(parser):
    code = b'HTML = """<html><body><p>hi</p></body></html>"""\nprint(HTML)\n'
    assert parser.detect(code, "make_page.py") == "txt"
    assert parser.detect(b"  <!DOCTYPE html><html><body><p>hi</p></body></html>", "page") == "html"


def test_utf16_text_with_byte_order_mark(parser):
    doc = parser.parse("Ünïcode notes from Windows.\n\nSecond paragraph.".encode("utf-16"), "notes.txt")
    assert [b.text for b in doc.blocks] == ["Ünïcode notes from Windows.", "Second paragraph."]


def _filing_pages() -> list[str]:
    toc = "Orchard Inc. | Form 10-Q\nItem 1. Financial Statements 3\nItem 2. Management's Discussion 14\n"
    statement = (
        "Orchard Inc. | Form 10-Q\n"
        "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS\n"
        "(In millions)\nThree Months Ended\nJuly 1, June 25,\n2023 2022\n"
        "Net sales:\nProducts $ 60,584 $ 63,355\n"
        "Total change in unrealized gains/losses on marketable debt\nsecurities (282) (3,055)\n"
        + "".join(f"Line item {i} 1,{i:03d} 2,{i:03d}\n" for i in range(60))
    )
    note = (
        "Orchard Inc. | Form 10-Q\nNote 5 — DEBT\nAs of July 1, 2023, we had $68.5 billion of notes outstanding.\n7\n"
    )
    return [toc, statement, note, "Orchard Inc. | Form 10-Q\nTable of Contents\nMore text here.\n"]


def test_pdf_text_heuristics_headings_running_lines_and_wrapped_rows():
    from core.documents.parsers.pdf_text import blocks_from_pages

    blocks = blocks_from_pages(_filing_pages())
    headings = {b.heading for b in blocks}
    assert not any(h and ("| Form 10-Q" in h or h.endswith(" 3")) for h in headings)  # running line, TOC entry
    wrapped = next(b for b in blocks if b.text.startswith("Total change"))
    assert wrapped.text == "Total change in unrealized gains/losses on marketable debt securities (282) (3,055)"
    assert wrapped.kind == "table_row" and wrapped.page == 2
    note = next(b for b in blocks if "68.5 billion" in b.text)
    assert note.heading == "Note 5 — DEBT" and note.page == 3
    products = next(b for b in blocks if b.text.startswith("Products"))
    assert products.columns == "(In millions) Three Months Ended July 1, June 25, 2023 2022 Net sales:"
    assert not any(b.text == "7" for b in blocks)  # a bare page number is dropped


def test_chunks_that_start_mid_table_name_the_columns(minilm):
    from core.documents.chunking import Chunker, ChunkingConfig
    from core.documents.models import ParsedDocument
    from core.documents.parsers.pdf_text import blocks_from_pages

    doc = ParsedDocument("2023 Q2 ORCH.pdf", "pdf", 4, blocks_from_pages(_filing_pages()))
    chunks = Chunker(minilm.tokenizer, ChunkingConfig().fitted(minilm.max_tokens)).chunk(doc, "d")
    table = [c for c in chunks if "Line item" in c.text]
    assert len(table) >= 2
    assert "Columns:" not in table[0].text  # the first chunk holds the header itself
    for c in table[1:]:
        context, columns = c.text.split("\n")[:2]
        assert context == "2023 Q2 ORCH — CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS"
        assert columns.startswith("Columns: (In millions) Three Months Ended July 1, June 25, 2023 2022")
        assert c.token_count <= minilm.max_tokens


def test_layout_pipeline_that_cannot_run_falls_back_to_model_free_pdf(tmp_path):
    # An artifacts folder without usable weights (or without torch): the PDF is still indexed.
    parser = DocumentParser(artifacts_path=tmp_path)
    doc = parser.parse(fx.pdf_with_table(), "r.pdf")
    assert doc.pages == 3
    assert any(b.text == "Total net sales 81,797 82,959" for b in doc.blocks)


def test_csv_header_detection(parser):
    words = parser.parse(b"name,city\nBob,Oslo\nAda,Lima\n", "people.csv")
    assert [b.text for b in words.blocks] == ["name: Bob; city: Oslo", "name: Ada; city: Lima"]
    numbers = parser.parse(b"1,2\n3,4\n", "grid.csv")
    assert [b.text for b in numbers.blocks] == ["1; 2", "3; 4"]


def test_a_cross_reference_at_the_start_of_a_line_is_not_a_part_heading():
    from core.documents.parsers.pdf_text import blocks_from_pages

    page = (
        "Item 2. Management's Discussion and Analysis\n"
        "Liquidity\n"
        "We have entered into leases and debt arrangements; see Item 1 of\n"
        "Part I, “Financial Statements — Note 5 — Debt” for additional information.\n"
        "Guidance\n"
        "We provided guidance on our outlook for the second quarter of the year.\n"
    )
    blocks = blocks_from_pages([page])
    guidance = next(b for b in blocks if b.text.startswith("We provided guidance"))
    assert guidance.heading == "Item 2. Management's Discussion and Analysis › Guidance"
    assert not any(b.heading and b.heading.startswith("Part I,") for b in blocks)


def _filing_with_grouped_contents() -> list[str]:
    contents = (
        "Table of Contents\n"
        "Page\n"
        "Forward-Looking Statements 1\n"
        "Financial Statements and Supplemental Details\n"
        "Statements of Income 2\n"
        "Notes to Financial Statements 3\n"
        "Management's Discussion and Analysis (MD&A)\n"
        "Segment Trends and Results 4\n"
        "Liquidity and Capital Resources 5\n"
        "Other Key Information\n"
        "Risk Factors 6\n"
    )
    statement = "STATEMENTS OF INCOME\nNet revenue 15,338 12,949\nGross margin 5,830 4,123\nNet income 1,481 (454)\n"
    note = (
        "Note 3 : Contingencies\nLegal Proceedings\nWe are a party to various legal proceedings, as described below.\n"
    )
    mdna = (
        "Management's Discussion and Analysis\n"
        "Revenue Summary\n"
        "Revenue was up in the quarter, driven by higher demand for client products.\n"
    )
    return [contents, statement, note, mdna]


def test_sections_named_by_the_table_of_contents_start_a_new_section():
    from core.documents.parsers.pdf_text import blocks_from_pages

    blocks = blocks_from_pages(_filing_with_grouped_contents())
    revenue = next(b for b in blocks if b.text.startswith("Revenue was up"))
    # Without the table of contents the MD&A reads as one more subheading of the last note.
    assert revenue.heading == "Management's Discussion and Analysis › Revenue Summary"
    legal = next(b for b in blocks if b.text.startswith("We are a party"))
    assert legal.heading == "Note 3 : Contingencies › Legal Proceedings"
    # A section starts once: a later subheading of the same name stays a subheading.
    later = blocks_from_pages(
        [*_filing_with_grouped_contents(), "Note 4 : Leases\nManagement's Discussion and Analysis\nTerms are short.\n"]
    )
    lease = next(b for b in later if b.text == "Terms are short.")
    assert lease.heading == "Note 4 : Leases › Management's Discussion and Analysis"


def test_a_statement_page_is_not_read_as_a_table_of_contents():
    from core.documents.parsers.pdf_text import _contents_sections, _page_lines

    statement = "\n".join(
        f"Line item {word} {n}" for word, n in zip("abcdefgh", [40, 12, 90, 7, 55, 3, 81, 20], strict=True)
    )
    pages = [_page_lines(statement)]
    assert _contents_sections(pages, set()) == (set(), None)
    contents = [_page_lines(_filing_with_grouped_contents()[0])]
    sections, page = _contents_sections(contents, set())
    assert page == 0
    assert sections == {
        "financial statements and supplemental details",
        "management's discussion and analysis",
        "other key information",
    }


def test_a_long_line_on_a_first_page_is_read_in_linear_time():
    import time

    from core.documents.parsers.pdf_text import _contents_sections

    # One line of 40,000 characters that ends in no page number (text extracted without line breaks).
    page = ["word " * 8_000 + "end"]
    started = time.perf_counter()
    assert _contents_sections([page], set()) == (set(), None)
    assert time.perf_counter() - started < 1.0  # the earlier pattern took over 10 s here
