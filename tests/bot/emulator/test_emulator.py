"""The Slack emulator against slack_sdk's real WebClient and a real Bolt app over HTTP.

The Bolt app here is a tiny stand-in for ours (built in these tests), served by
`BoltHost`, which hands each request to `App.dispatch` as Bolt's adapters do.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.emulator import SlackEmulator
from tests.support.bolt_host import BoltHost
from tests.support.slack_faults import ApiFaults

SECRET = "emulator-test-secret"
TOKEN = "xoxb-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(SECRET, bot_token=TOKEN, retry_delays_s=(0.05, 0.05, 0.05))
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=emu.api_url)


@pytest.fixture
def bolt(emu: SlackEmulator) -> Iterator[App]:
    """A real Bolt app pointed at the emulator; tests add listeners, then events flow."""
    # process_before_response: the HTTP answer waits for the listener, so tests need no polling.
    app = App(client=WebClient(token=TOKEN, base_url=emu.api_url), signing_secret=SECRET, process_before_response=True)
    host = BoltHost(app)
    emu.bot_url = host.start()
    yield app
    host.stop()


# -- Web API -------------------------------------------------------------------------------


def test_auth_is_checked_like_slack(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emu.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=emu.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    me = WebClient(token=TOKEN, base_url=emu.api_url).auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == ("UBOT", "B01BOT", "T1")


def test_thread_post_update_reactions_and_replies(emu: SlackEmulator, client: WebClient) -> None:
    parent = emu.user_message("general", "alice", "hello")
    reply = client.chat_postMessage(
        channel="C01GENERAL",
        thread_ts=parent,
        text="hi",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}],
    )
    assert reply["message"]["thread_ts"] == parent and reply["message"]["bot_id"] == "B01BOT"
    client.reactions_add(channel="C01GENERAL", timestamp=parent, name="eyes")
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C01GENERAL", timestamp=parent, name="eyes")
    assert again.value.response["error"] == "already_reacted"
    client.reactions_remove(channel="C01GENERAL", timestamp=parent, name="eyes")
    client.chat_update(channel="C01GENERAL", ts=reply["ts"], text="edited")
    thread = client.conversations_replies(channel="C01GENERAL", ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["hello", "edited"]
    assert thread[0]["reply_count"] == 1 and "reactions" not in thread[0]
    with pytest.raises(SlackApiError) as foreign:
        client.chat_update(channel="C01GENERAL", ts=parent, text="not mine")
    assert foreign.value.response["error"] == "cant_update_message"
    history = client.conversations_history(channel="general")["messages"]
    assert [m["ts"] for m in history] == [parent]  # replies stay in the thread


def test_block_kit_limits_are_enforced(client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C01GENERAL", text="t", blocks=[section] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as too_long:
        client.chat_postMessage(channel="C01GENERAL", text="t", blocks=[long_section])
    assert "3001" in json.dumps(too_long.value.response["errors"])
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning):  # slack_sdk warns about no text too
        client.chat_postMessage(channel="C01GENERAL")
    assert empty.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as nowhere:
        client.chat_postMessage(channel="C99NOPE", text="t")
    assert nowhere.value.response["error"] == "channel_not_found"


def test_rate_limit_answers_429_with_retry_after(emu: SlackEmulator) -> None:
    faults = ApiFaults(emu)
    faults.rate_limit("chat.postMessage", retry_after=1)
    plain = WebClient(token=TOKEN, base_url=emu.api_url)
    with pytest.raises(SlackApiError) as limited:
        plain.chat_postMessage(channel="C01GENERAL", text="t")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    faults.rate_limit("chat.postMessage", retry_after=0)
    patient = WebClient(
        token=TOKEN, base_url=emu.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    assert patient.chat_postMessage(channel="C01GENERAL", text="t")["ok"]
    assert [c.status for c in emu.calls("chat.postMessage")] == [429, 429, 200]


def test_injected_failure(emu: SlackEmulator, client: WebClient) -> None:
    ApiFaults(emu).fail("reactions.add", "missing_scope")
    with pytest.raises(SlackApiError) as failed:
        client.reactions_add(channel="C01GENERAL", timestamp=emu.user_message("general", "bob", "x"), name="eyes")
    assert failed.value.response["error"] == "missing_scope"


def test_conversations_info_and_join(client: WebClient, emu: SlackEmulator) -> None:
    private = client.conversations_info(channel="C04FINANCE")["channel"]
    assert private["is_private"] and not private["is_im"]
    im = client.conversations_info(channel="D01ALICE")["channel"]
    assert im["is_im"] and im["user"] == "U01ALICE"
    emu.add_channel("C09OUTSIDE", "outside", bot_member=False)
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="C09OUTSIDE", text="t")
    assert outside.value.response["error"] == "not_in_channel"
    client.conversations_join(channel="C09OUTSIDE")
    assert client.chat_postMessage(channel="C09OUTSIDE", text="t")["ok"]
    assert client.users_info(user="U02BOB")["user"]["name"] == "bob"


def test_files_upload_v2_lands_in_the_thread(emu: SlackEmulator, client: WebClient) -> None:
    parent = emu.user_message("data", "alice", "numbers please")
    done = client.files_upload_v2(
        channel="C03DATA",
        thread_ts=parent,
        filename="result.csv",
        content="a,b\n1,2\n",
        initial_comment="Here is the CSV",
    )
    file_id = done["file"]["id"]
    reply = emu.messages("data", parent)[-1]
    assert reply["text"] == "Here is the CSV" and reply["files"][0]["id"] == file_id
    info = client.files_info(file=file_id)["file"]
    assert info["name"] == "result.csv" and info["size"] == 8
    request = urllib.request.Request(info["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request) as response:
        assert response.read() == b"a,b\n1,2\n"
    with urllib.request.urlopen(info["url_private_download"]) as anonymous:  # like Slack: a sign-in page
        assert anonymous.headers.get_content_type() == "text/html"


def test_views_need_a_fresh_trigger(client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Edit"}, "blocks": []}
    with pytest.raises(SlackApiError) as bad:
        client.views_open(trigger_id="123.456.abc", view=modal)
    assert bad.value.response["error"] == "invalid_trigger_id"


def test_home_tab_publish(emu: SlackEmulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome"}}]}
    client.views_publish(user_id="U01ALICE", view=home)
    assert emu.home_view("alice")["blocks"][0]["text"]["text"] == "Welcome"


# -- deliveries to a real Bolt app ---------------------------------------------------------


def test_mention_delivers_message_and_app_mention_signed(emu: SlackEmulator, bolt: App) -> None:
    seen: list[dict[str, Any]] = []

    @bolt.event("app_mention")
    def on_mention(event: dict[str, Any], say: Any) -> None:
        seen.append(event)
        say(text=f"you said: {event['text']}", thread_ts=event["ts"])

    @bolt.event("message")
    def on_message(event: dict[str, Any]) -> None:
        seen.append(event)

    ts = emu.user_message("general", "alice", "@DocBot what is a <tag> & co?")
    reply = emu.wait_for(lambda: emu.bot_messages("general", ts), timeout=10)[0]
    assert reply["text"] == "you said: <@UBOT> what is a &lt;tag&gt; &amp; co?"
    emu.wait_idle()
    kinds = sorted(e["type"] for e in seen)
    assert kinds == ["app_mention", "message"]  # the bot's own reply was filtered by Bolt
    assert all(d.ok for d in emu.deliveries())
    mention = next(e for e in seen if e["type"] == "app_mention")
    assert mention["channel"] == "C01GENERAL" and mention["user"] == "U01ALICE"


def test_share_file_sends_both_events_and_download_works(emu: SlackEmulator, bolt: App) -> None:
    got: list[tuple[str, bytes]] = []

    @bolt.event("file_shared")
    def on_file(event: dict[str, Any], client: WebClient) -> None:
        info = client.files_info(file=event["file_id"])["file"]
        request = urllib.request.Request(info["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request) as response:
            got.append(("file_shared", response.read()))

    @bolt.event({"type": "message", "subtype": "file_share"})
    def on_share(event: dict[str, Any]) -> None:
        got.append(("file_share", event["files"][0]["name"].encode()))

    emu.share_file("general", "bob", "notes.md", b"# Notes\nhello")
    emu.wait_for(lambda: len(got) == 2)
    assert sorted(got) == [("file_share", b"notes.md"), ("file_shared", b"# Notes\nhello")]


def test_files_info_shares_name_the_sharing_message(emu: SlackEmulator, client: WebClient) -> None:
    public = emu.share_file("general", "bob", "a.md", b"a")
    parent = emu.user_message("finance", "carol", "budget")
    private = emu.share_file("finance", "carol", "b.md", b"b", thread_ts=parent)
    shares = client.files_info(file=public.file_id)["file"]["shares"]
    assert shares["public"]["C01GENERAL"][0]["ts"] == public.ts
    secret = client.files_info(file=private.file_id)["file"]
    assert secret["groups"] == ["C04FINANCE"] and secret["channels"] == []
    assert secret["shares"]["private"]["C04FINANCE"][0]["thread_ts"] == parent


def test_click_update_and_response_url(emu: SlackEmulator, bolt: App, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="C01GENERAL",
        text="Run it?",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "Run it?"}},
            {
                "type": "actions",
                "block_id": "approval",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "sql_approve",
                        "value": "q1",
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                ],
            },
        ],
    )
    clicks: list[dict[str, Any]] = []

    @bolt.action("sql_approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()
        clicks.append(body)
        client.chat_update(channel=body["channel"]["id"], ts=body["container"]["message_ts"], text="Approved")
        respond(text="Only you can see this")

    delivery = emu.click("general", posted["ts"], "sql_approve", "carol")
    assert delivery.status == 200
    body = clicks[0]
    assert body["actions"][0]["value"] == "q1" and body["actions"][0]["block_id"] == "approval"
    assert body["user"]["id"] == "U03CAROL" and body["message"]["ts"] == posted["ts"]
    assert emu.messages("general")[-1]["text"] == "Approved"
    assert emu.ephemerals("general", "carol")[0]["text"] == "Only you can see this"


def test_modal_errors_then_close(emu: SlackEmulator, bolt: App, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="C01GENERAL",
        text="x",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "sql_edit", "text": {"type": "plain_text", "text": "Edit"}}
                ],
            },
        ],
    )

    @bolt.action("sql_edit")
    def edit(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "sql_edit_submit",
                "title": {"type": "plain_text", "text": "Edit SQL"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "sql",
                        "label": {"type": "plain_text", "text": "SQL"},
                        "element": {
                            "type": "plain_text_input",
                            "action_id": "text",
                            "multiline": True,
                            "initial_value": "SELECT 1",
                        },
                    }
                ],
            },
        )

    @bolt.view("sql_edit_submit")
    def submitted(ack: Any, view: dict[str, Any]) -> None:
        sql = view["state"]["values"]["sql"]["text"]["value"]
        if sql.lower().startswith("drop"):
            ack(response_action="errors", errors={"sql": "Only SELECT is allowed"})
        else:
            ack()

    emu.click("general", posted["ts"], "sql_edit", "alice")
    modal = emu.open_view("alice")
    assert modal is not None and modal["title"]["text"] == "Edit SQL"
    emu.submit_view(modal["id"], "alice", {"text": "DROP TABLE x"})
    assert emu.open_view("alice")["errors"] == {"sql": "Only SELECT is allowed"}
    emu.submit_view(modal["id"], "alice", {"sql": {"text": "SELECT 2"}})
    assert emu.open_view("alice") is None


def test_slash_command_reply_is_ephemeral(emu: SlackEmulator, bolt: App) -> None:
    @bolt.command("/ask")
    def ask(ack: Any, command: dict[str, Any]) -> None:
        ack(text=f"Looking into: {command['text']}")

    delivery = emu.slash_command("/ask", "how many orders?", "data", "bob")
    assert delivery.status == 200
    assert emu.ephemerals("data", "bob")[0]["text"] == "Looking into: how many orders?"


def test_app_home_opened(emu: SlackEmulator, bolt: App) -> None:
    @bolt.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{event['user']}>"}}],
            },
        )

    emu.open_home("bob")
    assert emu.wait_for(lambda: emu.home_view("bob"), timeout=10)["blocks"][0]["text"]["text"] == "Hi <@U02BOB>"


def test_raw_delivery_signature_and_retry_headers(emu: SlackEmulator, bolt: App) -> None:
    retries: list[str | None] = []

    @bolt.event("app_mention")
    def on_mention(event: dict[str, Any], context: Any) -> None:
        retries.append(context.get("retry_num") if hasattr(context, "get") else None)

    envelope = emu.event_envelope(
        {
            "type": "app_mention",
            "user": "U01ALICE",
            "text": "<@UBOT> hi",
            "ts": "1.000001",
            "channel": "C01GENERAL",
            "event_ts": "1.000001",
        },
        event_id="Ev1",
    )
    assert emu.deliver_raw(envelope, secret="wrong").status == 401
    assert emu.deliver_raw(envelope, timestamp=int(time.time()) - 600).status == 401
    assert emu.deliver_raw(envelope, retry_num=1).status == 200
    sent = emu.deliveries("raw")[-1]
    assert sent.headers["X-Slack-Retry-Num"] == "1" and sent.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert json.loads(sent.body)["event_id"] == "Ev1"


def test_failed_event_is_retried_with_retry_headers(emu: SlackEmulator) -> None:
    statuses = iter([500, 200])
    seen: list[dict[str, str]] = []

    class Flaky(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(dict(self.headers))
            self.send_response(next(statuses))
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    emu.bot_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    try:
        emu.open_home("alice")
        emu.wait_idle()
    finally:
        server.shutdown()
        server.server_close()
    assert [h.get("X-Slack-Retry-Num") for h in seen] == [None, "1"]
    assert seen[1]["X-Slack-Retry-Reason"] == "http_error"


def test_mention_outside_the_bots_channels_is_not_delivered(emu: SlackEmulator) -> None:
    emu.add_channel("C09OUTSIDE", "outside", bot_member=False)
    emu.user_message("outside", "alice", "@bot hello?")
    emu.wait_idle()
    assert emu.deliveries() == []
    assert "not in this channel" in emu.ephemerals("outside", "alice")[0]["text"]


def test_redeliver_repeats_the_event_id_and_wait_quiet(emu: SlackEmulator, bolt: App) -> None:
    answered: list[str] = []

    @bolt.event("app_mention")
    def on_mention(event: dict[str, Any], say: Any) -> None:
        answered.append(event["ts"])
        say(text="answer", thread_ts=event["ts"])

    @bolt.event("message")
    def on_message() -> None:
        pass

    emu.user_message("general", "alice", "@bot hi")
    emu.wait_quiet(quiet_s=0.2)
    first = emu.deliveries("app_mention")[0]
    again = emu.redeliver(first, retry_num=2, retry_reason="http_error")
    assert again.ok and again.headers["X-Slack-Retry-Num"] == "2"
    assert json.loads(again.body)["event_id"] == json.loads(first.body)["event_id"]
    assert len(answered) == 2  # this toy app has no dedup; ours must answer once
