"""Spider-style evaluation and the `train` / `eval sql` commands, on small fixtures."""

from __future__ import annotations

import argparse
import json
import sqlite3

import pytest

from bot.commands import sql_eval as commands
from bot.settings import Settings
from bot.wiring import Services
from core.eval.sql_eval import evaluate, results_match
from tests.fakes.openai_server import FakeOpenAI


def test_results_match_like_spider():
    assert results_match([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], ordered=False)
    assert not results_match([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], ordered=True)
    assert results_match([(1, "a")], [("a", 1)], ordered=False)  # column order is free
    assert not results_match([(1,), (1,)], [(1,)], ordered=False)  # multisets, not sets
    assert not results_match([(1,)], [(1, 2)], ordered=False)
    assert results_match([(0.1 + 0.2,)], [(0.3,)], ordered=False)
    assert results_match([], [], ordered=False)
    assert not results_match([(1,)], RuntimeError("no such column"), ordered=False)


@pytest.fixture
def spider(tmp_path):
    """A two-database Spider-like folder: dev.json, database/<id>/<id>.sqlite; one id has no file."""
    root = tmp_path / "spider"
    path = root / "database" / "shop" / "shop.sqlite"
    path.parent.mkdir(parents=True)
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER);
        INSERT INTO singer VALUES (1, 'Joe', 'France', 52), (2, 'Ann', 'Netherlands', 32), (3, 'Tim', 'France', 25);
        """
    )
    connection.commit()
    connection.close()
    questions = [
        {"db_id": "shop", "question": "How many singers do we have?", "query": "SELECT count(*) FROM singer"},
        {
            "db_id": "shop",
            "question": "What is the average age of singers from France?",
            "query": "SELECT avg(age) FROM singer WHERE country = 'France'",
        },
        {
            "db_id": "shop",
            "question": "Show names of singers ordered by age.",
            "query": "SELECT name FROM singer ORDER BY age",
        },
        {
            "db_id": "shop",
            "question": "Which singers share a birthday with their producer?",
            "query": "SELECT name FROM singer",
        },
        {"db_id": "missing_db", "question": "How many players?", "query": "SELECT count(*) FROM players"},
    ]
    (root / "dev.json").write_text(json.dumps(questions))
    return root


def test_offline_and_llm_paths_are_scored(spider, minilm, tmp_path):
    with FakeOpenAI() as fake:
        # The fake LLM answers every question with the count query: right once, wrong otherwise.
        fake.chat_handler = lambda body: "SELECT count(*) FROM singer"
        import openai

        client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5)
        report = evaluate(
            spider, commands.generator_factory(minilm, tmp_path / "scratch", client, "gpt-test"), keep_mistakes=5
        )
        chat = fake.chat_requests()
    offline = report["offline"]
    assert offline["questions"] == 4  # the database without a file is skipped
    assert offline["answered"] == 3 and offline["correct"] == 3
    assert offline["execution_accuracy_on_answered"] == 100.0
    assert offline["overall_accuracy"] == 75.0
    llm = report["llm"]
    assert llm["answered"] == 4 and llm["correct"] == 1
    assert len(report["mistakes"]["llm"]) == 3
    # No Spider question was trained as an example: the prompt carries no few-shot pairs.
    assert all([m["role"] for m in body["messages"]] == ["system", "user"] for body in chat)


def run_command(argv: list[str], services: Services) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    commands.register(sub, lambda: services)
    args = parser.parse_args(argv)
    return args.func(args, lambda: services)


def offline_services(tmp_path, minilm, **settings) -> Services:
    services = Services(Settings(data_dir=tmp_path / "data", openai_api_key="", database_url="", **settings))
    services.__dict__["embedder"] = minilm  # the session's loaded model instead of a second copy
    return services


def test_eval_sql_command_prints_offline_json(spider, tmp_path, minilm, capsys):
    services = offline_services(tmp_path, minilm)
    assert run_command(["eval", "sql", "--spider", str(spider), "--db-ids", "shop", "--limit", "2"], services) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"offline"}
    assert report["offline"]["questions"] == 2 and report["offline"]["answered_pct"] == 100.0


def test_eval_sql_command_refuses_a_folder_without_dev_json(tmp_path, minilm, capsys):
    services = offline_services(tmp_path, minilm)
    assert run_command(["eval", "sql", "--spider", str(tmp_path)], services) == 2
    assert "dev.json not found" in capsys.readouterr().err


@pytest.mark.slow
def test_train_command_is_idempotent_on_the_sample(tmp_path, minilm, capsys):
    services = offline_services(tmp_path, minilm)
    assert run_command(["train"], services) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["tables"] == ["customers", "order_items", "orders", "products"]
    assert first["documentation"] >= 5 and first["examples"] >= 5
    assert first["examples_file"].endswith("examples.json")
    records = len(services.knowledge.records())
    assert run_command(["train"], services) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["removed"] == 0 and len(services.knowledge.records()) == records


def test_train_command_with_own_files_and_bad_file(tmp_path, minilm, capsys):
    services = offline_services(tmp_path, minilm)
    docs = tmp_path / "terms.md"
    docs.write_text("Churn is a customer without orders for a year.\n")
    examples = tmp_path / "examples.json"
    examples.write_text('[{"question": "How many customers?", "sql": "SELECT COUNT(*) FROM customers"}]')
    assert run_command(["train", "--docs", str(docs), "--examples", str(examples)], services) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["documentation"] == 1 and summary["examples"] == 1
    examples.write_text("[{]")
    assert run_command(["train", "--examples", str(examples)], services) == 2
    assert "not a JSON list" in capsys.readouterr().err
