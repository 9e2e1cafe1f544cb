"""Schema of the bundled sample shop, written once for both SQLite and PostgreSQL.

Column comments double as synonyms for the offline generator ("revenue", "spend"…), so they are
kept in one place and emitted as `COMMENT ON` for PostgreSQL and as SQL comments for SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleColumn:
    name: str
    sqlite_type: str
    postgres_type: str
    constraint: str = ""
    comment: str = ""


@dataclass(frozen=True)
class SampleTable:
    name: str
    comment: str
    columns: tuple[SampleColumn, ...]


TABLES: tuple[SampleTable, ...] = (
    SampleTable(
        "customers",
        "People and companies who have an account with the shop",
        (
            SampleColumn("customer_id", "INTEGER", "INTEGER", "PRIMARY KEY"),
            SampleColumn("name", "TEXT", "TEXT", "NOT NULL", "full name of the customer"),
            SampleColumn("email", "TEXT", "TEXT", "NOT NULL UNIQUE"),
            SampleColumn("country", "TEXT", "TEXT", "NOT NULL", "country of the billing address"),
            SampleColumn("city", "TEXT", "TEXT", "NOT NULL"),
            SampleColumn("segment", "TEXT", "TEXT", "NOT NULL", "consumer, business or education"),
            SampleColumn("signup_date", "TEXT", "DATE", "NOT NULL", "date the account was created"),
        ),
    ),
    SampleTable(
        "products",
        "Items the shop sells",
        (
            SampleColumn("product_id", "INTEGER", "INTEGER", "PRIMARY KEY"),
            SampleColumn("name", "TEXT", "TEXT", "NOT NULL", "product name"),
            SampleColumn("category", "TEXT", "TEXT", "NOT NULL", "product category"),
            SampleColumn("unit_price", "NUMERIC(10,2)", "NUMERIC(10,2)", "NOT NULL", "list price in EUR"),
            SampleColumn("in_stock", "INTEGER", "INTEGER", "NOT NULL", "units in the warehouse"),
        ),
    ),
    SampleTable(
        "orders",
        "One row per order placed by a customer",
        (
            SampleColumn("order_id", "INTEGER", "INTEGER", "PRIMARY KEY"),
            SampleColumn("customer_id", "INTEGER", "INTEGER", "NOT NULL REFERENCES customers(customer_id)"),
            SampleColumn("order_date", "TEXT", "DATE", "NOT NULL", "date the order was placed"),
            SampleColumn(
                "status",
                "TEXT",
                "TEXT",
                "NOT NULL",
                "pending, paid, shipped, delivered, cancelled or refunded",
            ),
            SampleColumn("ship_country", "TEXT", "TEXT", "NOT NULL", "country the order ships to"),
            SampleColumn("total_amount", "NUMERIC(10,2)", "NUMERIC(10,2)", "NOT NULL", "order total in EUR"),
        ),
    ),
    SampleTable(
        "order_items",
        "Lines of an order: which product, how many, at what price",
        (
            SampleColumn("order_item_id", "INTEGER", "INTEGER", "PRIMARY KEY"),
            SampleColumn("order_id", "INTEGER", "INTEGER", "NOT NULL REFERENCES orders(order_id)"),
            SampleColumn("product_id", "INTEGER", "INTEGER", "NOT NULL REFERENCES products(product_id)"),
            SampleColumn("quantity", "INTEGER", "INTEGER", "NOT NULL", "units ordered"),
            SampleColumn("unit_price", "NUMERIC(10,2)", "NUMERIC(10,2)", "NOT NULL", "price paid per unit in EUR"),
        ),
    ),
)


def create_statements(dialect: str) -> list[str]:
    """CREATE TABLE (and, for PostgreSQL, COMMENT ON) statements in dependency order."""
    statements: list[str] = []
    for table in TABLES:
        lines = []
        for index, column in enumerate(table.columns):
            kind = column.postgres_type if dialect == "postgres" else column.sqlite_type
            comma = "," if index < len(table.columns) - 1 else ""
            line = f"  {column.name} {kind} {column.constraint}".rstrip() + comma
            # SQLite keeps CREATE TABLE text verbatim, so comments survive introspection there.
            if dialect != "postgres" and column.comment:
                line += f" -- {column.comment}"
            lines.append(line)
        body = "\n".join(lines)
        statements.append(f"CREATE TABLE {table.name} (\n{body}\n)")
        if dialect == "postgres":
            statements.append(f"COMMENT ON TABLE {table.name} IS {_quote(table.comment)}")
            for column in table.columns:
                if column.comment:
                    statements.append(f"COMMENT ON COLUMN {table.name}.{column.name} IS {_quote(column.comment)}")
    return statements


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
