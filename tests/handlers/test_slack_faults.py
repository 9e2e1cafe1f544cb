"""Slack misbehaving, end to end: 5xx answers, a hanging reactions.add, a failing auth.test.

The emulator plays Slack and is told to fail; the bot runs on uvicorn with the embedded defaults.
Each test fails on the code before issue 11: a 500 on the result post made the thread say the
query could not run (and Approve then said "already ran"), a reactions.add hanging past the
client timeout killed the answer, and events arriving while auth.test failed were acked and lost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.emulator.emulator import SlackEmulator
from handlers.ui import ids as c
from tests.slack_helpers import WAIT_S, all_text, replies
from tests.support.slack_faults import ApiFaults
from tests.support.uvicorn_server import serving

SECRET = "faults-signing-secret"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[SlackEmulator, object]]:
    from bot.http_app import create_http_app
    from bot.settings import Settings
    from bot.wiring import Services

    emulator = SlackEmulator(SECRET, ack_timeout_s=3.0, retry_delays_s=(0.3, 0.6, 1.0))
    emulator.start()
    settings = Settings(
        DATA_DIR=str(tmp_path_factory.mktemp("slack-faults")),
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_API_URL=emulator.api_url,
        SLACK_TIMEOUT_S=3,
        APPROVER_USER_IDS="U03CAROL",
    )
    services = Services(settings)
    services.train()
    # auth.test fails for the first deliveries (see test_events_are_not_acked_while_auth_test_fails).
    ApiFaults(emulator).server_error("auth.test", status=503, times=2)
    with serving(create_http_app(settings, services)) as port:
        emulator.bot_url = f"http://127.0.0.1:{port}/slack/events"
        yield emulator, services
    emulator.stop()


def test_events_are_not_acked_while_auth_test_fails(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C40AUTH", "auth-faults").id
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    proposal = replies(emu, channel, ts)[0]  # answered once auth.test recovered, from Slack's retry
    assert c.SQL_APPROVE_ACTION_ID in all_text(proposal)
    refused = [d for d in emu.deliveries() if d.status == 503]
    assert refused, "while auth.test fails events must not be acknowledged"
    assert all(any(r.body == d.body and d.ok for d in emu.deliveries()) for r in refused), "Slack delivered them again"
    emu.wait_idle()
    assert len([m for m in emu.bot_messages(channel, ts) if m["ts"] != ts]) == 1


def _proposal(emu: SlackEmulator, channel: str) -> tuple[str, dict, str]:
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    proposal = replies(emu, channel, ts)[0]
    query_id = next(b for b in proposal["blocks"] if b["type"] == "actions")["elements"][0]["value"].split(":", 1)[1]
    return ts, proposal, query_id


def test_a_5xx_on_the_result_post_is_retried(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C41RETRY", "retry-faults").id
    ts, proposal, query_id = _proposal(emu, channel)
    ApiFaults(emu).server_error("chat.postMessage", status=500, times=1)
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    result = replies(emu, channel, ts, 2)[1]
    assert any(b["type"] == "table" for b in result["blocks"])
    emu.wait_idle()
    assert not [m for m in emu.bot_messages(channel, ts) if "could not" in m.get("text", "")]
    assert services.sql.get(query_id).status == "done"


def test_a_result_slack_will_not_take_is_never_called_a_failure_and_is_reposted_not_rerun(stack, monkeypatch) -> None:
    emu, services = stack
    channel = emu.add_channel("C42LOST", "lost-faults").id
    ts, proposal, query_id = _proposal(emu, channel)
    runs = []
    original = services.db.run_readonly
    monkeypatch.setattr(services.db, "run_readonly", lambda *a, **k: runs.append(1) or original(*a, **k))
    ApiFaults(emu).server_error("chat.postMessage", status=500, times=4)  # the first try and its three retries
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    notice = replies(emu, channel, ts, 2)[1]
    text = all_text(notice)
    assert "The query ran" in text and "could not run" not in text
    assert c.SQL_SHOW_RESULT_ACTION_ID in text

    # Approve again (an approver: the same person's second click within seconds is a double click).
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "carol")
    result = replies(emu, channel, ts, 3)[2]
    assert any(b["type"] == "table" for b in result["blocks"])
    assert "already ran" not in " ".join(m["text"] for m in emu.ephemerals(channel))

    emu.click(channel, notice["ts"], c.SQL_SHOW_RESULT_ACTION_ID, "bob")  # anyone may see it again
    # Wait for the second table itself: the CSV/chart upload of the first (a file_share reply, rendered
    # after the table) may land before or after it, so a reply's position says nothing under load.
    tables = emu.wait_for(
        lambda: (lambda found: found if len(found) >= 2 else None)(
            [m for m in emu.bot_messages(channel, ts) if any(b["type"] == "table" for b in m.get("blocks") or [])]
        ),
        WAIT_S,
        "expected the result posted again",
    )
    assert tables[1]["ts"] != result["ts"]
    emu.wait_idle()
    assert len(runs) == 1, "the query ran exactly once"
    assert services.sql.get(query_id).status == "done"


def test_a_hanging_reactions_add_does_not_take_the_answer_down(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C43HANG", "hang-faults").id
    ApiFaults(emu).stall("reactions.add", 40)  # longer than the client's timeout and all its retries
    started = time.monotonic()
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    proposal = replies(emu, channel, ts)[0]
    assert c.SQL_APPROVE_ACTION_ID in all_text(proposal)
    assert time.monotonic() - started < WAIT_S
