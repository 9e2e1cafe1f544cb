"""`python -m bot ask` routes like Slack: documents with citations, SQL with a pending id, or both."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import pytest

from bot.commands import ask
from bot.settings import Settings
from bot.wiring import Services

POLICY = b"# Returns policy\n\nCustomers may return an item within 30 days of delivery for a full refund.\n"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory, minilm: object) -> Services:
    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("ask-cli"), openai_api_key="", redis_url="", database_url=""
    )
    services = Services(settings)
    services.__dict__["embedder"] = minilm  # the session's loaded model
    assert services.documents.ingest(POLICY, "returns-policy.md", channel="C1", team_id="T1").ok
    return services


@pytest.fixture
def run(services: Services, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    parser = argparse.ArgumentParser()
    ask.register(parser.add_subparsers(dest="command"), lambda: services)

    def _run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(list(argv))
        code = args.func(args, lambda: services)
        return code, capsys.readouterr().out

    return _run


def test_a_document_question_prints_the_answer_and_its_sources(run: Callable[..., tuple[int, str]]) -> None:
    code, out = run("ask", "How many days do customers have to return an item?")
    assert code == 0 and "30 days" in out and "[1] returns-policy.md" in out


def test_a_data_question_prints_sql_and_its_pending_id(run: Callable[..., tuple[int, str]], services: Services) -> None:
    code, out = run("ask", "How many orders per month in 2024?", "--user", "U7")
    assert code == 0 and "SELECT" in out.upper() and "-- pending id: " in out
    query_id = out.split("-- pending id: ")[1].split()[0]
    pending = services.sql.get(query_id)
    assert pending is not None and pending.requester == "U7"


def test_json_keeps_answer_mode_citations_and_adds_the_typed_reply(run: Callable[..., tuple[int, str]]) -> None:
    code, out = run("ask", "How many days do customers have to return an item?", "--channel", "C1", "--json")
    reply = json.loads(out)
    assert code == 0 and reply["kind"] == "documents" and reply["route"]["kind"] == "docs"
    assert "30 days" in reply["answer"] and reply["mode"] in ("extractive", "llm")
    assert reply["citations"][0]["file_name"] == "returns-policy.md"
    data = json.loads(run("ask", "How many orders per month in 2024?", "--json")[1])
    assert data["kind"] == "sql" and data["sql"]["proposal"]["id"] and data["citations"] == []


def test_docs_only_never_proposes_sql(run: Callable[..., tuple[int, str]]) -> None:
    reply = json.loads(run("ask", "How many orders per month in 2024?", "--docs-only", "--json")[1])
    assert reply["route"]["kind"] == "docs" and reply["sql"] is None


def test_nothing_found_names_the_tables(run: Callable[..., tuple[int, str]]) -> None:
    code, out = run("ask", "What is the airspeed velocity of an unladen swallow?")
    # Neither the schema nor the returns policy knows the subject: the reply names it, and the tables.
    assert code == 0 and out.startswith("I don't have data about airspeed velocities") and "orders" in out


def test_a_concept_no_source_knows_is_named_with_the_tables(run: Callable[..., tuple[int, str]]) -> None:
    code, out = run("ask", "average satisfaction score by support agent", "--channel", "C1")
    assert code == 0 and out.startswith("I don't have data about satisfaction scores; tables I know:"), out
    assert "orders" in out and "30 days" not in out  # no unrelated quote from the returns policy


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("who is the CEO", "I don't have data about CEOs;"),
        ("combien de commandes ont été passées en 2023 ?", "I couldn't find anything about “combien” in the documents"),
    ],
)
def test_the_missing_concept_is_named_in_english_only_when_it_is_english(
    run: Callable[..., tuple[int, str]], question: str, reply: str
) -> None:
    code, out = run("ask", question, "--channel", "C1")
    assert code == 0 and out.startswith(reply) and "orders" in out, out


def test_an_empty_question_is_refused_with_a_message(services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    ask.register(parser.add_subparsers(dest="command"), lambda: services)
    args = parser.parse_args(["ask", "  "])
    assert args.func(args, lambda: services) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err.startswith("error: the question is empty")
