from __future__ import annotations

import pytest

from core.llm.base import LlmUnavailable
from core.llm.openai import OpenAIChatModel, make_openai_client
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def test_complete_sends_messages_and_returns_the_reply(fake):
    fake.chat_replies.append("Forty-two [1].")
    model = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "gpt-4o-mini")
    reply = model.complete([{"role": "user", "content": "meaning?"}], max_tokens=20)
    assert reply == "Forty-two [1]."
    sent = fake.chat_requests()[0]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"] == [{"role": "user", "content": "meaning?"}]
    assert sent["max_tokens"] == 20 and sent["temperature"] == 0.0
    assert fake.requests[0].headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(
    ("status", "expected"), [(401, "API key was rejected"), (429, "rate limited"), (500, "answered 500")]
)
def test_api_errors_become_llm_unavailable_naming_the_cause(fake, status, expected):
    fake.fail_next(status, "nope")
    model = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "gpt-4o-mini")
    with pytest.raises(LlmUnavailable, match=expected):
        model.complete([{"role": "user", "content": "hi"}])


def test_timeouts_and_unreachable_servers_become_llm_unavailable(fake):
    fake.delay_s = 1.0
    slow = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=0.2, max_retries=0), "m")
    with pytest.raises(LlmUnavailable, match="timed out"):
        slow.complete([{"role": "user", "content": "hi"}])
    dead = OpenAIChatModel(make_openai_client("sk-test", "http://127.0.0.1:9/v1", timeout=1, max_retries=0), "m")
    with pytest.raises(LlmUnavailable, match="could not connect"):
        dead.complete([{"role": "user", "content": "hi"}])


def test_a_client_needs_an_api_key():
    with pytest.raises(ValueError, match="API key"):
        make_openai_client("", None)


class Tally:
    """A TokenMeter that keeps what it is told (a test's own sink, not a stand-in for our code)."""

    def __init__(self) -> None:
        self.recorded: list[int] = []

    def record_tokens(self, tokens: int) -> None:
        self.recorded.append(tokens)


def test_the_reported_token_usage_of_each_call_goes_to_the_meter(fake):
    tally = Tally()
    model = OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "m", meter=tally)
    fake.chat_total_tokens = 321
    model.complete([{"role": "user", "content": "hi"}])
    fake.chat_total_tokens = 45
    model.complete([{"role": "user", "content": "again"}])
    fake.fail_next(500)
    with pytest.raises(LlmUnavailable):
        model.complete([{"role": "user", "content": "down"}])
    assert tally.recorded == [321, 45]  # a failed call reports no usage
