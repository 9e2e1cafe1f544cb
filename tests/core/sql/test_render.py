"""Rendering a query result: table text, CSV, chart PNG, summary line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

from core.sql.models import QueryResult
from core.sql.render import chart_png, chart_shape, result_table, summary, to_csv

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def result(columns: list[str], rows: list[tuple], *, truncated: bool = False, ms: float = 38.2) -> QueryResult:
    return QueryResult(columns, rows, len(rows), truncated, ms)


def test_table_limits_rows_columns_and_cells() -> None:
    wide = result([f"c{i}" for i in range(25)], [tuple(range(25)) for _ in range(150)])
    table = result_table(wide)
    assert len(table["columns"]) == 20 and table["hidden_columns"] == 5
    assert len(table["rows"]) == 100 and all(len(r) == 20 for r in table["rows"])
    assert table["shown_rows"] == 100 and table["total_rows"] == 150 and table["more_rows"]
    assert table["numeric"] == [True] * 20

    text = result(["note", "n", "flag", "x"], [("line one\nline two " + "é" * 500, 1.1 + 2.2, True, None)])
    cells = result_table(text, cell_limit=50)["rows"][0]
    assert cells[0].startswith("line one line two é") and len(cells[0]) == 50 and cells[0].endswith("…")
    assert cells[1:] == ["3.3", "true", ""]
    assert result_table(text)["numeric"] == [False, True, False, False]


def test_csv_has_every_row_and_defuses_formulas() -> None:
    rows = [(i, f"name {i}", None) for i in range(1500)] + [
        (1, '=HYPERLINK("http://evil")', "-12.5"),
        (2, 'Zoë, "quoted"', "@x"),
    ]
    data = to_csv(result(["id", "name", "extra"], rows))
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert parsed[0] == ["id", "name", "extra"] and len(parsed) == 1503
    assert parsed[1] == ["0", "name 0", ""]
    assert parsed[-2] == ["1", '\'=HYPERLINK("http://evil")', "-12.5"]
    assert parsed[-1] == ["2", 'Zoë, "quoted"', "'@x"]


def test_summary_lines() -> None:
    assert summary(result(["n"], [(i,) for i in range(12)])) == "12 rows · 38 ms"
    assert summary(result(["n"], [(1,)], ms=0.4)) == "1 row · <1 ms"
    assert summary(result(["n"], [], ms=1500)) == "0 rows · 1.5 s"
    many = result(["n"], [(i,) for i in range(1000)], truncated=True)
    assert summary(many, shown_rows=100) == "showing first 100 of 1,000+ rows · 38 ms"
    assert summary(many) == "1,000+ rows (cut at the row limit) · 38 ms"
    assert summary(result(["n"], [(i,) for i in range(250)]), shown_rows=100) == "showing first 100 of 250 rows · 38 ms"


def test_bar_chart_for_categories() -> None:
    by_country = result(
        ["country", "orders", "revenue"], [("France", 12, 340.5), ("Germany", 7, 120.0), ("Japan", 3, 99.9)]
    )
    assert chart_shape(by_country) == ("bar", 0, [1, 2])
    png = chart_png(by_country)
    assert png is not None and png.startswith(PNG_MAGIC) and len(png) > 5000


def test_line_chart_for_time() -> None:
    monthly = result(["month", "revenue"], [("2024-03-01", 30.0), ("2024-01-01", 10.0), ("2024-02-01", 20.5)])
    assert chart_shape(monthly) == ("line", 0, [1])
    assert chart_png(monthly).startswith(PNG_MAGIC)
    by_year = result(["order_year", "n"], [(2022, 5), (2023, 9)])
    assert chart_shape(by_year) == ("line", 0, [1])
    stamps = result(["day", "n"], [("2024-01-02T10:00:00+00:00", 1), ("2024-01-03T10:00:00+00:00", 2)])
    assert chart_png(stamps).startswith(PNG_MAGIC)


def test_no_chart_when_the_shape_does_not_suit() -> None:
    assert chart_png(result(["n"], [(1,), (2,)])) is None  # one column
    assert chart_png(result(["country", "n"], [("France", 1)])) is None  # one row
    assert chart_png(result(["a", "b"], [("x", "y"), ("z", "w")])) is None  # nothing numeric
    assert chart_png(result(["k", "a", "b", "c", "d"], [("x", 1, 2, 3, 4), ("y", 1, 2, 3, 4)])) is None  # 4 numbers
    assert chart_png(result(["name", "city", "n"], [("a", "b", 1), ("c", "d", 2)])) is None  # two categories
    assert chart_png(result(["c", "n"], [(f"c{i}", i) for i in range(31)])) is None  # too many bars


def test_matplotlib_is_not_imported_with_the_module() -> None:
    code = "import sys, core.sql.render; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_charts_have_a_title_and_labelled_axes() -> None:
    from core.sql.render import chart_figure

    by_country = result(["country", "orders"], [("France", 12), ("Germany", 7)])
    axes = chart_figure(by_country, title="How many orders per country?").axes[0]
    labels = (axes.get_title(), axes.get_xlabel(), axes.get_ylabel())
    assert labels == ("How many orders per country?", "country", "orders")
    two = chart_figure(result(["month", "orders", "revenue"], [("2024-01", 1, 2.5), ("2024-02", 3, 4.0)])).axes[0]
    assert two.get_title() == "orders, revenue by month" and two.get_ylabel() == "orders, revenue"


def test_numbers_read_like_numbers() -> None:
    rows = [(10234, 2024, "Zoë", 1234567, 1234.5, 35.66666, 0.01234)]
    columns = ["customer_id", "signup_year", "name", "orders", "revenue", "average age", "rate"]
    table = result_table(result(columns, rows))
    assert table["rows"][0] == ["10234", "2024", "Zoë", "1,234,567", "1,234.50", "35.67", "0.0123"]


def test_headers_name_what_each_column_holds() -> None:
    from core.sql.headers import readable_headers

    assert readable_headers(["COUNT(*)"], "SELECT COUNT(*) FROM orders", "sqlite") == ["orders"]
    assert readable_headers(["count"], "SELECT count(*) FROM a JOIN b ON a.x = b.x", "postgres") == ["count"]
    monthly = "SELECT substr(CAST(order_date AS TEXT), 1, 7), SUM(total_amount), AVG(price) FROM orders GROUP BY 1"
    assert readable_headers(["a", "b", "c"], monthly, "sqlite") == ["month", "total amount", "average price"]
    ranked = (
        "SELECT T1.customer_id, T1.name, SUM(T2.total_amount) AS lifetime_value"
        " FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id"
    )
    assert readable_headers(["customer_id", "name", "lifetime_value"], ranked, "sqlite") == [
        "customer id",
        "name",
        "lifetime value",
    ]
    assert readable_headers(["n"], "SELECT COUNT(DISTINCT country) FROM customers", "sqlite") == ["distinct country"]
    assert readable_headers(["a", "b"], "SELECT * FROM t", "sqlite") == ["a", "b"]  # unknown shape: as named
    assert readable_headers(["x"], "not sql at all ((", "sqlite") == ["x"]
