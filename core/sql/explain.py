"""What PostgreSQL's planner expects of a query before anyone approves it, in plain words.

The estimate comes from `EXPLAIN (FORMAT JSON)` — never `EXPLAIN ANALYZE`, which would run the
query — inside the same read-only, time-limited transaction approved queries run in. Estimates
are the planner's guesses from table statistics: good for "this reads a 5-million-row table",
not for exact counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A table this large read whole (a sequential scan) is worth a second look before approving.
LARGE_TABLE_ROWS = 100_000


@dataclass(frozen=True)
class SequentialScan:
    table: str
    table_rows: int  # the planner's size of the whole table (pg_class.reltuples)


@dataclass(frozen=True)
class PlanEstimate:
    rows: int  # rows the query is expected to return
    cost: float  # the planner's total cost (arbitrary units, comparable between queries)
    rows_before_limit: int | None  # rows expected before the LIMIT cut them, when there is one
    sequential_scans: tuple[SequentialScan, ...] = ()

    def describe(self, max_rows: int, large_table_rows: int = LARGE_TABLE_ROWS) -> str:
        """One line with the estimate, then one ⚠ line per reason to look twice."""
        noun = "row" if self.rows == 1 else "rows"
        lines = [f"Estimate (PostgreSQL EXPLAIN; nothing ran): ~{self.rows:,} {noun}, cost {self.cost:,.0f}."]
        for scan in self.sequential_scans:
            if scan.table_rows >= large_table_rows:
                lines.append(
                    f"⚠ Reads all of {scan.table} (~{scan.table_rows:,} rows) — a filter on an indexed column helps."
                )
        matching = self.rows_before_limit if self.rows_before_limit is not None else self.rows
        if matching > max_rows:
            lines.append(f"⚠ About {matching:,} rows match; only the first {max_rows:,} are fetched.")
        return "\n".join(lines)


def parse_plan(document: Any) -> tuple[int, float, int | None, list[str]]:
    """(rows, total cost, rows before the top LIMIT, relations read by a Seq Scan) from EXPLAIN JSON."""
    top = document[0]["Plan"] if isinstance(document, list) else document["Plan"]
    before_limit = None
    if top.get("Node Type") == "Limit" and top.get("Plans"):
        before_limit = int(top["Plans"][0].get("Plan Rows", 0))
    scanned: list[str] = []
    stack = [top]
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name"):
            schema = node.get("Schema")
            name = node["Relation Name"]
            qualified = f"{schema}.{name}" if schema else name
            if qualified not in scanned:
                scanned.append(qualified)
        stack.extend(node.get("Plans", []))
    return int(top.get("Plan Rows", 0)), float(top.get("Total Cost", 0.0)), before_limit, scanned
