"""VannaSqlGenerator against the fake OpenAI server: real Vanna prompt building, our knowledge."""

from __future__ import annotations

import json

import openai
import pytest

from core.sql.generate.offline import OfflineSqlGenerator
from core.sql.generate.vanna import VannaSqlGenerator
from core.sql.knowledge import Example, SqlKnowledge
from core.sql.models import ColumnInfo, TableInfo
from core.vectors.local import LocalVectorStore
from tests.fakes.openai_server import FakeOpenAI

TABLES = [
    TableInfo(
        "orders",
        [
            ColumnInfo("order_id", "INTEGER", primary_key=True),
            ColumnInfo("ship_country", "TEXT"),
            ColumnInfo("total_amount", "NUMERIC", comment="order total in EUR"),
        ],
    ),
    TableInfo("employees", [ColumnInfo("employee_id", "INTEGER", primary_key=True), ColumnInfo("salary", "NUMERIC")]),
]


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def knowledge(minilm, tmp_path) -> SqlKnowledge:
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v"), "sql-vanna")
    knowledge.train(
        TABLES,
        ["Revenue is the sum of total_amount over paid orders."],
        [Example("How many orders went to France?", "SELECT COUNT(*) FROM orders WHERE ship_country = 'France'")],
    )
    return knowledge


def client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5)


def test_sql_reply_becomes_a_proposal_and_prompt_carries_our_knowledge(fake, knowledge, capsys):
    fake.chat_replies.append("```sql\nSELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'\n```")
    generator = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "postgres")
    proposal = generator.generate("How many orders went to Germany?")
    assert proposal.kind == "sql" and proposal.source == "llm"
    assert proposal.sql == "SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'"
    assert proposal.tables == ["orders"]
    (request,) = fake.chat_requests()
    assert request["model"] == "gpt-test" and request["temperature"] == 0.0
    messages = request["messages"]
    system = messages[0]["content"]
    assert "PostgreSQL" in system
    assert "CREATE TABLE orders" in system and "total_amount NUMERIC" in system  # whole table DDL
    assert "Revenue is the sum" in system
    # The saved example is a few-shot pair: user question, assistant SQL.
    assert any(m["role"] == "assistant" and "France" in m["content"] for m in messages)
    assert messages[-1] == {"role": "user", "content": "How many orders went to Germany?"}
    out = capsys.readouterr()
    assert out.out == "" and "CREATE TABLE" not in out.err  # Vanna's prompt printing is silenced


def test_prose_reply_is_a_clarification(fake, knowledge):
    fake.chat_replies.append("Do you mean orders placed or orders shipped in Germany?")
    generator = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite")
    proposal = generator.generate("How many German orders?")
    assert proposal.kind == "clarification"
    assert proposal.sql is None
    assert proposal.message == "Do you mean orders placed or orders shipped in Germany?"
    assert "SQLite" in fake.chat_requests()[0]["messages"][0]["content"]


def test_intermediate_sql_is_never_run(fake, knowledge):
    fake.chat_replies.append("-- intermediate_sql\nSELECT DISTINCT ship_country FROM orders")
    proposal = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite").generate("Orders per region?")
    assert proposal.kind == "clarification"
    assert len(fake.chat_requests()) == 1


def test_history_reaches_the_model(fake, knowledge):
    fake.chat_replies.append("SELECT COUNT(*) FROM orders")
    generator = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite")
    generator.generate("and for France?", history=[{"role": "user", "content": "How many orders went to Germany?"}])
    last = fake.chat_requests()[0]["messages"][-1]["content"]
    assert "How many orders went to Germany?" in last and "and for France?" in last


def test_llm_down_falls_back_or_abstains_with_the_reason(fake, knowledge, tmp_path):
    import sqlite3

    from core.sql.databases.base import SqliteDatabase

    fake.fail_next(500, "upstream exploded", times=2)
    alone = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite").generate("How many orders?")
    assert alone.kind == "abstain" and "could not be reached" in alone.message
    path = tmp_path / "shop.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, ship_country TEXT, total_amount NUMERIC)")
    connection.commit()
    connection.close()
    fallback = OfflineSqlGenerator(SqliteDatabase(path), knowledge)
    proposal = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite", fallback=fallback).generate(
        "How many orders are there?"
    )
    assert proposal.kind == "sql" and proposal.source == "pattern"
    assert "could not be reached" in proposal.message


def test_vanna_training_methods_write_through_to_knowledge(fake, knowledge):
    vanna = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite").vanna
    vanna.train(ddl="CREATE TABLE refunds (refund_id INTEGER PRIMARY KEY, amount NUMERIC)")
    vanna.train(documentation="A refund returns money to a customer.")
    vanna.train(question="Total refunds?", sql="SELECT SUM(amount) FROM refunds")
    data = vanna.get_training_data()
    assert {"ddl", "documentation", "sql"} == set(data["training_data_type"])
    assert "ddl:refunds" in set(data["id"])
    assert knowledge.related_tables("refund amounts", k=1)[0].name == "refunds"
    example_id = data[data["training_data_type"] == "sql"]["id"].iloc[0]
    assert vanna.remove_training_data(example_id) is True
    assert json.dumps(vanna.get_similar_question_sql("Total refunds?"))  # plain JSON-able dicts


def test_bad_dialect_is_refused(fake, knowledge):
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        VannaSqlGenerator(client(fake), "gpt-test", knowledge, "oracle")


def test_the_tokens_vannas_prompt_used_go_to_the_meter(fake, knowledge):
    from tests.core.llm.test_openai import Tally

    tally = Tally()
    fake.chat_total_tokens = 1234
    fake.chat_replies.append("SELECT COUNT(*) FROM orders")
    generator = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite", meter=tally)
    assert generator.generate("How many orders?").kind == "sql"
    assert tally.recorded == [1234]


def test_concurrent_questions_do_not_wait_for_each_other(fake, knowledge):
    """Each thread has its own Vanna object, so two slow model calls overlap and each question
    gets its own reply and token count."""
    import threading
    import time

    from tests.core.llm.test_openai import Tally

    tally = Tally()
    fake.delay_s = 2.0
    fake.chat_total_tokens = 100
    # The saved example names France in every prompt; only the Spain question names Spain.
    fake.chat_handler = (
        lambda body: "SELECT COUNT(*) FROM orders WHERE ship_country = '"
        + ("Spain" if "Spain" in json.dumps(body) else "France")
        + "'"
    )
    generator = VannaSqlGenerator(client(fake), "gpt-test", knowledge, "sqlite", meter=tally)
    generator.prompt("warm up")  # the first use imports Vanna (seconds); not what is measured
    results: dict[str, str | None] = {}

    def ask(country: str) -> None:
        results[country] = generator.generate(f"How many orders shipped to {country}?").sql

    threads = [threading.Thread(target=ask, args=(c,)) for c in ("France", "Spain")]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 3.5  # one delay and some, not two (4 s)
    assert "'France'" in (results["France"] or "") and "'Spain'" in (results["Spain"] or "")
    assert tally.recorded == [100, 100]
