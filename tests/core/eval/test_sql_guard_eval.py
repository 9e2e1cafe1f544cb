"""`eval sql --guard`: every gold query of a Spider-format folder must pass the guard and still run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from core.eval.sql_guard import guard_eval

SPIDER_DEV = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "spider_dev"


def make_spider(root: Path) -> Path:
    db_dir = root / "database" / "shop"
    db_dir.mkdir(parents=True)
    conn = sqlite3.connect(db_dir / "shop.sqlite")
    conn.executescript(
        """
        CREATE TABLE Customer (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
        CREATE TABLE "Order" (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES Customer(id), total REAL);
        INSERT INTO Customer VALUES (1, 'Zoë', 'France'), (2, 'Bob', 'Germany');
        INSERT INTO "Order" VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7);
        """
    )
    conn.commit()
    conn.close()
    questions = [
        {"db_id": "shop", "question": "How many customers?", "query": "SELECT count(*) FROM customer"},
        {"db_id": "shop", "question": "Names in France", "query": 'SELECT name FROM Customer WHERE country = "France"'},
        {
            "db_id": "shop",
            "question": "Totals",
            "query": 'SELECT T1.name, sum(T2.total) FROM Customer AS T1 JOIN "Order" AS T2 ON T1.id = T2.customer_id'
            " GROUP BY T1.name ORDER BY sum(T2.total) DESC LIMIT 1",
        },
        {
            "db_id": "shop",
            "question": "Not in Germany",
            "query": "SELECT name FROM customer EXCEPT SELECT name FROM customer WHERE country = 'Germany'",
        },
        {"db_id": "gone", "question": "Missing database", "query": "SELECT 1"},
    ]
    (root / "dev.json").write_text(json.dumps(questions), encoding="utf-8")
    return root


def test_guard_eval_on_a_small_spider_folder(tmp_path: Path) -> None:
    report = guard_eval(make_spider(tmp_path))
    assert report["questions"] == 5 and report["checked"] == 4
    assert report["skipped_missing_db"] == 1 and report["missing_db_ids"] == ["gone"]
    assert report["blocked"] == 0 and report["false_block_rate"] == 0.0
    assert report["limit_added"] == 3
    assert report["executed"] == 4 and report["same_result"] == 4 and report["run_errors"] == 0


def test_guard_eval_reports_blocks(tmp_path: Path) -> None:
    root = make_spider(tmp_path)
    items = json.loads((root / "dev.json").read_text())
    items.append({"db_id": "shop", "question": "Sneaky", "query": "SELECT * FROM sqlite_master"})
    (root / "dev.json").write_text(json.dumps(items))
    report = guard_eval(root, db_ids=["shop"])
    assert report["checked"] == 5 and report["blocked"] == 1 and report["false_block_rate"] == 0.2
    assert "System catalog" in report["blocked_examples"][0]["reason"]


def test_guard_eval_needs_a_spider_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"dev\.json"):
        guard_eval(tmp_path)


@pytest.mark.slow  # the whole evaluation: 972 queries
@pytest.mark.skipif(not (SPIDER_DEV / "dev.json").is_file(), reason="Spider dev set not present")
def test_every_spider_dev_gold_query_passes() -> None:
    report = guard_eval(SPIDER_DEV)
    assert report["checked"] >= 972
    assert report["blocked"] == 0, report["blocked_examples"]
    assert report["run_errors"] == 0, report["run_error_examples"]
    assert report["same_result"] == report["executed"], report["mismatch_examples"]
