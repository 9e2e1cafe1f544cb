"""A small shop database for the saved-query adaptation tests (value swaps need real data)."""

from __future__ import annotations

import pytest

from core.sql.databases.base import SqliteDatabase
from tests.support.sqlite import sqlite_database


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> SqliteDatabase:
    return sqlite_database(
        tmp_path_factory.mktemp("shop") / "shop.sqlite",
        """
        CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT, country TEXT);
        CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(customer_id),
                             ship_country TEXT, status TEXT);
        INSERT INTO customers VALUES (1, 'Ann O''Brien', 'Germany'), (2, 'Bo Li', 'France'), (3, 'Cy Dee', 'Spain');
        INSERT INTO orders VALUES (1, 1, 'Germany', 'paid'), (2, 2, 'France', 'shipped'), (3, 3, 'Italy', 'paid');
        """,
    )
