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


def thread_replies(demo: Demo, channel: str, root_ts: str, after_ts: str) -> list[dict]:
    """The bot's replies in the thread of `root_ts` posted after `after_ts`, waiting for the first."""
    emu = demo.emulator
    return emu.wait_for(
        lambda: [m for m in emu.bot_messages(channel, root_ts) if float(m["ts"]) > float(after_ts)], WAIT_S
    )


def test_a_question_about_data_nobody_has_gets_the_honest_limit(demo: Demo) -> None:
    text = reply_to(demo, "general", "alice", "@DocBot average satisfaction score by support agent")
    assert "I don't have data about satisfaction scores" in text and "orders" in text, text
    assert "Sources" not in text  # no unrelated quotes from the support handbook


@pytest.mark.parametrize("request_text", ["delete all orders from 2023", "update the price of every product to 0"])
def test_a_request_to_change_the_data_is_refused_plainly(demo: Demo, request_text: str) -> None:
    text = reply_to(demo, "general", "alice", f"@DocBot {request_text}")
    assert "I only read the data" in text and c.SQL_APPROVE_ACTION_ID not in text, text
    assert "I don't have data about" not in text and "without an LLM" not in text


def test_an_elliptical_follow_up_in_a_data_thread_gets_sql_for_the_new_year(demo: Demo) -> None:
    emu = demo.emulator
    root = emu.user_message("general", "alice", "@DocBot how many orders per month in 2023?")
    first = thread_replies(demo, "general", root, root)[0]
    assert c.SQL_APPROVE_ACTION_ID in json.dumps(first.get("blocks")) and "2023" in json.dumps(first.get("blocks"))
    follow_up = emu.user_message("general", "alice", "and in 2024?", thread_ts=root)  # no mention
    reply = thread_replies(demo, "general", root, follow_up)[0]
    assert c.SQL_APPROVE_ACTION_ID in json.dumps(reply.get("blocks"))
    sql = " ".join(
        block["text"]["text"] for block in reply["blocks"] if block.get("text", {}).get("text", "").startswith("```")
    )
    assert "2024" in sql and "2023" not in sql, sql


def test_a_near_miss_offers_saved_questions_and_a_click_proposes_their_sql(demo: Demo) -> None:
    emu = demo.emulator
    root = emu.user_message("general", "bob", "@DocBot which customers ordered laptops and monitors in the same week?")
    miss = thread_replies(demo, "general", root, root)[0]
    blocks = json.dumps(miss.get("blocks"))
    assert c.SQL_SAVED_QUESTION_ACTION_ID in blocks and c.SQL_APPROVE_ACTION_ID not in blocks, blocks
    saved = next(
        element["text"]["text"]
        for block in miss["blocks"]
        if block.get("block_id") == c.SIMILAR_QUESTIONS_BLOCK_ID
        for element in block["elements"]
    )
    assert emu.click("general", miss["ts"], c.SQL_SAVED_QUESTION_ACTION_ID, "bob").ok
    proposal = emu.wait_for(
        lambda: [
            m for m in emu.bot_messages("general", root) if c.SQL_APPROVE_ACTION_ID in json.dumps(m.get("blocks"))
        ],
        WAIT_S,
    )[0]
    assert saved in json.dumps(proposal.get("blocks")) and "SELECT" in json.dumps(proposal.get("blocks")).upper()


@pytest.mark.parametrize(
    "question",
    [
        "top 5 customers by total spend",
        "which products never sold?",
        "which product category had the most units sold in 2024?",
    ],
)
def test_paraphrases_of_saved_questions_get_sql(demo: Demo, question: str) -> None:
    text = reply_to(demo, "general", "alice", f"@DocBot {question}")
    assert c.SQL_APPROVE_ACTION_ID in text and "SELECT" in text.upper()
