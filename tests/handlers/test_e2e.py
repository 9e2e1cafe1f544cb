"""End to end through the real HTTP entry point: the local Slack emulator plays Slack (Web API,
signed event and interactivity delivery), the bot runs on uvicorn with the embedded defaults
(local stores, MiniLM, the bundled sample database, offline mode) in a scratch DATA_DIR.

The tests share one bot and emulator (model loading is the slow part) and stay independent by
each using its own channel or thread.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Iterator

import pytest

from bot.emulator.emulator import SlackEmulator
from handlers.ui import ids as c
from tests.slack_helpers import WAIT_S, all_text, replies
from tests.support.slack_faults import ApiFaults
from tests.support.uvicorn_server import serving

pytestmark = pytest.mark.e2e

SECRET = "e2e-signing-secret"


def travel_policy_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Travel Policy. Employees book all business trips through the travel portal.")
    pdf.add_page()
    pdf.multi_cell(
        0,
        6,
        "Hotels. A hotel may cost at most 150 EUR per night, or 200 EUR per night in London and Paris. "
        "Breakfast is included in the nightly limit.",
    )
    return pdf.output()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[SlackEmulator, object]]:
    from bot.http_app import create_http_app
    from bot.settings import Settings
    from bot.wiring import Services

    emulator = SlackEmulator(SECRET, ack_timeout_s=3.0, retry_delays_s=(0.2, 0.5, 1.0))
    emulator.start()
    settings = Settings(
        DATA_DIR=str(tmp_path_factory.mktemp("slack-e2e")),
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_API_URL=emulator.api_url,
        APPROVER_USER_IDS="U03CAROL",
        MAX_FILE_MB=1,
    )
    services = Services(settings)
    # What `python -m bot train` does: schema, and for the sample database its terms and examples.
    services.train()
    with serving(create_http_app(settings, services)) as port:
        emulator.bot_url = f"http://127.0.0.1:{port}/slack/events"
        yield emulator, services
    emulator.stop()


def bot_files(emu: SlackEmulator, channel: str) -> list:
    return [
        f
        for f in list(emu.ws.files.values())
        if f.user == emu.ws.bot_user_id and f.complete and any(share["channel"] == channel for share in f.shares)
    ]


def share_policy(emu: SlackEmulator, channel: str) -> str:
    shared = emu.share_file(channel, "alice", "travel_policy.pdf", travel_policy_pdf())
    replies(emu, channel, shared.ts)
    return shared.ts


def ask_data_question(emu: SlackEmulator, channel: str, user: str = "alice") -> tuple[str, dict]:
    ts = emu.user_message(channel, user, "@bot How many orders were placed in 2023?")
    proposal = replies(emu, channel, ts)[0]
    return ts, proposal


# --- documents ----------------------------------------------------------------------------


def test_shared_pdf_is_ingested_once_then_answers_with_citation(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C10DOCS", "docs-e2e").id
    shared_ts = share_policy(emu, channel)
    emu.wait_idle()
    ingest_replies = [m for m in emu.bot_messages(channel, shared_ts) if m["ts"] != shared_ts]
    assert len(ingest_replies) == 1, "file_share message + file_shared event must give one ingestion"
    assert "Indexed travel_policy.pdf" in ingest_replies[0]["text"]
    assert len(services.documents.list(channel)) == 1
    # Searchable at once, then the same reply says when the dense vectors are there too.
    assert any("searchable now" in call.args.get("text", "") for call in emu.calls("chat.postMessage"))
    emu.wait_for(lambda: "(fully indexed)" in emu.bot_messages(channel, shared_ts)[-1]["text"], WAIT_S)
    assert not services.documents.list(channel)[0].vectors_pending

    ts = emu.user_message(channel, "bob", "@bot What does the travel policy say about the hotel limit per night?")
    answer = replies(emu, channel, ts)[0]
    assert "150" in all_text(answer)
    sources = [
        e["text"] for b in answer["blocks"] if b["type"] == "context" for e in b["elements"] if "Sources" in e["text"]
    ]
    assert sources and "[1] travel_policy.pdf, p" in sources[0]
    # The 👀 added while working is removed when done.
    emu.wait_for(lambda: [call for call in emu.calls("reactions.remove") if call.args.get("timestamp") == ts], WAIT_S)


def test_the_same_content_under_another_name_names_both_files(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C12SAME", "same-e2e").id
    content = b"The offsite is in Lisbon on 12 May; travel is booked by the office team."
    first = emu.share_file(channel, "alice", "notes3.txt", content)
    assert "Indexed notes3.txt" in replies(emu, channel, first.ts)[0]["text"]
    again = emu.share_file(channel, "bob", "offsite.txt", content)
    told = replies(emu, channel, again.ts)[0]["text"]
    assert told == "offsite.txt has the same content as notes3.txt, which is already indexed", told


def test_thread_follow_up_needs_no_mention(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C11THREAD", "thread-e2e").id
    share_policy(emu, channel)
    root = emu.user_message(channel, "alice", "@bot What is the hotel limit per night?")
    replies(emu, channel, root, 1)
    emu.user_message(channel, "alice", "and in London?", thread_ts=root)
    follow_up = replies(emu, channel, root, 2)[1]
    assert "200" in all_text(follow_up)
    # A thread the bot never answered stays quiet.
    other = emu.user_message(channel, "bob", "lunch?")
    emu.user_message(channel, "carol", "yes, noon", thread_ts=other)
    emu.wait_idle()
    assert emu.bot_messages(channel, other) == []


def test_chat_in_the_bots_thread_gets_no_reply(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C16CHAT", "chat-e2e").id
    share_policy(emu, channel)
    root = emu.user_message(channel, "alice", "@bot What is the hotel limit per night?")
    replies(emu, channel, root, 1)
    emu.user_message(channel, "alice", "thanks!", thread_ts=root)
    # Chat that mentions what the documents cover is still chat, not a question.
    emu.user_message(channel, "alice", "great, so 150 EUR per night for the hotel in Berlin", thread_ts=root)
    emu.user_message(channel, "bob", "ok cool, see you at lunch bob", thread_ts=root)
    emu.user_message(channel, "carol", "is the canteen pizza any good today?", thread_ts=root)
    emu.wait_idle()
    time.sleep(0.5)  # let any (wrong) reply land before counting
    assert len([m for m in emu.bot_messages(channel, root) if m["ts"] != root]) == 1
    # A real follow-up in the same thread is still answered; a mention always is.
    emu.user_message(channel, "alice", "and in London?", thread_ts=root)
    assert "200" in all_text(replies(emu, channel, root, 2)[1])
    emu.user_message(channel, "alice", "@bot thanks!", thread_ts=root)
    replies(emu, channel, root, 3)


def test_a_greeting_gets_one_helpful_reply(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C17HELLO", "hello-e2e").id
    ts = emu.user_message(channel, "alice", "@bot hello")
    emu.wait_idle()
    found = replies(emu, channel, ts)
    assert len(found) == 1
    text = all_text(found[0])
    assert "couldn't find that in the documents or the data" in text
    assert "what is the refund policy?" in text and "how many orders per month in 2024?" in text
    assert "`orders`" in text and "`customers`" in text
    assert "Data question" not in text and "LLM" not in text


def test_an_empty_mention_suggests_questions_that_work(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C18EMPTY", "empty-e2e").id
    ts = emu.user_message(channel, "alice", "@bot")
    text = replies(emu, channel, ts)[0]["text"]
    assert "what is the refund policy?" in text and "travel policy" not in text


def test_a_direct_message_that_finds_no_document_explains_why(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C19SCOPE", "scope-e2e").id
    share_policy(emu, channel)
    dm = emu.channel("bob").id
    ts = emu.user_message(dm, "bob", "What does the travel policy say about the hotel limit per night?")
    text = all_text(replies(emu, dm, ts)[0])
    assert "150" not in text, "a channel's document does not answer in a direct message"
    assert "Documents shared in a channel answer only in that channel" in text


def test_direct_message_is_answered(stack) -> None:
    emu, _ = stack
    dm = emu.channel("alice").id
    ts = emu.user_message(dm, "alice", "How many orders were placed in 2023?")
    reply = replies(emu, dm, ts)[0]
    assert c.SQL_APPROVE_ACTION_ID in all_text(reply)


def test_oversized_file_gets_a_clear_reply(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C12BIG", "big-e2e").id
    shared = emu.share_file(channel, "alice", "huge.txt", b"x" * (1024 * 1024 + 10))
    reply = replies(emu, channel, shared.ts)[0]
    assert "huge.txt" in reply["text"] and "1 MB limit" in reply["text"]


def test_unsupported_file_gets_its_reason(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C13BAD", "bad-e2e").id
    shared = emu.share_file(channel, "alice", "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    reply = replies(emu, channel, shared.ts)[0]
    assert "photo.png" in reply["text"] and ("Could not index" in reply["text"] or "could not" in reply["text"].lower())
    emu.wait_idle()
    time.sleep(0.5)  # let a second (wrong) attempt by the twin file_shared event land before counting
    assert len([m for m in emu.bot_messages(channel, shared.ts) if m["ts"] != shared.ts]) == 1


def test_a_failed_ingestion_is_retried_when_the_file_is_shared_again(stack, monkeypatch) -> None:
    import handlers.state.dedup

    emu, services = stack
    channel = emu.add_channel("C14AGAIN", "again-e2e").id
    # Shorter than the real window (which only has to outlast the twin event of one share).
    monkeypatch.setattr(handlers.state.dedup, "FILE_RETRY_AFTER_S", 0.3)
    stored = emu.ws.add_file("holidays.txt", emu.user("alice").id, b"Employees get 27 days of paid leave per year.")
    event = {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": stored.id,
        "user_id": emu.user("alice").id,
        "file": {"id": stored.id},
        "event_ts": "1.0",
    }
    ApiFaults(emu).fail("files.info", "internal_error")  # a transient Slack failure
    emu.deliver_raw(emu.event_envelope(event, event_id="EvAGAIN1"))
    failure = emu.wait_for(lambda: emu.bot_messages(channel), WAIT_S)[0]
    assert "could not read the shared file" in failure["text"] and "internal_error" in failure["text"]
    time.sleep(0.5)  # past the retry window
    emu.deliver_raw(emu.event_envelope(event, event_id="EvAGAIN2"))
    indexed = emu.wait_for(
        lambda: [m for m in emu.bot_messages(channel) if "Indexed holidays.txt" in m["text"]], WAIT_S
    )
    assert len(indexed) == 1 and any(d.file_name == "holidays.txt" for d in services.documents.list(channel))


def test_a_question_sent_with_a_file_is_answered_after_the_file_is_indexed(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C15WITH", "with-file-e2e").id
    shared = emu.share_file(
        channel,
        "alice",
        "holidays.txt",
        b"Holidays. Every employee gets 27 days of paid leave per calendar year.",
        text="@bot how many days of paid leave does an employee get per year?",
    )
    replies(emu, channel, shared.ts, 2)
    emu.wait_idle()
    found = [m for m in emu.bot_messages(channel, shared.ts) if m["ts"] != shared.ts]
    assert len(found) == 2, [m["text"] for m in found]
    assert "Indexed holidays.txt" in found[0]["text"], "the file is indexed once, before the answer"
    answer = all_text(found[1])
    assert "27" in answer and "holidays.txt" in answer


def test_a_file_shared_in_a_direct_message_with_a_question_is_answered(stack) -> None:
    emu, _ = stack
    dm = emu.channel("bob").id
    shared = emu.share_file(
        dm,
        "bob",
        "canteen.txt",
        b"Canteen. The canteen serves vegan lasagne on Thursdays.",
        text="what does the canteen serve on Thursdays?",
    )
    found = replies(emu, dm, shared.ts, 2)
    assert "Indexed canteen.txt" in found[0]["text"], [m["text"] for m in found]
    assert "lasagne" in all_text(found[1]) and "canteen.txt" in all_text(found[1])


def test_a_file_shared_in_the_bots_thread_with_a_question_is_answered(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C17THREADFILE", "thread-file-e2e").id
    root = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    replies(emu, channel, root)
    emu.share_file(
        channel,
        "alice",
        "parking.txt",
        b"Parking. The garage under the office closes at 22:00 every day.",
        thread_ts=root,
        text="when does the garage close?",
    )
    found = replies(emu, channel, root, 3)[1:]  # after the SQL proposal
    assert "Indexed parking.txt" in found[0]["text"], [m["text"] for m in found]
    assert "22:00" in all_text(found[1]) and "parking.txt" in all_text(found[1])


def test_a_file_shared_with_a_comment_that_asks_nothing_is_only_indexed(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C16NOTE", "note-with-file-e2e").id
    shared = emu.share_file(
        channel,
        "alice",
        "accident.txt",
        b"Accident report. The forklift hit a shelf in aisle 4; nobody was hurt.",
        text="@bot here is an accident report",
    )
    replies(emu, channel, shared.ts)
    emu.wait_idle()
    found = [m for m in emu.bot_messages(channel, shared.ts) if m["ts"] != shared.ts]
    assert len(found) == 1, [m["text"] for m in found]
    assert "Indexed accident.txt" in found[0]["text"]


def test_answers_take_one_rating_per_person_shown_in_app_home_and_exported(stack, capsys) -> None:
    emu, services = stack
    channel = emu.add_channel("C17RATE", "rate-e2e").id
    share_policy(emu, channel)
    ts = emu.user_message(channel, "bob", "@bot What does the travel policy say about the hotel limit per night?")
    answer = replies(emu, channel, ts)[0]
    (actions,) = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [
        c.ANSWER_FEEDBACK_UP_ACTION_ID,
        c.ANSWER_FEEDBACK_DOWN_ACTION_ID,
    ]
    # The buttons carry an answer id, never the answer (an id is 32 hex digits, so "150" may occur in it).
    assert all(re.fullmatch(re.escape(c.ANSWER_REF_PREFIX) + "[0-9a-f]{32}", e["value"]) for e in actions["elements"])

    emu.click(channel, answer["ts"], c.ANSWER_FEEDBACK_DOWN_ACTION_ID, "bob")
    emu.click(channel, answer["ts"], c.ANSWER_FEEDBACK_UP_ACTION_ID, "bob")  # a change of mind is not counted
    emu.click(channel, answer["ts"], c.ANSWER_FEEDBACK_UP_ACTION_ID, "alice")
    told = emu.wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(emu.ephemerals(channel, "bob")), WAIT_S)
    assert "recorded" in told[0]["text"] and "already rated" in told[1]["text"]
    emu.wait_for(lambda: len([f for f in services.feedback.all() if f.answer.channel == channel]) == 2, WAIT_S)
    mine = {f.user: f for f in services.feedback.all() if f.answer.channel == channel}
    assert mine[emu.user("bob").id].rating == "down" and mine[emu.user("alice").id].rating == "up"
    rated = mine[emu.user("bob").id].answer
    assert "hotel limit" in rated.question and "150" in rated.answer
    assert rated.citations[0]["file_name"] == "travel_policy.pdf"

    emu.open_home("carol")
    home = json.dumps(emu.wait_for(lambda: emu.home_view("carol"), WAIT_S)["blocks"])
    assert "Answer feedback" in home and "hotel limit per night" in home

    from bot.commands import feedback

    parser = __import__("argparse").ArgumentParser()
    feedback.register(parser.add_subparsers(dest="command"), lambda: services)
    args = parser.parse_args(["feedback", "export", "--rating", "down"])
    assert args.func(args, lambda: services) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(r["channel"] == channel and r["rating"] == "down" and r["citations"] for r in rows)
    assert all(r["rating"] == "down" for r in rows)


# --- data questions -----------------------------------------------------------------------


def test_data_question_proposal_approve_table_csv_chart(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C20DATA", "data-e2e").id
    ts = emu.user_message(channel, "alice", "@bot What is the revenue per month?")
    proposal = replies(emu, channel, ts)[0]
    text = all_text(proposal)
    assert "```" in text and "SELECT" in text.upper()
    actions = next(b for b in proposal["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        c.SQL_APPROVE_ACTION_ID,
        c.SQL_EDIT_ACTION_ID,
        c.SQL_REJECT_ACTION_ID,
    ]
    assert all("SELECT" not in e["value"].upper() for e in actions["elements"]), "buttons carry an id, never SQL"

    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    result = replies(emu, channel, ts, 2)[1]
    assert any(b["type"] == "table" for b in result["blocks"])
    updated = emu.wait_for(
        lambda: next(
            (m for m in emu.messages(channel, ts) if m["ts"] == proposal["ts"] and "Approved by" in all_text(m)), None
        ),
        WAIT_S,
    )
    assert "<@U01ALICE>" in all_text(updated) and not any(b["type"] == "actions" for b in updated["blocks"])
    files = emu.wait_for(lambda: (lambda found: found if len(found) >= 2 else None)(bot_files(emu, channel)), WAIT_S)
    names = sorted(f.name for f in files)
    assert names == ["chart.png", "result.csv"]
    csv_file = next(f for f in files if f.name == "result.csv")
    assert csv_file.data.decode().splitlines()[0] == "month,revenue"
    assert next(f for f in files if f.name == "chart.png").data.startswith(b"\x89PNG")

    emu.click(channel, result["ts"], c.SQL_SAVE_EXAMPLE_ACTION_ID, "bob")
    refused = emu.wait_for(lambda: emu.ephemerals(channel, "bob"), WAIT_S)
    assert refused[-1]["text"].startswith("Not saved: Only the person who asked")
    query_id = actions["elements"][0]["value"].split(":", 1)[1]
    assert not services.sql.get(query_id).saved_example
    emu.click(channel, result["ts"], c.SQL_SAVE_EXAMPLE_ACTION_ID, "alice")
    saved = emu.wait_for(lambda: emu.ephemerals(channel, "alice"), WAIT_S)
    assert saved[-1]["text"].startswith("Saved")
    assert services.sql.get(query_id).saved_example


def test_a_saved_question_is_reused_for_another_value_in_a_new_thread_and_a_follow_up(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C21SAVED", "saved-e2e").id
    asked = "How many orders were shipped to Germany in 2024?"
    ts = emu.user_message(channel, "alice", f"@bot {asked}")
    proposal = replies(emu, channel, ts)[0]
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    result = replies(emu, channel, ts, 2)[1]
    emu.click(channel, result["ts"], c.SQL_SAVE_EXAMPLE_ACTION_ID, "alice")
    assert emu.wait_for(lambda: emu.ephemerals(channel, "alice"), WAIT_S)[-1]["text"].startswith("Saved")

    other = emu.user_message(channel, "alice", "@bot How many orders were shipped to France in 2024?")
    adapted = replies(emu, channel, other)[0]
    assert f"Adapted from the saved query for “{asked}” (Germany → France)" in notes(adapted), all_text(adapted)
    assert "'France'" in all_text(adapted) and "'Germany'" not in all_text(adapted)
    # A follow-up in that thread is read as the whole question, then adapted the same way.
    follow = emu.user_message(channel, "alice", "and Italy?", thread_ts=other)
    answer = emu.wait_for(
        lambda: [m for m in emu.bot_messages(channel, other) if float(m["ts"]) > float(follow)], WAIT_S
    )[0]
    assert f"Adapted from the saved query for “{asked}” (Germany → Italy)" in notes(answer), all_text(answer)


def notes(message: dict) -> str:
    """The text of a message's context blocks (where a proposal says where its SQL comes from)."""
    return "\n".join(
        element.get("text", "")
        for block in message.get("blocks") or []
        if block["type"] == "context"
        for element in block["elements"]
    )


