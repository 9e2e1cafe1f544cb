"""The demo as a newcomer meets it: the suggested questions work, and so do direct messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import Demo, start_demo
from handlers.ui import ids as c
from handlers.ui.hints import EXAMPLE_CHART_QUESTION, EXAMPLE_DATA_QUESTION, EXAMPLE_DOCS_QUESTION

pytestmark = pytest.mark.e2e

WAIT_S = 60


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    from bot.settings import Settings

    data_dir: Path = tmp_path_factory.mktemp("slack-demo")
    settings = Settings(_env_file=None, data_dir=data_dir, openai_api_key="", redis_url="", database_url="")
    running = start_demo(settings, "127.0.0.1", 0)
    yield running
    running.stop()


def reply_to(demo: Demo, channel: str, user: str, text: str) -> str:
    emu = demo.emulator
    ts = emu.user_message(channel, user, text)
    reply = emu.wait_for(lambda: [m for m in emu.bot_messages(channel, ts) if m["ts"] != ts], WAIT_S)[0]
    return json.dumps(reply.get("blocks") or []) + reply["text"]


def test_a_direct_message_answers_from_the_sample_documents(demo: Demo) -> None:
    dm = demo.emulator.channel("bob").id
    text = reply_to(demo, dm, "bob", "How many days do customers have to return an item?")
    assert "returns-and-shipping-policy.md" in text and "couldn't find" not in text


def test_the_suggested_document_question_is_answered_with_a_citation(demo: Demo) -> None:
    text = reply_to(demo, "general", "alice", f"@DocBot {EXAMPLE_DOCS_QUESTION}")
    assert "Sources" in text and ".md" in text


@pytest.mark.parametrize("question", [EXAMPLE_DATA_QUESTION, EXAMPLE_CHART_QUESTION])
def test_the_suggested_data_questions_get_sql_to_approve(demo: Demo, question: str) -> None:
    text = reply_to(demo, "general", "alice", f"@DocBot {question}")
    assert c.SQL_APPROVE_ACTION_ID in text and "SELECT" in text.upper()
