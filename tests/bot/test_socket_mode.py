"""End to end through Socket Mode: the local Slack emulator hands out a WebSocket URL from
apps.connections.open and delivers envelopes over it; the bot's real Socket Mode handler
(slack_bolt's built-in client) connects through SLACK_API_URL and runs with the embedded defaults
(local stores, MiniLM, the bundled sample database, offline mode) in a scratch DATA_DIR.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulator.emulator import SlackEmulator
from bot.settings import Settings
from handlers.ui import ids as c
from handlers.ui.blocks import decode_query_ref
from tests.slack_helpers import WAIT_S, all_text, replies
from tests.support.slack_faults import LostAcks

pytestmark = pytest.mark.e2e

APP_TOKEN = "xapp-1-A01DOCBOT-socket-test"
ACK_TIMEOUT_S = 3.0  # Slack's own


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[SlackEmulator, object]]:
    from bot.socket_mode import start_socket_mode
    from bot.wiring import Services

    emulator = SlackEmulator(
        "unused-in-socket-mode",
        socket_mode=True,
        app_token=APP_TOKEN,
        ack_timeout_s=ACK_TIMEOUT_S,
        retry_delays_s=(0.2, 0.5, 1.0),
    )
    emulator.start()
    settings = Settings(
        DATA_DIR=str(tmp_path_factory.mktemp("socket-mode")),
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=emulator.api_url,
        APPROVER_USER_IDS="U03CAROL",
    )
    services = Services(settings)
    # What `python -m bot train` does: schema, and for the sample database its terms and examples.
    services.train()
    handler = start_socket_mode(settings, services)
    yield emulator, services
    handler.close()
    emulator.stop()


def test_connection_is_opened_with_the_app_token_through_the_api_url(stack) -> None:
    emu, _ = stack
    opened = emu.calls("apps.connections.open")
    assert opened and opened[0].token == APP_TOKEN and opened[0].response["url"].startswith("ws://127.0.0.1:")
    # The client's handshake can finish before the server's side registers the connection.
    emu.wait_for(lambda: emu.socket_mode.connected == 1, 10, "the bot is not connected")


def test_shared_file_and_mention_get_threaded_answers_over_the_socket(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C30SOCKET", "socket-docs").id
    policy = b"Travel policy. A hotel may cost at most 150 EUR per night; 200 EUR in London and Paris.\n"
    shared = emu.share_file(channel, "alice", "travel_policy.txt", policy)
    assert "Indexed travel_policy.txt" in replies(emu, channel, shared.ts)[0]["text"]

    ts = emu.user_message(channel, "bob", "@bot What is the hotel limit per night?")
    answer = replies(emu, channel, ts)[0]
    assert "150" in all_text(answer) and "travel_policy.txt" in all_text(answer)
    emu.wait_quiet()
    assert len([m for m in emu.bot_messages(channel, shared.ts) if m["ts"] != shared.ts]) == 1, (
        "file_share message + file_shared event must give one ingestion"
    )
    assert len(services.documents.list(channel)) == 1
    envelopes = [json.loads(d.body) for d in emu.deliveries("app_mention")]
    assert envelopes and envelopes[-1]["type"] == "events_api" and envelopes[-1]["payload"]["event"]["ts"] == ts
    assert all(d.ok for d in emu.deliveries()), [(d.label, d.error) for d in emu.deliveries() if not d.ok]


def test_data_question_proposal_is_approved_once(stack) -> None:
    emu, services = stack
    channel = emu.add_channel("C31SOCKET", "socket-data").id
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    proposal = replies(emu, channel, ts)[0]
    assert c.SQL_APPROVE_ACTION_ID in all_text(proposal) and "SELECT" in all_text(proposal).upper()

    first = emu.click(channel, proposal["ts"], c.SQL_APPROVE_ACTION_ID, "alice")
    assert json.loads(first.body)["type"] == "interactive"
    # A double click: the same button on the same (not yet updated) message, sent again.
    second = emu.deliverer.send_interactive(first.label, json.loads(first.body)["payload"])
    assert first.ok and second.ok, "both clicks are acknowledged over the socket"
    result = replies(emu, channel, ts, 2)[1]
    assert any(b["type"] == "table" for b in result["blocks"])
    emu.wait_quiet()
    assert (
        len([m for m in emu.bot_messages(channel, ts) if any(b["type"] == "table" for b in m.get("blocks", []))]) == 1
    )
    ref = next(
        e["value"]
        for b in proposal["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == c.SQL_APPROVE_ACTION_ID
    )
    assert services.approvals.get(decode_query_ref(ref)).status == "done"


def test_slash_command_goes_over_the_socket_and_its_ack_payload_is_shown(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C34SOCKET", "socket-ask").id
    usage = emu.slash_command("/ask", "", channel, "alice")
    assert json.loads(usage.body)["type"] == "slash_commands"
    assert usage.ok and "Usage" in json.loads(usage.response)["text"]
    assert any("Usage" in m["text"] for m in emu.ephemerals(channel, "alice")), "the ack's text is shown to the user"

    assert emu.slash_command("/ask", "How many orders were placed in 2023?", channel, "bob").ok
    root = emu.wait_for(
        lambda: next((m for m in emu.bot_messages(channel) if "asked:" in m.get("text", "")), None), WAIT_S
    )
    assert c.SQL_APPROVE_ACTION_ID in all_text(replies(emu, channel, root["ts"])[0])


def test_unacknowledged_event_is_retried_and_answered_once(stack) -> None:
    emu, _ = stack
    channel = emu.add_channel("C32SOCKET", "socket-retry").id
    assert emu.socket_mode is not None
    LostAcks(emu.socket_mode).lose("app_mention")
    ts = emu.user_message(channel, "alice", "@bot How many customers are there?")
    replies(emu, channel, ts)
    emu.wait_quiet()
    attempts = [d for d in emu.deliveries("app_mention") if json.loads(d.body)["payload"]["event"]["ts"] == ts]
    assert [(d.retry_num, d.ok) for d in attempts] == [(0, False), (1, True)], "lost acknowledgement → one retry"
    first, retry = (json.loads(d.body) for d in attempts)
    assert retry["payload"]["event_id"] == first["payload"]["event_id"] and retry["envelope_id"] != first["envelope_id"]
    assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
    assert len([m for m in emu.bot_messages(channel, ts) if m["ts"] != ts]) == 1, "the retry must not be answered again"


def test_disconnect_makes_the_client_reconnect_and_events_keep_flowing(stack) -> None:
    emu, _ = stack
    opened = emu.socket_mode.connections_opened
    urls = len(emu.calls("apps.connections.open"))
    emu.socket_mode.disconnect()
    # The client opens a new connection, then drops the old one once its reader lets go (≤ 3 s).
    emu.wait_for(
        lambda: emu.socket_mode.connections_opened > opened and emu.socket_mode.connected == 1,
        10,
        "the client did not move to a new connection",
    )
    assert len(emu.calls("apps.connections.open")) == urls + 1, "a new URL for the new connection"
    channel = emu.add_channel("C33SOCKET", "socket-reconnect").id
    ts = emu.user_message(channel, "alice", "@bot How many orders were placed in 2023?")
    assert c.SQL_APPROVE_ACTION_ID in all_text(replies(emu, channel, ts)[0])
    emu.wait_idle()
    assert [d.ok for d in emu.deliveries("app_mention") if json.loads(d.body)["payload"]["event"]["ts"] == ts] == [True]


def test_web_api_refuses_the_wrong_kind_of_token(stack) -> None:
    emu, _ = stack
    assert (
        emu.api.call("apps.connections.open", {}, f"Bearer {emu.bot_token}").body["error"] == "not_allowed_token_type"
    )
    assert emu.api.call("apps.connections.open", {}, "Bearer xapp-1-wrong").body["error"] == "invalid_auth"
    assert (
        emu.api.call("chat.postMessage", {"channel": "general", "text": "x"}, f"Bearer {APP_TOKEN}").body["error"]
        == "not_allowed_token_type"
    )


def test_a_websocket_url_works_once_and_only_from_apps_connections_open(stack) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    emu, _ = stack
    url = emu.api.call("apps.connections.open", {}, f"Bearer {APP_TOKEN}").body["url"]
    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
    assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == emu.ws.app_id
    for refused in (url, url.split("?")[0] + "?ticket=guessed"):
        with pytest.raises(InvalidStatus, match="401"):
            connect(refused)


def test_a_refused_app_token_is_a_clear_configuration_error(stack) -> None:
    from bot.socket_mode import SocketModeNotConfigured, start_socket_mode

    emu, services = stack
    settings = Settings(SLACK_BOT_TOKEN=emu.bot_token, SLACK_APP_TOKEN="xapp-1-revoked", SLACK_API_URL=emu.api_url)
    with pytest.raises(SocketModeNotConfigured, match="invalid_auth"):
        start_socket_mode(settings, services)
