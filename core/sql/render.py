"""A query result, rendered neutrally: table rows as strings, CSV, a chart PNG, a summary line.

Callers (Slack handlers, the CLI) turn these into their own format. matplotlib is imported only
when a chart is drawn.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.sql.models import QueryResult, Value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TABLE_ROWS = 100  # Slack's table block holds at most 100 rows and 20 columns
TABLE_COLS = 20
CELL_LIMIT = 200  # characters per cell; the CSV has the full values
MAX_CATEGORIES = 30  # more bars than this is no longer readable
_TIME_VALUE = re.compile(r"^\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?)?$")
_YEAR_NAME = re.compile(r"(^|[_\s])(year|yr)($|[_\s])", re.IGNORECASE)
# Numbers that are names, not quantities: no thousands separators ("customer id 10234", "2024").
_LABEL_NAME = re.compile(r"(^|[_\s])(id|ids|key|code|year|yr|zip|postcode|phone|number|no)($|[_\s])", re.IGNORECASE)
# Amounts of money: always two decimals ("1,234.50").
_MONEY_NAME = re.compile(
    r"amount|price|revenue|cost|spend|spent|sales|salary|income|budget|fee|paid|balance|payment|charge|profit"
    r"|margin|value|aov|eur|usd|gbp|dollar|euro",
    re.IGNORECASE,
)
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Value, limit: int = CELL_LIMIT) -> str:
    """One value as table text: NULL empty, floats without binary noise, one line, trimmed."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = format(value, ".10g")
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_text(value: Value, style: str) -> str:
    """A number as people read it: 12,345 and 1,234.50 (money), 2024 and 10234 (labels)."""
    if value is None:
        return ""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return cell_text(value)
    if style == "label":
        return str(value) if isinstance(value, int) else format(value, ".10g")
    if style == "money":
        return f"{value:,.2f}"
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 1 else format(value, ".3g")


def _number_style(header: str) -> str:
    """'label' (ids, years), 'money' or 'quantity', from the column's name."""
    if _LABEL_NAME.search(header):
        return "label"
    return "money" if _MONEY_NAME.search(header) else "quantity"


def result_table(
    result: QueryResult, max_rows: int = TABLE_ROWS, max_cols: int = TABLE_COLS, cell_limit: int = CELL_LIMIT
) -> dict[str, Any]:
    """The first rows and columns as strings, with what was left out.

    {"columns", "rows", "numeric" (per shown column: right-align it), "shown_rows", "total_rows",
     "more_rows" (rows exist beyond those shown), "hidden_columns"}
    """
    columns = result.columns[:max_cols]
    body = result.rows[:max_rows]
    numeric = [_is_numeric_column(result, i) for i in range(len(columns))]
    styles = [_number_style(name) if is_number else None for name, is_number in zip(columns, numeric, strict=True)]
    return {
        "columns": [cell_text(c, cell_limit) for c in columns],
        "rows": [
            [
                number_text(v, style) if style else cell_text(v, cell_limit)
                for v, style in zip(row, styles, strict=False)
            ]
            for row in body
        ],
        "numeric": numeric,
        "shown_rows": len(body),
        "total_rows": result.row_count,
        "more_rows": result.truncated or result.row_count > len(body),
        "hidden_columns": max(0, len(result.columns) - len(columns)),
    }


