"""The assistant end to end over real services: the bundled sample database, MiniLM, local stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import Services
from core.answers.base import Answer
from core.assistant import Reply, ReplyKind, Scope, SourceFailure
from core.sql.service import Proposal
from core.vectors.base import VectorStoreError
from tests.fakes.openai_server import FakeOpenAI

POLICY = b"""# Returns policy

Customers may return an item within 30 days of delivery for a full refund.
Damaged items are replaced free of charge; report the damage within 7 days.
Refunds are paid to the original payment method within 5 business days.
"""
CHANNEL = "C1"
ASKER = Scope(user="U1", channel=CHANNEL, thread_ts="1700000000.000100")
DOCS_QUESTION = "How many days do customers have to return an item?"
DATA_QUESTION = "How many orders per month in 2024?"
UNRELATED = "What is the airspeed velocity of an unladen swallow?"


def make_services(data_dir: Path, minilm: object, **settings: str) -> Services:
    values = {"openai_api_key": "", "redis_url": "", "database_url": "", **settings}
    services = Services(Settings(_env_file=None, data_dir=data_dir, **values))
    services.__dict__["embedder"] = minilm  # the session's loaded model
    return services


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory, minilm: object) -> Services:
    services = make_services(tmp_path_factory.mktemp("assistant"), minilm)
    assert services.documents.ingest(POLICY, "returns-policy.md", channel=CHANNEL, team_id="T1").ok
    return services


def answer(reply: Reply) -> Answer:
    assert reply.documents is not None and isinstance(reply.documents.outcome, Answer)
    return reply.documents.outcome


def proposal(reply: Reply) -> Proposal:
    assert reply.sql is not None and isinstance(reply.sql.outcome, Proposal)
    return reply.sql.outcome


def test_a_document_question_is_answered_from_the_documents_with_a_citation(services: Services) -> None:
    reply = services.assistant.ask(DOCS_QUESTION, ASKER)
    assert reply.kind is ReplyKind.DOCUMENTS and reply.route.kind == "docs" and reply.sql is None
    assert "30 days" in answer(reply).text
    assert [c.file_name for c in answer(reply).citations] == ["returns-policy.md"]
    assert not reply.silent and not reply.scope_hint


def test_a_data_question_is_a_proposal_filed_for_its_requester_and_thread(services: Services) -> None:
    reply = services.assistant.ask(DATA_QUESTION, ASKER)
    assert reply.kind is ReplyKind.SQL and reply.route.kind == "sql" and reply.documents is None
    pending = proposal(reply).pending
    assert pending is not None and "orders" in pending.sql.lower()
    stored = services.sql.get(pending.id)
    assert stored is not None and (stored.requester, stored.channel, stored.thread_ts) == (
        "U1",
        CHANNEL,
        ASKER.thread_ts,
    )
    assert reply.to_dict()["sql"]["proposal"]["id"] == pending.id


def test_a_two_part_question_sends_each_part_to_its_source(services: Services) -> None:
    question = "How many orders were placed in 2024, and what does the returns policy say about damaged items?"
    reply = services.assistant.ask(question, ASKER)
    assert reply.kind is ReplyKind.BOTH
    assert reply.documents is not None and reply.sql is not None
    assert "damaged" in reply.documents.question.lower() and "orders" not in reply.documents.question.lower()
    assert "orders" in reply.sql.question.lower() and "policy" not in reply.sql.question.lower()
    assert "7 days" in answer(reply).text and proposal(reply).pending is not None


def test_nothing_found_in_either_source_is_one_reply_naming_the_tables(services: Services) -> None:
    reply = services.assistant.ask(UNRELATED, ASKER)
    assert reply.kind is ReplyKind.NOTHING_FOUND and reply.route.kind == "both"
    assert reply.documents is None and reply.sql is None  # one neutral reply, not two "not found"s
    assert {"customers", "orders"} <= set(reply.known_tables)


def test_a_follow_up_that_found_nothing_stays_silent(services: Services) -> None:
    reply = services.assistant.ask(UNRELATED, ASKER, addressed=False)
    assert reply.silent and reply.kind is ReplyKind.NOTHING_FOUND and reply.known_tables == ()
    assert not services.assistant.ask(DOCS_QUESTION, ASKER, addressed=False).silent


def test_a_direct_message_that_found_nothing_hints_at_channel_documents(services: Services) -> None:
    direct = Scope(user="U1", channel="D1", thread_ts="1.0", direct=True)
    question = "What does the returns policy say about damaged items?"
    reply = services.assistant.ask(question, direct)  # the policy was shared in C1, not here
    assert reply.kind is ReplyKind.NOTHING_FOUND and reply.route.kind == "docs" and reply.scope_hint
    assert services.assistant.ask(question, ASKER).kind is ReplyKind.DOCUMENTS


def test_one_source_found_nothing_says_so_in_its_own_words(services: Services) -> None:
    reply = services.assistant.ask_documents(DOCS_QUESTION, Scope(user="U1", channel="C-elsewhere"))
    assert reply.kind is ReplyKind.NOTHING_FOUND and reply.known_tables == ()
    assert answer(reply).mode == "none" and "couldn't find" in answer(reply).text


def test_documents_only_never_proposes_sql(services: Services) -> None:
    reply = services.assistant.ask_documents(DATA_QUESTION, ASKER)
    assert reply.route.kind == "docs" and reply.sql is None


def test_a_damaged_search_index_is_said_and_the_data_side_still_answers(tmp_path: Path, minilm: object) -> None:
    services = make_services(tmp_path, minilm)
    assert services.documents.ingest(POLICY, "returns-policy.md", channel=CHANNEL, team_id="T1").ok
    (tmp_path / "vectors" / "docs-default" / "manifest.json").write_text("{not json")
    question = "How many orders were placed in 2024, and what does the returns policy say about damaged items?"
    reply = services.assistant.ask(question, ASKER)
    assert reply.kind is ReplyKind.BOTH and proposal(reply).pending is not None
    # Dense search fails soft (ingest branch): the documents still answer from keywords, and say why.
    assert reply.documents is not None and reply.documents.warning is not None
    documents = answer(reply)
    assert documents.mode == "extractive" and "Damaged items" in documents.text
    failure = reply.documents.warning
    assert isinstance(failure, SourceFailure)
    assert isinstance(failure.error, VectorStoreError)
    assert failure.message.startswith("The search index could not be reached: vector index 'docs-default'")
    assert documents.text.startswith("(The search index could not be reached: vector index 'docs-default'")
    assert "keywords only" in documents.text
    shown = reply.to_dict()["documents"]
    assert shown["warning"]["error"] == "VectorStoreError" and "failure" not in shown


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_a_clarification_from_the_sql_side_is_its_own_kind(
    tmp_path: Path, minilm: object, fake_llm: FakeOpenAI
) -> None:
    def reply(body: dict) -> str:
        if "Decide where the answer" in body["messages"][0]["content"]:  # the router's prompt
            return '{"route": "sql", "confidence": 0.9}'
        return "Which customer do you mean: Zoë or Bob?"  # the SQL writer, asking back instead of writing SQL

    fake_llm.chat_handler = reply
    services = make_services(tmp_path, minilm, openai_api_key="test", openai_base_url=fake_llm.base_url)
    reply_ = services.assistant.ask("What did the customer order last?", ASKER)
    assert reply_.kind is ReplyKind.CLARIFICATION and reply_.documents is None
    assert proposal(reply_).kind == "clarification" and "Zoë or Bob" in proposal(reply_).message
