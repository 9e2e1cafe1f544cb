"""Rates and the token budget in the assistant: the same for Slack, the CLI and the REST API.

Real services (the bundled sample database, MiniLM, the local key-value store) and the fake
OpenAI server, whose replies report the token usage a test sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.answers.base import Answer
from core.assistant import ReplyKind, Scope
from core.limits import QuestionLimited
from core.limits.kv import KeyValueLimits
from core.sql.service import Proposal
from tests.core.assistant.test_assistant import CHANNEL, DATA_QUESTION, DOCS_QUESTION, POLICY, make_services
from tests.core.limits.test_kv_limits import NOON_ISH
from tests.fakes.openai_server import FakeOpenAI


def test_a_person_over_the_rate_is_refused_with_when_to_ask_again(tmp_path: Path, minilm: object) -> None:
    services = make_services(tmp_path, minilm, RATE_USER_PER_MIN="2")
    # A clock that stays inside one minute: a slow run must not cross into the next window.
    services.__dict__["limits"] = KeyValueLimits(services.kv, services.limits.policy, clock=lambda: NOON_ISH)
    me, other = Scope(user="U1", channel=CHANNEL), Scope(user="U2", channel=CHANNEL)
    services.assistant.ask(DATA_QUESTION, me)
    services.assistant.ask_documents(DOCS_QUESTION, me)
    with pytest.raises(QuestionLimited) as refused:
        services.assistant.ask(DATA_QUESTION, me)
    assert "try again in 45 seconds" in refused.value.user_message and refused.value.refusal.retry_after_whole_s == 45
    with pytest.raises(QuestionLimited):
        services.assistant.ask_documents(DOCS_QUESTION, me)
    # A follow-up nobody addressed to the bot is not worth a refusal in the thread: it stays quiet.
    assert services.assistant.ask(DATA_QUESTION, me, addressed=False).silent
    assert services.assistant.ask(DATA_QUESTION, other).kind is ReplyKind.SQL
    today = services.limits.usage(days=1)[0]
    assert (today.questions, today.refused) == (3, 3)


@pytest.fixture
def fake() -> FakeOpenAI:
    with FakeOpenAI() as server:
        yield server


def test_once_the_token_budget_is_spent_questions_are_answered_without_the_model(
    tmp_path: Path, minilm: object, fake: FakeOpenAI
) -> None:
    fake.chat_total_tokens = 700
    fake.chat_handler = lambda body: "Customers have 30 days to return an item [1]."
    services = make_services(
        tmp_path, minilm, openai_api_key="sk-test", OPENAI_BASE_URL=fake.base_url, LLM_DAILY_TOKENS="1000"
    )
    assert services.documents.ingest(POLICY, "returns-policy.md", channel=CHANNEL, team_id="T1").ok
    asker = Scope(user="U1", channel=CHANNEL)

    first = services.assistant.ask_documents(DOCS_QUESTION, asker)
    assert isinstance(first.documents.outcome, Answer) and first.documents.outcome.mode == "llm"
    assert first.notice is None
    services.assistant.ask_documents("What happens to damaged items?", asker)  # 1,400 tokens: over budget
    calls = len(fake.chat_requests())
    assert services.limits.usage(days=1)[0].tokens == 700 * calls and services.limits.budget_spent()

    spent = services.assistant.ask_documents("How are refunds paid?", asker)
    answer = spent.documents.outcome
    assert isinstance(answer, Answer) and answer.mode == "extractive" and "5 business days" in answer.text
    assert spent.notice is not None and "budget is used up" in spent.notice and "midnight UTC" in spent.notice
    assert spent.to_dict()["notice"] == spent.notice

    data = services.assistant.ask(DATA_QUESTION, asker)
    proposal = data.sql.outcome if data.sql else None
    assert isinstance(proposal, Proposal) and proposal.pending is not None and proposal.source != "llm"
    assert data.notice is not None
    assert len(fake.chat_requests()) == calls  # neither routing, answering nor SQL asked the model
    assert services.limits.usage(days=1)[0].offline == 2