def to_csv(result: QueryResult) -> bytes:
    """Every fetched row as UTF-8 CSV with a header. Text that a spreadsheet would run as a
    formula (=, +, -, @ …) gets a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")


def summary(result: QueryResult, shown_rows: int | None = None) -> str:
    """ "12 rows · 38 ms"; "showing first 100 of 1,000+ rows · 38 ms" when not everything is shown."""
    count = f"{result.row_count:,}{'+' if result.truncated else ''}"
    noun = "row" if result.row_count == 1 and not result.truncated else "rows"
    shown = result.row_count if shown_rows is None else min(shown_rows, result.row_count)
    if shown < result.row_count or (result.truncated and shown_rows is not None):
        head = f"showing first {shown:,} of {count} {noun}"
    elif result.truncated:
        head = f"{count} {noun} (cut at the row limit)"
    else:
        head = f"{count} {noun}"
    return f"{head} · {_duration(result.elapsed_ms)}"


def chart_png(result: QueryResult, title: str | None = None) -> bytes | None:
    """The chart of chart_figure() as PNG; None when the result has no chart shape."""
    figure = chart_figure(result, title)
    if figure is None:
        return None
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def chart_figure(result: QueryResult, title: str | None = None) -> Figure | None:
    """A bar chart (category + 1–3 numbers) or line chart (time + 1–3 numbers) with a title (the
    question, say) and both axes labelled; None when the result has another shape."""
    shape = chart_shape(result)
    if shape is None:
        return None
    kind, x_index, y_indexes = shape
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [r for r in result.rows if r[x_index] is not None]
    if kind == "line":
        rows.sort(key=lambda r: _time_key(r[x_index]))
    times = [_time_key(r[x_index]) for r in rows] if kind == "line" else []
    labels = [cell_text(r[x_index], 40) for r in rows]
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / len(y_indexes)
    for n, y in enumerate(y_indexes):
        ys = [_number(r[y]) for r in rows]
        if kind == "line":
            marker = "o" if len(rows) <= 40 else None
            # matplotlib plots datetimes through its unit converters, which its type stubs do not declare.
            axes.plot(times, ys, marker=marker, label=result.columns[y])  # type: ignore[arg-type]
        else:
            positions = [i + (n - (len(y_indexes) - 1) / 2) * width for i in range(len(rows))]
            axes.bar(positions, ys, width=width, label=result.columns[y])
    if kind == "bar":
        many = len(labels) > 6
        axes.set_xticks(range(len(labels)), labels, rotation=45 if many else 0, ha="right" if many else "center")
    else:
        figure.autofmt_xdate()
    axes.set_xlabel(result.columns[x_index])
    if len(y_indexes) == 1:
        axes.set_ylabel(result.columns[y_indexes[0]])
    else:
        axes.set_ylabel(", ".join(result.columns[y] for y in y_indexes))
        axes.legend()
    measures = ", ".join(result.columns[y] for y in y_indexes)
    chart_title = " ".join((title or "").split()) or f"{measures} by {result.columns[x_index]}"
    axes.set_title(chart_title if len(chart_title) <= 90 else chart_title[:89] + "…")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def chart_shape(result: QueryResult) -> tuple[str, int, list[int]] | None:
    """("bar" | "line", x column, numeric columns) when a chart suits the result, else None."""
    if len(result.rows) < 2 or not 2 <= len(result.columns) <= 4:
        return None
    numeric = [i for i in range(len(result.columns)) if _is_numeric_column(result, i)]
    times = [i for i in range(len(result.columns)) if _is_time_column(result, i)]
    others = [i for i in range(len(result.columns)) if i not in numeric]
    if len(others) == 1:
        x = others[0]
        kind = "line" if x in times else "bar"
    elif not others and times:
        x, kind = times[0], "line"  # a numeric year column plus numbers
    else:
        return None
    ys = [i for i in numeric if i != x]
    if not 1 <= len(ys) <= 3:
        return None
    if kind == "bar" and len(result.rows) > MAX_CATEGORIES:
        return None
    return kind, x, ys


def _is_numeric_column(result: QueryResult, index: int) -> bool:
    values = [r[index] for r in result.rows if r[index] is not None]
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _is_time_column(result: QueryResult, index: int) -> bool:
    values = [r[index] for r in result.rows if r[index] is not None]
    if not values:
        return False
    if all(isinstance(v, str) and _TIME_VALUE.match(v) for v in values):
        return True
    return bool(_YEAR_NAME.search(result.columns[index])) and all(
        isinstance(v, int) and not isinstance(v, bool) and 1000 <= v <= 3000 for v in values
    )


def _time_key(value: Value) -> datetime:
    """A time column's value (chart_shape checked it is a year or an ISO date) as a datetime."""
    if isinstance(value, int):
        return datetime(value, 1, 1)
    text = str(value).replace("Z", "+00:00")
    if len(text) == 7:  # "2024-03"
        text += "-01"
    return datetime.fromisoformat(text)


def _number(value: Value) -> float:
    """A numeric column's value (chart_shape checked it is a number) for plotting; NULL is 0."""
    return float(value) if isinstance(value, int | float) else 0.0


def _csv_value(value: Value) -> Value:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_CSV_FORMULA_START) and not _looks_numeric(value):
        return "'" + value
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _duration(ms: float) -> str:
    if ms < 1:
        return "<1 ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"
