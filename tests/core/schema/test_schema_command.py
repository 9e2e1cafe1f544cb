"""`python -m bot schema` on a real PostgreSQL schema with COMMENT ON and a descriptions file."""

from __future__ import annotations

import argparse
import json

import psycopg
import pytest

from bot.commands import schema as schema_command
from bot.settings import Settings
from bot.wiring import Services, SettingsError


def run(argv: list[str], services: Services) -> int:
    parser = argparse.ArgumentParser()
    schema_command.register(parser.add_subparsers(dest="command"), lambda: services)
    args = parser.parse_args(argv)
    return args.func(args, lambda: services)


def test_schema_command_shows_words_comments_and_descriptions(pg_scratch_url, tmp_path, minilm, capsys) -> None:
    with psycopg.connect(pg_scratch_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sbCustomer (sbCustId int PRIMARY KEY, sbCustName text, sbCustSt text)")
        conn.execute("CREATE TABLE sbDailyPrice (sbDpTickerId int, sbDpDate date, sbDpClose numeric)")
        conn.execute("CREATE TABLE sbTxn (sbTxnId int, sbTxnCustId int, sbTxnAmt numeric)")
        conn.execute("COMMENT ON COLUMN sbTxn.sbTxnAmt IS 'money the customer paid'")
    descriptions = tmp_path / "descriptions.yaml"
    descriptions.write_text("sbcustomer:\n  sbcustst: US state of residence\n")
    services = Services(
        Settings(data_dir=tmp_path / "data", database_url=pg_scratch_url, schema_descriptions_file=str(descriptions))
    )
    services.__dict__["embedder"] = minilm

    assert run(["schema", "--json", "--match", "money paid by each client"], services) == 0
    report = json.loads(capsys.readouterr().out)
    tables = {t["name"]: t for t in report["tables"]}
    assert tables["sbcustomer"]["phrase"] == "customer" and tables["sbcustomer"]["prefix"] == "sb"
    columns = {c["name"]: c for t in report["tables"] for c in t["columns"]}
    assert columns["sbcustname"]["words"] == ["customer", "name"]  # folded by PostgreSQL, still understood
    assert columns["sbdpclose"]["prefix"] == "sbdp" and columns["sbdpclose"]["phrase"] == "close"
    assert columns["sbtxnamt"]["comment"] == "money the customer paid"
    assert columns["sbcustst"]["description"] == "US state of residence"
    sources = {(m["table"], m["column"], m["source"]) for m in report["matches"]}
    assert ("sbtxn", "sbtxnamt", "comment") in sources
    assert ("sbcustomer", None, "synonym") in sources

    assert run(["schema", "--table", "sbtxn"], services) == 0
    text = capsys.readouterr().out
    assert "sbtxnamt" in text and "transaction amount" in text and "money the customer paid" in text
    assert run(["schema", "--table", "nope"], services) == 2
    assert "no table named nope" in capsys.readouterr().err


def test_bad_descriptions_file_names_the_variable(tmp_path, minilm, capsys) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text("- not a mapping\n")
    services = Services(Settings(data_dir=tmp_path / "data", schema_descriptions_file=str(bad)))
    services.__dict__["embedder"] = minilm
    # The CLI's main prints a SettingsError as "error: …" and exits 2.
    with pytest.raises(SettingsError, match="SCHEMA_DESCRIPTIONS_FILE.*mapping of table"):
        run(["schema"], services)
