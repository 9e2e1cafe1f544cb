"""The SQL commands: sql, approve, reject, check-sql (through argparse, on a real SQLite file)."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.commands import sql as sql_commands
from core.sql.approvals import ApprovalStore
from core.sql.databases.base import SqliteDatabase
from core.sql.generate.base import SqlProposal
from core.sql.guard import SqlGuard
from core.sql.service import SqlService


class FixedGenerator:
    def generate(self, question: str, history: list[dict] | None = None) -> SqlProposal:
        if question == "sales by region":
            return SqlProposal(
                "sql", "SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region", ""
            )
        if question == "wipe":
            return SqlProposal("sql", "DELETE FROM sales", "")
        return SqlProposal("abstain", None, "I can't answer that offline.", similar=["sales by region"])


@pytest.fixture
def run_cli(tmp_path: Path, local_kv):
    path = tmp_path / "sales.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount REAL)")
    conn.executemany("INSERT INTO sales VALUES (?, ?, ?)", [(1, "North", 10.0), (2, "South", 5.5), (3, "North", 2.0)])
    conn.commit()
    conn.close()
    db = SqliteDatabase(path)
    services = SimpleNamespace(
        sql=SqlService(
            db=db,
            guard=SqlGuard("sqlite", {"sales"}),
            generator=FixedGenerator(),
            approvals=ApprovalStore(local_kv),
            approvers=frozenset(),
        )
    )
    parser = argparse.ArgumentParser()
    sql_commands.register(parser.add_subparsers(), lambda: services)

    def run(*argv: str) -> int:
        args = parser.parse_args(argv)
        return args.func(args, lambda: services)

    return run


def test_ask_approve_and_files(run_cli, capsys, tmp_path: Path) -> None:
    assert run_cli("sql", "sales by region") == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0]
        == "SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region LIMIT 1000"
    )
    query_id = out.split("pending id: ")[1].split()[0]

    csv_file, chart = tmp_path / "out.csv", tmp_path / "chart.png"
    assert run_cli("approve", query_id, "--csv", str(csv_file), "--chart", str(chart)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["region", "|", "total"]
    assert lines[2].split() == ["North", "|", "12"] and lines[3].split() == ["South", "|", "5.5"]
    assert lines[-1].startswith("2 rows · ")
    assert csv_file.read_text(encoding="utf-8").splitlines() == ["region,total", "North,12.0", "South,5.5"]
    assert chart.read_bytes().startswith(b"\x89PNG")

    assert run_cli("approve", query_id) == 1
    assert "already ran" in capsys.readouterr().err


def test_refusals_abstentions_and_reject(run_cli, capsys) -> None:
    assert run_cli("sql", "wipe") == 1
    assert "DELETE" in capsys.readouterr().err
    assert run_cli("sql", "what is love") == 0
    assert "similar: sales by region" in capsys.readouterr().out
    run_cli("sql", "sales by region", "--user", "U1")
    query_id = capsys.readouterr().out.split("pending id: ")[1].split()[0]
    assert run_cli("reject", query_id, "--user", "U2") == 1
    assert "or an approver" in capsys.readouterr().err
    assert run_cli("reject", query_id, "--user", "U1") == 0
    assert run_cli("approve", query_id, "--user", "U1", "--json") == 1
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["status"] == "refused"


def test_check_sql_reads_json_lines(run_cli, capsys, tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "queries.jsonl"
    source.write_text(
        '{"sql": "SELECT * FROM orders"}\n'
        '{"sql": "SELECT 1; DROP TABLE orders"}\n'
        "\n"
        "not json\n"
        '{"sql": "SELECT * FROM sqlite_master"}\n',
        encoding="utf-8",
    )
    assert run_cli("check-sql", "--dialect", "sqlite", str(source)) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["allowed"] for r in rows] == [True, False, False, False]
    assert rows[0] == {"sql": "SELECT * FROM orders", "allowed": True, "reason": None}
    assert "one statement" in rows[1]["reason"] and "not JSON" in rows[2]["reason"]
    assert "System catalog" in rows[3]["reason"]

    monkeypatch.setattr("sys.stdin", io.StringIO('{"sql": "SELECT * FROM payroll"}\n'))
    assert run_cli("check-sql", "--tables", "orders,customers", "-") == 0
    assert "not part of the trained schema" in json.loads(capsys.readouterr().out)["reason"]

    assert run_cli("check-sql", str(tmp_path / "missing.jsonl")) == 2
    assert "cannot read" in capsys.readouterr().err


def test_approve_refuses_an_unwritable_csv_or_chart_before_running(run_cli, capsys, tmp_path: Path) -> None:
    assert run_cli("sql", "sales by region") == 0
    query_id = capsys.readouterr().out.split("pending id: ")[1].split()[0]
    assert run_cli("approve", query_id, "--csv", str(tmp_path)) == 2
    assert capsys.readouterr().err == f"error: cannot write {tmp_path}: it is a folder\n"
    assert run_cli("approve", query_id, "--chart", str(tmp_path / "no" / "chart.png")) == 2
    assert "its folder does not exist" in capsys.readouterr().err
    # Nothing ran: the query still runs, once, with a file it can write.
    assert run_cli("approve", query_id, "--csv", str(tmp_path / "out.csv")) == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("region,total")