def test_question_needing_both_gets_both_parts_in_one_reply(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C25BOTH", "both-e2e").id
    share_policy(emu, channel)
    ts = emu.user_message(
        channel,
        "alice",
        "@bot How many orders were refunded in 2023, and what does the travel policy say about hotels?",
    )
    reply = replies(emu, channel, ts)[0]
    text = all_text(reply)
    assert "travel_policy.pdf" in text and "150" in text, "the documents part"
    assert c.SQL_APPROVE_ACTION_ID in text and "refunded" in text, "the data part, as a proposal"


def test_double_click_runs_once(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C21TWICE", "twice-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    query_id = proposal["blocks"][-1]["elements"][0]["value"].split(":", 1)[1]
    first = emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    second = emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    assert first.status == 200 and second.status == 200
    replies(emu, channel, ts, 2)
    emu.wait_idle()
    time.sleep(0.5)  # let any second (wrong) execution land before counting
    results = [m for m in emu.bot_messages(channel, ts) if "Result:" in m.get("text", "")]
    assert len(results) == 1
    assert services.sql.get(query_id).status == "done"


def test_another_user_is_refused_an_approver_is_not(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C22OTHER", "other-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "bob")
    refusal = emu.wait_for(lambda: emu.ephemerals(channel, "bob"), WAIT_S)
    assert "Only the person who asked" in refusal[0]["text"]
    assert [m for m in emu.bot_messages(channel, ts) if "Result:" in m.get("text", "")] == []
    # Carol is in APPROVER_USER_IDS.
    emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "carol")
    assert any("Result:" in m.get("text", "") for m in replies(emu, channel, ts, 2))


def test_reject_marks_the_proposal_and_nothing_runs(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C23REJECT", "reject-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    emu.click(channel, proposal["ts"], c.SQL_REJECT_ACTION_ID, "alice")
    updated = emu.wait_for(
        lambda: next(
            (m for m in emu.messages(channel, ts) if m["ts"] == proposal["ts"] and "Rejected by" in all_text(m)), None
        ),
        WAIT_S,
    )
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    emu.wait_idle()
    assert [m for m in emu.bot_messages(channel, ts) if "Result:" in m.get("text", "")] == []


def test_edit_opens_modal_guard_refuses_then_new_proposal(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C24EDIT", "edit-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    emu.click(channel, proposal["ts"], c.SQL_EDIT_ACTION_ID, "alice")
    view = emu.wait_for(lambda: emu.open_view("alice"), WAIT_S)
    assert view["callback_id"] == c.SQL_EDIT_VIEW_CALLBACK_ID

    refused = emu.submit_view(view["id"], "alice", {c.SQL_EDIT_INPUT_ACTION_ID: "DELETE FROM orders"})
    assert "errors" in refused.response and emu.open_view("alice") is not None
    # A typo is told in words (what and where), not in the parser's class names.
    typo = emu.submit_view(view["id"], "alice", {c.SQL_EDIT_INPUT_ACTION_ID: "SELEC * FROM nope"})
    told = json.loads(typo.response)["errors"][c.SQL_EDIT_BLOCK_ID]
    assert told.endswith("it starts with 'SELEC' (did you mean SELECT?).") and "<class" not in told, told

    emu.submit_view(view["id"], "alice", {c.SQL_EDIT_INPUT_ACTION_ID: "SELECT COUNT(*) AS n FROM customers"})
    edited = replies(emu, channel, ts, 2)[1]
    assert "customers" in all_text(edited) and c.SQL_APPROVE_ACTION_ID in all_text(edited)
    old = emu.wait_for(
        lambda: next(
            (m for m in emu.messages(channel, ts) if m["ts"] == proposal["ts"] and "Edited by" in all_text(m)), None
        ),
        WAIT_S,
    )
    assert not any(b["type"] == "actions" for b in old["blocks"])


def test_a_failed_query_says_edit_once(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C26FAILQ", "failq-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    emu.click(channel, proposal["ts"], c.SQL_EDIT_ACTION_ID, "alice")
    view = emu.wait_for(lambda: emu.open_view("alice"), WAIT_S)
    emu.submit_view(view["id"], "alice", {c.SQL_EDIT_INPUT_ACTION_ID: "SELECT no_such_column FROM orders"})
    edited = replies(emu, channel, ts, 2)[1]
    emu.click(channel, edited["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    failure = replies(emu, channel, ts, 3)[2]["text"]
    assert "The query failed" in failure and "no_such_column" in failure
    assert failure.lower().count("edit") == 1, failure


def test_edit_says_why_when_the_editor_cannot_open(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C27NOEDIT", "noedit-e2e").id
    _, proposal = ask_data_question(emu, channel)
    ApiFaults(emu).fail("views.open", "expired_trigger_id")
    emu.click(channel, proposal["ts"], c.SQL_EDIT_ACTION_ID, "alice")
    told = emu.wait_for(lambda: emu.ephemerals(channel, "alice"), WAIT_S)[-1]["text"]
    assert "could not open the SQL editor" in told and "expired_trigger_id" in told
    assert emu.open_view("alice") is None


def test_edit_refuses_sql_longer_than_the_edit_box(stack) -> None:
    from slack_sdk import WebClient

    from handlers.ui.blocks import MODAL_SQL_LIMIT, pending_view, proposal_blocks

    emu, services = stack
    channel = emu.add_channel("C28LONG", "long-e2e").id
    ts, proposal = ask_data_question(emu, channel)
    query_id = proposal["blocks"][-1]["elements"][0]["value"].split(":", 1)[1]
    long_sql = "SELECT " + ", ".join(f"order_id AS c{i}" for i in range(300)) + " FROM orders"
    assert len(long_sql) > MODAL_SQL_LIMIT
    pending = services.sql.edit(query_id, long_sql, user="U01ALICE").pending
    # Posted as the bot posts an edited proposal.
    bot = WebClient(token=emu.bot_token, base_url=emu.api_url)
    posted = bot.chat_postMessage(
        channel=channel,
        thread_ts=ts,
        text="Edited SQL",
        blocks=proposal_blocks(pending_view(pending, "Edited SQL, checked again.")),
    )
    emu.click(channel, posted["ts"], c.SQL_EDIT_ACTION_ID, "alice")
    told = emu.wait_for(lambda: emu.ephemerals(channel, "alice"), WAIT_S)[-1]["text"]
    assert f"{len(pending.sql):,} characters" in told and "cannot be edited here" in told
    assert emu.open_view("alice") is None, "no modal with the SQL cut short"


# --- delivery, signatures, junk -----------------------------------------------------------


def test_slack_retry_gets_200_and_no_second_answer(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C30RETRY", "retry-e2e").id
    ts = emu.user_message(channel, "alice", "hello")  # a message to hang the mention on
    event = {
        "type": "app_mention",
        "user": "U01ALICE",
        "text": "<@UBOT> How many orders were placed in 2023?",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    envelope = emu.event_envelope(event, event_id="EvRETRY0001")
    first = emu.deliver_raw(envelope)
    retry = emu.deliver_raw(envelope, retry_num=1)
    assert first.status == 200 and retry.status == 200
    replies(emu, channel, ts)
    emu.wait_idle()
    time.sleep(0.5)
    assert len([m for m in emu.bot_messages(channel, ts) if m["ts"] != ts]) == 1


def test_bad_signature_and_stale_timestamp_are_401(stack) -> None:
    emu, _ = stack
    envelope = emu.event_envelope(
        {
            "type": "app_mention",
            "user": "U01ALICE",
            "text": "<@UBOT> hi",
            "ts": "1.0",
            "channel": "C01GENERAL",
            "event_ts": "1.0",
        }
    )
    assert emu.deliver_raw(envelope, secret="wrong-secret").status == 401
    assert emu.deliver_raw(envelope, timestamp=int(time.time()) - 600).status == 401
    assert emu.deliver_raw(envelope, sign=False).status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/json"),
        ("not json at all", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("hello=world", "application/x-www-form-urlencoded"),
        ("\x00\x01 binary-ish junk", "application/octet-stream"),
        ('{"hello": "world"}', "application/json"),
        ("x" * (2 * 1024 * 1024), "application/json"),
    ],
)
def test_junk_payloads_get_4xx_not_500(stack, body, content_type) -> None:
    emu, _ = stack
    delivery = emu.deliver_raw(body, content_type=content_type)
    if delivery.status is None:  # over the size cap: answered 413 and closed before the body was read
        assert len(body) > 1024 * 1024 and delivery.error
        return
    assert 400 <= delivery.status < 500


def test_signed_but_unknown_payload_shapes_do_not_crash(stack) -> None:
    emu, _ = stack
    for payload in (
        {
            "type": "block_actions",
            "actions": [{"action_id": c.SQL_APPROVE_ACTION_ID, "value": "junk"}],
            "user": {"id": "U01ALICE"},
            "team": {"id": "T1"},
        },
        {"type": "event_callback", "event_id": "EvJUNK", "event": {"type": "never_heard_of_it"}},
    ):
        delivery = emu.deliver_raw(payload)
        assert delivery.status < 500


def test_healthz(stack) -> None:
    import urllib.request

    emu, _ = stack
    with urllib.request.urlopen(emu.bot_url.replace("/slack/events", "/healthz"), timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True}


# --- other surfaces -----------------------------------------------------------------------


def test_slash_command_answers_in_a_thread(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C40ASK", "ask-e2e").id
    delivery = emu.slash_command("/ask", "How many orders were placed in 2023?", channel, "alice")
    assert delivery.status == 200
    root = emu.wait_for(
        lambda: next((m for m in emu.bot_messages(channel) if "asked:" in m.get("text", "")), None), WAIT_S
    )
    reply = replies(emu, channel, root["ts"])[0]
    assert c.SQL_APPROVE_ACTION_ID in all_text(reply)


def test_app_home_lists_what_the_bot_knows(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C41HOME", "home-e2e").id
    share_policy(emu, channel)
    note = emu.share_file(channel, "alice", "kitchen.txt", b"The kitchen is cleaned every Friday.")
    assert "Indexed kitchen.txt" in replies(emu, channel, note.ts)[0]["text"]
    private = emu.add_channel("C42SECRET", "secret-e2e", private=True).id
    secret = emu.share_file(private, "alice", "salaries.txt", b"Salary bands for 2024: engineers 60-90k.")
    assert "Indexed salaries.txt" in replies(emu, private, secret.ts)[0]["text"]
    emu.open_home("bob")
    home = emu.wait_for(lambda: emu.home_view("bob"), WAIT_S)
    text = json.dumps(home["blocks"])
    assert "travel_policy.pdf" in text and "orders" in text and "How to use me" in text
    assert f"<@{emu.ws.bot_user_id}> what is the refund policy?" in text and "@bot" not in text
    assert "salaries.txt" not in text, "private channel documents are not listed by name"
    sections = "\n".join(block.get("text", {}).get("text", "") for block in home["blocks"]) + "\n"
    assert "kitchen.txt — 1 chunk\n" in sections and "travel_policy.pdf — 2 pages\n" in sections, sections


def test_rate_limited_post_is_retried_after_retry_after(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C43LIMIT", "limit-e2e").id
    ApiFaults(emu).rate_limit("chat.postMessage", retry_after=1, times=1)
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    assert replies(emu, channel, ts)
    assert len(emu.calls("chat.postMessage")) >= 2


def test_a_failure_is_said_in_the_thread_and_the_eyes_go_away(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C44FAIL", "fail-e2e").id
    root = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    replies(emu, channel, root)
    ApiFaults(emu).fail("conversations.replies", "internal_error")
    follow_up = emu.user_message(channel, "alice", "and in 2024?", thread_ts=root)
    failure = replies(emu, channel, root, 2)[1]
    assert "Sorry, I could not answer that" in failure["text"] and "internal_error" in failure["text"]
    # No silent 👀: the reaction goes once the failure is said.
    emu.wait_for(
        lambda: [call for call in emu.calls("reactions.remove") if call.args.get("timestamp") == follow_up], WAIT_S
    )


def test_slash_command_without_text_shows_usage(stack) -> None:
    emu, _ = stack
    delivery = emu.slash_command("/ask", "", "C01GENERAL", "alice")
    assert delivery.status == 200 and "Usage" in delivery.response and "what is the refund policy?" in delivery.response


def test_over_the_rate_the_thread_is_told_when_to_ask_again_and_app_home_counts_it(stack) -> None:
    from core.limits.base import LimitPolicy
    from core.limits.kv import KeyValueLimits
    from tests.core.limits.test_kv_limits import NOON_ISH

    emu, services = stack
    channel = emu.add_channel("C46RATE", "rate-e2e").id
    # One question a minute, on a clock 15 s into its minute (the shared bot is otherwise unlimited).
    limits = KeyValueLimits(services.kv, LimitPolicy(user_per_min=1), clock=lambda: NOON_ISH)
    saved = services.assistant.limits, services.__dict__.get("limits")
    services.assistant.limits = services.__dict__["limits"] = limits
    try:
        first = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
        assert c.SQL_APPROVE_ACTION_ID in all_text(replies(emu, channel, first)[0])
        second = emu.user_message(channel, "alice", "@bot How many orders were placed in 2024?")
        refusal = all_text(replies(emu, channel, second)[0])
        assert "try again in 45 seconds" in refusal and "Sorry" not in refusal
        emu.open_home("alice")
        home = emu.wait_for(
            lambda: (lambda v: v if v and "refused" in json.dumps(v) else None)(emu.home_view("alice")), WAIT_S
        )
        # The day's questions include the other tests' (one shared bot); the refusal is this test's alone.
        shown = json.dumps(home["blocks"])
        assert re.search(r"2026-12-07: \d+ questions?, 1 refused for their rate, 0 LLM tokens", shown)
        assert "Limits: 1 question a minute per person; no daily LLM token budget" in shown
    finally:
        services.assistant.limits = saved[0]
        services.__dict__["limits"] = saved[1]
