"""Business metrics written into the documentation file, as measures for the pattern engine.

Beside its prose, a documentation paragraph may carry one line per metric:

    revenue: SUM(orders.total_amount) WHERE orders.status IN ('paid', 'shipped', 'delivered')

that is `names: AGGREGATE([DISTINCT] table.column) [WHERE condition [AND condition …]]`, where
names are one or more comma-separated words or phrases ("average order value, aov"), the
aggregate is SUM, AVG, COUNT, MIN or MAX, and each condition is `table.column OP literal`
(OP one of = != <> < <= > >=), `table.column [NOT] IN (literal, …)` or `table.column IS [NOT]
NULL`, with 'quoted text' ('' for a quote inside) or numbers as literals. The line may be a
Markdown list item and may sit in backticks. The offline engine reads the metric's name as
that aggregate with its conditions always applied: "revenue in 2022" sums the totals of the
paid orders of 2022, never of all orders. Anything richer (ratios, CASE) stays prose, for the
LLM and for people.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.sql.generate.query import Filter, Select
from core.sql.generate.schema_index import Column, SchemaIndex
from core.sql.generate.tokens import tokenize

log = logging.getLogger(__name__)

FORMAT = "names: AGGREGATE(table.column) [WHERE table.column = 'value' AND table.column IN ('a', 'b') …]"
# A line that starts like a metric ("revenue: SUM(") must be one: a typo is an error, not prose.
# The aggregate touches its parenthesis, so prose such as "Totals: sum (in EUR) of …" is not one.
_START = re.compile(
    r"^\s*(?:[-*]\s+)?`?\s*(?P<names>[A-Za-z][\w '-]*(?:,\s*[A-Za-z][\w '-]*)*?)\s*:\s*(?=(?:sum|avg|count|min|max)\()",
    re.I,
)
_BODY = re.compile(
    r"(?P<agg>sum|avg|count|min|max)\(\s*(?P<distinct>distinct\s+)?(?P<table>\w+)\.(?P<column>\w+)\s*\)"
    r"(?:\s+where\s+(?P<where>.+?))?\s*`?\s*$",
    re.I,
)
_LITERAL = r"'(?:[^']|'')*'|-?\d+(?:\.\d+)?"
_CONDITION = re.compile(
    rf"(?P<table>\w+)\.(?P<column>\w+)\s*(?:"
    rf"(?P<op><=|>=|<>|!=|=|<|>)\s*(?P<value>{_LITERAL})"
    rf"|(?P<in>not\s+in|in)\s*\((?P<values>\s*(?:{_LITERAL})(?:\s*,\s*(?:{_LITERAL}))*\s*)\)"
    rf"|is\s+(?P<not_null>not\s+)?null)$",
    re.I,
)
# AND outside quotes: an even number of quotes follows it.
_AND = re.compile(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", re.I)


@dataclass(frozen=True)
class Condition:
    table: str
    column: str
    op: str  # = != < <= > >= IN, NOT IN, IS, IS NOT
    value: object  # str | int | float, a list for IN, None for IS [NOT] NULL


@dataclass(frozen=True)
class Metric:
    names: tuple[str, ...]
    aggregate: str
    table: str
    column: str
    distinct: bool
    conditions: tuple[Condition, ...]


@dataclass
class Measure:
    """A metric resolved against the schema: what to select and the conditions it requires."""

    select: Select
    required: list[Filter]


def find_metrics(paragraphs: Iterable[str]) -> tuple[list[Metric], list[str]]:
    """(metrics, errors): every metric line of the documentation, and why malformed ones fail."""
    metrics: list[Metric] = []
    errors: list[str] = []
    for paragraph in paragraphs:
        for line in paragraph.splitlines():
            start = _START.match(line)
            if start is None:
                continue
            try:
                metrics.append(_parse(start.group("names"), line[start.end() :]))
            except ValueError as error:
                errors.append(f"metric line “{line.strip()}”: {error}")
    return metrics, errors


def _parse(names: str, body: str) -> Metric:
    match = _BODY.fullmatch(body.strip())
    if match is None:
        raise ValueError(f"write it as {FORMAT}")
    conditions = [_condition(part) for part in _AND.split(match.group("where"))] if match.group("where") else []
    return Metric(
        names=tuple(name.strip().lower() for name in names.split(",") if name.strip()),
        aggregate=match.group("agg").upper(),
        table=match.group("table"),
        column=match.group("column"),
        distinct=match.group("distinct") is not None,
        conditions=tuple(conditions),
    )


def _condition(text: str) -> Condition:
    match = _CONDITION.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"the condition “{text.strip()}” is not table.column OP literal, [NOT] IN (…) or IS [NOT] NULL"
        )
    table, column = match.group("table"), match.group("column")
    if match.group("op"):
        op = "!=" if match.group("op") == "<>" else match.group("op")
        return Condition(table, column, op, _literal(match.group("value")))
    if match.group("in"):
        values = [_literal(v) for v in re.findall(_LITERAL, match.group("values"))]
        return Condition(table, column, " ".join(match.group("in").upper().split()), values)
    return Condition(table, column, "IS NOT" if match.group("not_null") else "IS", None)


def _literal(text: str) -> object:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return float(text) if "." in text else int(text)


def measures_by_phrase(metrics: Iterable[Metric], schema: SchemaIndex) -> dict[tuple[str, ...], Measure]:
    """Each name of each metric whose columns exist, as the engine's words (singular lemmas)."""
    phrases: dict[tuple[str, ...], Measure] = {}
    for metric in metrics:
        try:
            measure = _measure(metric, schema)
        except ValueError as error:  # a stale definition must not stop every other question
            log.warning("business metric %s ignored: %s", metric.names[0], error)
            continue
        for name in metric.names:
            phrase = tuple(word.lemma for word in tokenize(name))
            if phrase:
                phrases[phrase] = measure
    return phrases


def _measure(metric: Metric, schema: SchemaIndex) -> Measure:
    column = _column(schema, metric.table, metric.column)
    if metric.aggregate in ("SUM", "AVG") and column.kind != "number" and not column.numeric_text:
        raise ValueError(f"{metric.table}.{metric.column} is not a number to {metric.aggregate}")
    label = re.sub(r"\W+", "_", metric.names[0]).strip("_")
    required = [Filter(_column(schema, c.table, c.column), c.op, c.value) for c in metric.conditions]
    return Measure(Select(column, metric.aggregate, metric.distinct, label), required)


def _column(schema: SchemaIndex, table: str, name: str) -> Column:
    matches = [t for t in schema.tables if t.lower() == table.lower()]
    column = schema.column(matches[0], name) if matches else None
    if column is None:
        raise ValueError(f"the database has no column {table}.{name}")
    return column
