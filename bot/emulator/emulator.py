"""`SlackEmulator`: a local Slack workspace for tests and the demo.

It serves the Web API at `<base>/api/`, file downloads and uploads, response URLs and a web
page, and acts as the people in the workspace: their messages, shared files, button clicks,
modal submissions and slash commands become signed requests to the bot's endpoint, or, with
`socket_mode=True`, envelopes over the bot's Socket Mode connection.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import payloads
from .delivery import Deliverer, Delivery, Transport, signature
from .sample_pdf import SAMPLE_PDF_NAME
from .server import EmulatorServer
from .socket_mode import SocketModeServer
from .text import encode_user_text, mentioned_users, rich_text_block
from .web_api import ApiCall, ApiError, WebApi
from .workspace import Conversation, StoredFile, User, Workspace

T = TypeVar("T")

HUMANS = (("U01ALICE", "alice", "Alice Adams"), ("U02BOB", "bob", "Bob Brown"), ("U03CAROL", "carol", "Carol Chen"))
CHANNELS = (
    ("C01GENERAL", "general", False),
    ("C02RANDOM", "random", False),
    ("C03DATA", "data", False),
    ("C04FINANCE", "finance", True),
)


@dataclass
class SharedFile:
    file_id: str
    ts: str  # the file_share message's ts


@dataclass
class _ResponseTarget:
    """Where a response_url posts: the source message (if any), its channel and user."""

    channel_id: str
    user_id: str
    message_ts: str | None
    thread_ts: str | None
    ephemeral: bool


class SlackEmulator:
    def __init__(
        self,
        signing_secret: str,
        bot_url: str = "",
        bot_token: str = "xoxb-demo",
        team_id: str = "T1",
        bot_user_id: str = "UBOT",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "DocBot",
        team_name: str = "Demo",
        deliver_bot_events: bool = True,
        ack_timeout_s: float = 3.0,
        retry_delays_s: Sequence[float] = (0.5, 2.0, 5.0),
        trigger_ttl_s: float = 30.0,
        socket_mode: bool = False,
        app_token: str = "xapp-1-demo",
    ) -> None:
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.deliver_bot_events = deliver_bot_events
        self.ws = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id="B01BOT",
            app_id="A01DOCBOT",
            bot_name=bot_name,
        )
        for user_id, name, real_name in HUMANS:
            self.ws.add_user(User(user_id, name, real_name))
            self.ws.add_conversation(Conversation(f"D{user_id[1:]}", name, is_im=True, im_user=user_id))
        for channel_id, name, private in CHANNELS:
            self.ws.add_conversation(Conversation(channel_id, name, is_private=private))
        self._http = Deliverer(
            bot_url, signing_secret, ack_timeout_s=ack_timeout_s, retry_delays_s=retry_delays_s, on_change=self.ws.touch
        )
        self.socket_mode = (
            SocketModeServer(
                app_token,
                self.ws.app_id,
                host=host,
                ack_timeout_s=ack_timeout_s,
                retry_delays_s=retry_delays_s,
                on_change=self.ws.touch,
            )
            if socket_mode
            else None
        )
        # Where people's actions go: the bot's request URL, or its Socket Mode connection.
        self.deliverer: Transport = self.socket_mode or self._http
        self.api = WebApi(
            self.ws,
            bot_token=bot_token,
            base_url=lambda: self.base_url,
            on_bot_event=self._bot_event,
            trigger_ttl_s=trigger_ttl_s,
            socket_mode=self.socket_mode,
        )
        self._server = EmulatorServer(self, host, port)
        self._responses: dict[str, _ResponseTarget] = {}
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        # The bound address, as server_address holds it (typeshed allows a bytes host there).
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}api/"

    @property
    def sample_pdf_url(self) -> str:
        """Where the web page offers the sample PDF, for a newcomer with no PDF at hand."""
        return f"{self.base_url}emu/samples/{SAMPLE_PDF_NAME}"

    @property
    def bot_url(self) -> str:
        return self._http.bot_url

    @bot_url.setter
    def bot_url(self, url: str) -> None:
        """The bot's request URL may be known only after the emulator started (its API URL is needed first)."""
        self._http.bot_url = url

    def start(self) -> str:
        """Serves in a background thread; returns the base URL (`http://127.0.0.1:PORT/`)."""
        if self.socket_mode is not None:
            self.socket_mode.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def serve_forever(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.start()
        self._server.serve_forever()

    def stop(self) -> None:
        self._http.close()
        if self.socket_mode is not None:
            self.socket_mode.close()
        if self._thread is not None:  # shutdown() would wait forever for a loop that never ran
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SlackEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lookups -----------------------------------------------------------------------
    def channel(self, ref: str) -> Conversation:
        """A conversation by id or name (`C01GENERAL`, `general`, `#general`); a user id gives their DM."""
        conversation = self.ws.conversation(ref) or (self.ws.im_with(ref) if ref.startswith("U") else None)
        if conversation is None:
            raise ValueError(f"no conversation {ref!r} in the emulated workspace")
        return conversation

    def user(self, ref: str) -> User:
        user = self.ws.user(ref)
        if user is None:
            raise ValueError(f"no user {ref!r} in the emulated workspace")
        return user

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, bot_member: bool = True
    ) -> Conversation:
        return self.ws.add_conversation(Conversation(channel_id, name, is_private=private, bot_member=bot_member))

    def messages(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Top-level messages oldest first; with `thread_ts`, the parent followed by its replies."""
        conversation = self.channel(channel)
        with self.ws.lock:
            items = self.ws.thread(conversation, thread_ts) if thread_ts else self.ws.top_level(conversation)
            copied: list[dict[str, Any]] = json.loads(json.dumps(items))
            return copied

    def bot_messages(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages(channel, thread_ts) if m.get("bot_id") == self.ws.bot_id]

    def ephemerals(self, channel: str, user: str | None = None) -> list[dict[str, Any]]:
        conversation = self.channel(channel)
        user_id = self.user(user).id if user else None
        with self.ws.lock:
            return [dict(m) for m in conversation.ephemerals if user_id in (None, m.get("ephemeral_for"))]

    def file(self, file_id: str) -> StoredFile:
        return self.ws.files[file_id]

    def open_view(self, user: str) -> dict[str, Any] | None:
        """The modal on top of `user`'s screen, if any."""
        with self.ws.lock:
            stack = self.ws.open_modals.get(self.user(user).id) or []
            return dict(self.ws.views[stack[-1]]) if stack else None

    def home_view(self, user: str) -> dict[str, Any] | None:
        with self.ws.lock:
            view_id = self.ws.home_views.get(self.user(user).id)
            return dict(self.ws.views[view_id]) if view_id else None

    def calls(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in list(self.api.calls) if method in (None, c.method)]

    def deliveries(self, label: str | None = None) -> list[Delivery]:
        return [d for d in list(self.deliverer.log) if label is None or d.label.startswith(label)]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0, message: str = "") -> T:
        """Returns the first truthy value of `predicate()`, re-checked on every workspace change."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(message or f"condition not met within {timeout} s")
            with self.ws.changed:
                self.ws.changed.wait(min(left, 0.2))

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Waits until every queued event delivery (and its retries) has finished."""
        if not self.deliverer.wait_idle(timeout):
            raise TimeoutError(f"event deliveries still pending after {timeout} s")

    def wait_quiet(self, quiet_s: float = 0.5, timeout: float = 15.0) -> None:
        """Waits until no delivery is queued and neither a Web API call nor a delivery happened for `quiet_s`.

        For asserting that something did NOT happen (no second answer after a retry): the bot's
        lazy work runs after its acknowledgement, so an idle delivery queue is not enough.
        """
        deadline = time.monotonic() + timeout
        self.wait_idle(timeout)
        while True:
            last = max([c.at for c in self.api.calls[-1:]] + [d.at for d in self.deliverer.log[-1:]] + [0.0])
            idle_for = time.time() - last
            if idle_for >= quiet_s:
                return
            if time.monotonic() + (quiet_s - idle_for) > deadline:
                raise TimeoutError(f"the bot was still busy after {timeout} s")
            time.sleep(quiet_s - idle_for)

    # -- people acting -----------------------------------------------------------------
    def _resolve_name(self, name: str) -> str | None:
        lowered = name.lower()
        if lowered in ("bot", self.ws.bot_name.lower()):
            return self.ws.bot_user_id
        user = self.ws.user(lowered)
        return user.id if user else None

    def _thread_root(self, conversation: Conversation, thread_ts: str | None) -> str | None:
        if not thread_ts:
            return None
        parent = self.ws.find_message(conversation, thread_ts)
        if parent is None:
            raise ValueError(f"no message {thread_ts} in {conversation.id}")
        root: str = parent.get("thread_ts") or parent["ts"]
        return root

    def slackbot_message(self, channel: str, text: str) -> str:
        """Posts a notice from Slackbot (mrkdwn); Slack shows it but sends no event to the app. Returns the ts."""
        conversation = self.channel(channel)
        with self.ws.lock:
            ts = self.ws.next_ts()
            self.ws.add_message(
                conversation, {"type": "message", "user": "USLACKBOT", "text": text, "ts": ts, "team": self.ws.team_id}
            )
        return ts

    def user_message(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> str:
        """Posts as a person; `@bot`, `@DocBot`, `@alice` become mentions. Returns the message ts."""
        conversation, person = self.channel(channel), self.user(user)
        wire_text = encode_user_text(text, self._resolve_name)
        with self.ws.lock:
            ts = self.ws.next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": person.id,
                "text": wire_text,
                "ts": ts,
                "team": self.ws.team_id,
                "client_msg_id": str(uuid.uuid4()),
                "blocks": [rich_text_block(wire_text, uuid.uuid4().hex[:5])],
            }
            root = self._thread_root(conversation, thread_ts)
            if root:
                message["thread_ts"] = root
            self.ws.add_message(conversation, message)
        self._deliver_user_post(conversation, message)
        return ts

    def share_file(
        self,
        channel: str,
        user: str,
        name: str,
        data: bytes,
        thread_ts: str | None = None,
        text: str = "",
        title: str | None = None,
    ) -> SharedFile:
        """Uploads a file as a person: Slack sends a `message` (subtype file_share) AND a `file_shared` event."""
        conversation, person = self.channel(channel), self.user(user)
        wire_text = encode_user_text(text, self._resolve_name)
        with self.ws.lock:
            stored = self.ws.add_file(name, person.id, data, title=title)
            ts = self.ws.next_ts()
            root = self._thread_root(conversation, thread_ts)
            stored.add_share(conversation, ts, person.id, root)
            message: dict[str, Any] = {
                "type": "message",
                "subtype": "file_share",
                "text": wire_text,
                "user": person.id,
                "files": [stored.to_dict(self.base_url, self.ws.team_id)],
                "upload": False,
                "display_as_bot": False,
                "ts": ts,
                "team": self.ws.team_id,
            }
            if wire_text:
                message["blocks"] = [rich_text_block(wire_text, uuid.uuid4().hex[:5])]
            if root:
                message["thread_ts"] = root
            self.ws.add_message(conversation, message)
        if self._deliver_user_post(conversation, message):
            self._send_event(
                {
                    "type": "file_shared",
                    "channel_id": conversation.id,
                    "file_id": stored.id,
                    "user_id": person.id,
                    "file": {"id": stored.id},
                    "event_ts": ts,
                }
            )
        return SharedFile(stored.id, ts)

    def _deliver_user_post(self, conversation: Conversation, message: dict[str, Any]) -> bool:
        """Sends the message event (and app_mention when the bot is mentioned); False if the bot can't see it."""
        mentions_bot = self.ws.bot_user_id in mentioned_users(message.get("text", ""))
        if not conversation.bot_member and not conversation.is_im:
            if mentions_bot:
                self._slackbot_note(
                    conversation,
                    message["user"],
                    f"You mentioned <@{self.ws.bot_user_id}>, but they're not in this channel.",
                )
            return False
        event = {
            **message,
            "channel": conversation.id,
            "event_ts": message["ts"],
            "channel_type": conversation.channel_type,
        }
        self._send_event(event)
        if mentions_bot and not conversation.is_im:
            not_in_mentions = ("channel_type", "subtype", "upload", "display_as_bot")
            mention = {k: v for k, v in event.items() if k not in not_in_mentions}
            mention["type"] = "app_mention"
            self._send_event(mention)
        return True

    def _slackbot_note(self, conversation: Conversation, user_id: str, text: str) -> None:
        with self.ws.lock:
            conversation.ephemerals.append(
                {
                    "type": "message",
                    "user": "USLACKBOT",
                    "text": text,
                    "ts": self.ws.next_ts(),
                    "ephemeral_for": user_id,
                }
            )
            self.ws.touch()

    def click(self, channel: str, message_ts: str, action_id: str, user: str, *, value: str | None = None) -> Delivery:
        """Clicks the button `action_id` on a message (ephemeral ones included); returns the bot's answer."""
        conversation, person = self.channel(channel), self.user(user)
        with self.ws.lock:
            message = self.ws.find_message(conversation, message_ts)
            ephemeral = message is None
            if message is None:
                message = next((m for m in conversation.ephemerals if m["ts"] == message_ts), None)
            if message is None:
                raise ValueError(f"no message {message_ts} in {conversation.id}")
            found = _find_action(message.get("blocks", []), action_id, value)
            if found is None:
                raise ValueError(f"message {message_ts} has no element with action_id {action_id!r}")
            block_id, element = found
            response_url = self._response_url(
                _ResponseTarget(conversation.id, person.id, message_ts, message.get("thread_ts"), ephemeral)
            )
            payload = payloads.block_actions(
                self.ws,
                user=person,
                channel=conversation,
                message=json.loads(json.dumps(message)),
                action=element,
                block_id=block_id,
                response_url=response_url,
                trigger_id=self._trigger(person.id),
                is_ephemeral=ephemeral,
            )
        return self.deliverer.send_interactive(f"block_actions {action_id}", payload)

    def submit_view(self, view_id: str, user: str, values: dict[str, Any]) -> Delivery:
        """Submits a modal. `values` maps action_id → text (or block_id → {action_id → text}).

        The bot's answer is applied as Slack does: empty closes the modal, `errors` shows
        them on the fields, `update`/`push` replace or stack a view, `clear` closes all.
        """
        person = self.user(user)
        with self.ws.lock:
            view = self.ws.views.get(view_id)
            if view is None:
                raise ValueError(f"no view {view_id}")
            state = _view_state(view, values)
            payload = payloads.view_submission(
                self.ws, user=person, view=view, values=state, trigger_id=self._trigger(person.id)
            )
        delivery = self.deliverer.send_interactive(f"view_submission {view.get('callback_id', '')}".strip(), payload)
        self._apply_view_response(person.id, view_id, delivery)
        return delivery

    def close_view(self, view_id: str, user: str) -> None:
        person = self.user(user)
        with self.ws.lock:
            stack = self.ws.open_modals.get(person.id) or []
            view = self.ws.views.get(view_id)
            if view_id in stack:
                del stack[stack.index(view_id) :]
            self.ws.touch()
        if view is not None and view.get("notify_on_close"):
            self.deliverer.send_interactive("view_closed", payloads.view_closed(self.ws, user=person, view=view))

    def slash_command(self, command: str, text: str, channel: str, user: str) -> Delivery:
        """Runs `/command text`; a JSON or text answer in the HTTP response shows as Slack would."""
        conversation, person = self.channel(channel), self.user(user)
        target = _ResponseTarget(conversation.id, person.id, None, None, True)
        form = payloads.slash_command(
            self.ws,
            user=person,
            channel=conversation,
            command=command,
            text=text,
            response_url=self._response_url(target),
            trigger_id=self._trigger(person.id),
        )
        delivery = self.deliverer.send_command(command, form)
        if delivery.ok and delivery.response.strip():
            try:
                reply = json.loads(delivery.response)
            except json.JSONDecodeError:
                reply = {"text": delivery.response}
            if isinstance(reply, dict) and (reply.get("text") or reply.get("blocks")):
                self.respond(target, reply)
        return delivery

    def open_home(self, user: str) -> None:
        """The person opens the bot's App Home tab (an `app_home_opened` event)."""
        person = self.user(user)
        im = self.ws.im_with(person.id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": person.id,
            "channel": im.id if im else "",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        home = self.home_view(person.id)
        if home:
            event["view"] = home
        self._send_event(event)

    # -- raw deliveries ----------------------------------------------------------------
    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        return payloads.event_envelope(self.ws, event, event_id=event_id)

    def deliver_raw(
        self,
        body: str | bytes | dict[str, Any],
        *,
        content_type: str = "application/json",
        sign: bool = True,
        secret: str | None = None,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        headers: dict[str, str] | None = None,
    ) -> Delivery:
        """POSTs a body to the bot's request URL right now, signed (or not, or with another secret or timestamp)."""
        text = json.dumps(body) if isinstance(body, dict) else body.decode() if isinstance(body, bytes) else body
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if sign:
            sent["X-Slack-Request-Timestamp"] = ts
            sent["X-Slack-Signature"] = signature(secret or self.signing_secret, ts, text)
        if retry_num is not None:
            sent["X-Slack-Retry-Num"] = str(retry_num)
            sent["X-Slack-Retry-Reason"] = retry_reason
        sent.update(headers or {})
        return self._http.send("raw", "raw", text, sent, retry_num=retry_num or 0)

    def redeliver(self, delivery: Delivery, *, retry_num: int = 1, retry_reason: str = "http_timeout") -> Delivery:
        """Sends an earlier event again, as Slack's retry does: same body (same event_id), new signature."""
        return self.deliver_raw(
            delivery.body,
            content_type=delivery.headers.get("Content-Type", "application/json"),
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    # -- internals ---------------------------------------------------------------------
    def _send_event(self, event: dict[str, Any]) -> None:
        envelope = payloads.event_envelope(self.ws, event)
        label = event["type"] + (f" ({event['subtype']})" if event.get("subtype") else "")
        self.deliverer.send_event(label, envelope)

    def _bot_event(self, conversation: Conversation, event: dict[str, Any]) -> None:
        """Slack also tells the app about its own posts; Bolt drops them (ignoring_self_events)."""
        if self.deliver_bot_events and (conversation.bot_member or conversation.is_im):
            self._send_event(json.loads(json.dumps(event)))

    def _trigger(self, user_id: str) -> str:
        trigger_id = f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"
        self.ws.triggers[trigger_id] = (user_id, time.time())
        return trigger_id

    def _response_url(self, target: _ResponseTarget) -> str:
        key = uuid.uuid4().hex
        self._responses[key] = target
        return f"{self.base_url}actions/{self.ws.team_id}/{key}"

    def response_target(self, key: str) -> _ResponseTarget | None:
        return self._responses.get(key)

    def respond(self, target: _ResponseTarget, body: dict[str, Any]) -> None:
        """What a POST to a response_url does: replace/delete the source, or post in channel / ephemerally."""
        conversation = self.channel(target.channel_id)
        with self.ws.lock:
            source = None
            if target.message_ts:
                pool = conversation.ephemerals if target.ephemeral else conversation.messages
                source = next((m for m in pool if m["ts"] == target.message_ts), None)
            if _truthy(body.get("delete_original")) and source is not None:
                if target.ephemeral:
                    conversation.ephemerals.remove(source)
                else:
                    self.ws.remove_message(conversation, source["ts"])
            elif _truthy(body.get("replace_original")) and source is not None:
                source["text"] = body.get("text", "")
                source["blocks"] = body.get("blocks", [])
                source["edited"] = {"user": self.ws.bot_user_id, "ts": self.ws.next_ts()}
            elif body.get("response_type") == "in_channel":
                args = {
                    "channel": conversation.id,
                    "text": body.get("text", ""),
                    "blocks": body.get("blocks"),
                    "thread_ts": body.get("thread_ts") or target.thread_ts,
                }
                try:
                    self.api.chat_post_message({k: v for k, v in args.items() if v})
                except ApiError as exc:
                    raise ValueError(f"response_url message refused: {exc.error}") from None
            else:
                conversation.ephemerals.append(
                    {
                        "type": "message",
                        "user": self.ws.bot_user_id,
                        "bot_id": self.ws.bot_id,
                        "text": body.get("text", ""),
                        "blocks": body.get("blocks", []),
                        "ts": self.ws.next_ts(),
                        "ephemeral_for": target.user_id,
                        **({"thread_ts": target.thread_ts} if target.thread_ts else {}),
                    }
                )
            self.ws.touch()

    def _apply_view_response(self, user_id: str, view_id: str, delivery: Delivery) -> None:
        with self.ws.lock:
            stack = self.ws.open_modals.setdefault(user_id, [])
            view = self.ws.views[view_id]
            if not delivery.ok:
                view["errors"] = {"": "We had some trouble connecting. Try again?"}
                self.ws.touch()
                return
            try:
                reply = json.loads(delivery.response) if delivery.response.strip() else {}
            except json.JSONDecodeError:
                reply = {}
            action = reply.get("response_action") if isinstance(reply, dict) else None
            if action == "errors":
                view["errors"] = reply.get("errors", {})
            elif action == "update" and isinstance(reply.get("view"), dict):
                self.ws.views[view_id] = {
                    **view,
                    **reply["view"],
                    "id": view_id,
                    "errors": {},
                    "hash": f"{time.time():.6f}.{view_id}",
                    "state": {"values": {}},
                }
            elif action == "push" and isinstance(reply.get("view"), dict):
                pushed_id = self.ws.new_id("V")
                self.ws.views[pushed_id] = {
                    **reply["view"],
                    "id": pushed_id,
                    "state": {"values": {}},
                    "hash": f"{time.time():.6f}.{pushed_id}",
                    "root_view_id": stack[0] if stack else pushed_id,
                }
                stack.append(pushed_id)
            elif action == "clear":
                stack.clear()
            elif view_id in stack:
                stack.remove(view_id)
            self.ws.touch()


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _find_action(blocks: list[dict[str, Any]], action_id: str, value: str | None) -> tuple[str, dict[str, Any]] | None:
    for index, block in enumerate(blocks):
        block_id = block.get("block_id") or f"b{index}"
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                return block_id, element
    return None


def _view_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Slack's `view.state.values` from what the person typed into the modal's inputs."""
    state: dict[str, dict[str, Any]] = {}
    for index, block in enumerate(view.get("blocks", [])):
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id = block.get("block_id") or f"b{index}"
        action_id = element.get("action_id") or "a"
        by_block = values.get(block_id)
        given = by_block.get(action_id) if isinstance(by_block, dict) else values.get(action_id)
        kind = element.get("type", "plain_text_input")
        if kind == "static_select":
            chosen = given if given is not None else (element.get("initial_option") or {}).get("value")
            option = next((o for o in element.get("options", []) if o.get("value") == chosen), None)
            state[block_id] = {action_id: {"type": kind, "selected_option": option}}
        else:
            text = given if given is not None else element.get("initial_value")
            state[block_id] = {action_id: {"type": kind, "value": text}}
    return state
