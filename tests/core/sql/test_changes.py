"""Requests to change the database are recognised by their grammar, not by the schema's words."""

from __future__ import annotations

import pytest

from core.sql.changes import change_requested


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("delete all orders from 2023", "delete"),
        ("<@U0BOT> update the price of every product to 0", "update"),
        ("please remove customer 12", "remove"),
        ("Can you delete the cancelled orders?", "delete"),
        ("I want you to drop the orders table", "drop"),
        ("I'd like to delete the cancelled orders", "delete"),
        ("please insert a new customer named Bob", "insert"),
        ("ok, change the status of order 5 to paid", "change"),
        ("drop table orders", "drop"),
        ("delete order 1042", "delete"),
    ],
)
def test_requests_to_change_the_data_name_their_verb(text: str, verb: str) -> None:
    assert change_requested(text) == verb


@pytest.mark.parametrize(
    "text",
    [
        "add up the revenue per month",  # the verb reads
        "update me on sales this week",
        "how many orders were deleted?",  # a question about changes, not a request for one
        "what changed in 2024?",
        "set of products never ordered",
        "change in revenue by month",  # a noun: what changed, asked of the data
        "drop in sales since March?",
        "update on orders shipped this week",
        "add the sales of both stores",  # sums
        "show the update history",
        "drop-off rate by region",  # a hyphenated compound names a thing
        "list customers",
        "Change log for April",  # nouns, not imperatives with an object
        "Change vs last year in revenue",
        "update frequency of dashboards",
        "Remove duplicates and count customers",
        "Update: what were sales last week?",  # questions
        "Change my password: how?",
        "delete",  # a bare word asks for nothing
        "",
    ],
)
def test_questions_and_reading_requests_are_not_changes(text: str) -> None:
    assert change_requested(text) is None
