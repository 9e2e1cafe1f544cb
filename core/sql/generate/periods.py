"""Time in questions: years, months, relative periods ("last month"), per-period buckets, year bounds.

Relative periods are anchored at the latest date in the data when that is earlier than today,
and the note written for the reviewer says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from core.sql.generate.query import Abstain, Filter
from core.sql.generate.schema_index import Column, SchemaIndex
from core.sql.generate.tags import MonthOfYear, Tag, TagKind

LatestDate = Callable[[str, str], "date | None"]  # (table, column) → the newest date in the data

_BUCKET_LENGTH = {"year": 4, "month": 7, "day": 10}


class Periods:
    def __init__(self, schema: SchemaIndex, today: date | None, latest_date: LatestDate | None) -> None:
        self.schema = schema
        self.today = today  # None: the real date at each question (long-running processes)
        self.latest_date = latest_date

    def filters(self, tag: Tag, table: str | None, notes: list[str]) -> list[Filter]:
        """A year, a month or a relative period (tag) as a range on the table's one date column."""
        if table is None:
            raise Abstain(f"'{tag.text}' needs a table with a date")
        dates = [c for c in self.schema.tables[table] if c.kind == "date"]
        years = [c for c in self.schema.tables[table] if c.name.lower() == "year"]
        if tag.kind == TagKind.NUMBER and not dates and len(years) == 1:
            return [Filter(years[0], "=", tag.number)]
        if len(dates) != 1:
            raise Abstain(f"'{tag.text}': {table} has {'no' if not dates else 'several'} date columns")
        column = dates[0]
        start, end = self._range(tag, column, notes)
        return [Filter(column, ">=", start.isoformat()), Filter(column, "<", end.isoformat())]

    def bucket(self, table: str | None, unit: str) -> tuple[Column, int | None]:
        """'per month' over the table's one date column; 'per year' may use a year column."""
        if table is None:
            raise Abstain(f"'per {unit}' needs a table with a date")
        dates = [c for c in self.schema.tables[table] if c.kind == "date"]
        if len(dates) == 1:
            return dates[0], _BUCKET_LENGTH[unit]
        years = [c for c in self.schema.tables[table] if is_year_column(c)]
        if unit == "year" and not dates and len(years) == 1:
            return years[0], None
        raise Abstain(f"'per {unit}': {table} has {'no' if not dates else 'several'} date columns")

    def year_bound(self, column: Column | None, table: str | None, op: str, year: int) -> Filter:
        """'before 1980' on the table's one date or year column: year < 1980, date < '1980-01-01'."""
        if column is None:
            if table is None:
                raise Abstain("a year bound needs a table")
            candidates = [c for c in self.schema.tables[table] if c.kind == "date" or is_year_column(c)]
            if len(candidates) != 1:
                raise Abstain(f"{table} has {'no' if not candidates else 'several'} date or year columns")
            column = candidates[0]
        if is_year_column(column):
            return Filter(column, op, year)
        if column.kind != "date":
            raise Abstain(f"'{column.name}' is not a date")
        # after 1980 starts in 1981; before and since start at 1980
        bound = date(year + 1, 1, 1) if op == ">" else date(year, 1, 1)
        return Filter(column, "<" if op == "<" else ">=", bound.isoformat())

    def _range(self, tag: Tag, column: Column, notes: list[str]) -> tuple[date, date]:
        """The [start, end) of a period; a relative one ("last month") also says how it was read."""
        if tag.kind == TagKind.NUMBER:
            year = int(tag.number)
            return date(year, 1, 1), date(year + 1, 1, 1)
        period = tag.period
        if isinstance(period, MonthOfYear):
            first = date(period.year, period.month, 1)
            return first, _next_month(first)
        today = self.today or date.today()
        latest = self.latest_date(column.table, column.name) if self.latest_date else None
        anchor = latest if latest is not None and latest < today else today
        start, end = _relative_period(period, anchor)
        note = f"“{tag.text.lower()}” = {_describe_period(start, end)}"
        if anchor != today:
            # A reviewer reading "last month" thinks of today's calendar: say why it is not.
            note += (
                f" — the data in {column.table}.{column.name} ends on {anchor.isoformat()}, "
                "so relative dates count from there, not from today"
            )
        notes.append(note + ".")
        return start, end


def is_year(value: object) -> bool:
    return isinstance(value, int) and 1900 <= value <= 2100


def is_year_column(column: Column) -> bool:
    """Open_Year, IndepYear, Year_of_Founded: a year as a number (or as text, as SQLite keeps it)."""
    return column.kind != "date" and column.says("year")


def _relative_period(kind: str, anchor: date) -> tuple[date, date]:
    month_start = anchor.replace(day=1)
    if kind == "this_year":
        return anchor.replace(month=1, day=1), anchor.replace(year=anchor.year + 1, month=1, day=1)
    if kind == "last_year":
        return anchor.replace(year=anchor.year - 1, month=1, day=1), anchor.replace(month=1, day=1)
    if kind == "this_month":
        return month_start, _next_month(month_start)
    if kind == "last_month":
        return (month_start - timedelta(days=1)).replace(day=1), month_start
    week_start = anchor - timedelta(days=anchor.weekday())
    return week_start - timedelta(days=7), week_start


def _describe_period(start: date, end: date) -> str:
    """'2024', 'November 2024' or '2024-12-16 to 2024-12-22' for [start, end)."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 1, 1) and end.year == start.year + 1:
        return str(start.year)
    if start.day == 1 and end == _next_month(start):
        return start.strftime("%B %Y")
    return f"{start.isoformat()} to {(end - timedelta(days=1)).isoformat()}"


def _next_month(day: date) -> date:
    return day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)
