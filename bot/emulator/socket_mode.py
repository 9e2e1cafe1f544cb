"""Slack's side of Socket Mode: WebSocket URLs for `apps.connections.open`, envelopes over them.

What slack_sdk's Socket Mode clients expect: after the handshake Slack sends
`{"type": "hello", "num_connections", "debug_info", "connection_info": {"app_id"}}`. Every event,
interaction and slash command then arrives as an envelope
`{"envelope_id", "type": "events_api" | "interactive" | "slash_commands", "payload",
"accepts_response_payload"}` (events also carry `retry_attempt` / `retry_reason`); the app
acknowledges with `{"envelope_id", "payload"?}`. An event not acknowledged within the timeout
is sent again in a new envelope, as over HTTP. `{"type": "disconnect", "reason"}` asks the
client to open a new connection (it calls apps.connections.open again).

The WebSocket server is the `websockets` package's threaded one, imported on first start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .delivery import Delivery, RetryQueue

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

log = logging.getLogger(__name__)
# Told each acknowledgement's envelope label; False loses it on the way (a flaky network: the app did
# the work, Slack retries the event). How a caller tests redelivery over Socket Mode.
AckFilter = Callable[[str], bool]
# Interactions whose acknowledgement may carry an answer Slack applies (modal errors, options).
_ANSWERABLE_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


@dataclass
class _Pending:
    """An envelope waiting for its acknowledgement."""

    label: str
    acked: threading.Event = field(default_factory=threading.Event)
    payload: dict[str, Any] | None = None


class SocketModeServer:
    """The Socket Mode `Transport`: envelopes to the app's newest open WebSocket connection."""

    def __init__(
        self,
        app_token: str,
        app_id: str,
        *,
        host: str = "127.0.0.1",
        ack_timeout_s: float = 3.0,
        retry_delays_s: Sequence[float] = (0.5, 2.0, 5.0),
        workers: int = 8,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        if not app_token.startswith("xapp-"):
            raise ValueError("a Socket Mode app token is app-level: it starts with xapp-")
        self.app_token = app_token
        self.app_id = app_id
        self.host = host
        self.ack_timeout_s = ack_timeout_s
        self.log: list[Delivery] = []
        self._on_change = on_change
        self._queue = RetryQueue(retry_delays_s, workers)
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self.connections_opened = 0
        self._pending: dict[str, _Pending] = {}
        self.ack_filters: list[AckFilter] = []
        self._server: Server | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        from websockets.sync.server import serve

        # slack_sdk's client drops its socket without a closing handshake: don't wait long for one.
        self._server = serve(
            self._serve_connection,
            self.host,
            0,
            process_request=self._check_ticket,
            compression=None,
            close_timeout=0.5,
        )
        threading.Thread(target=self._server.serve_forever, name="slack-emulator-socket-mode", daemon=True).start()

    def close(self) -> None:
        self._queue.close()
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def open_connection(self) -> str:
        """What apps.connections.open answers: a one-time WebSocket URL."""
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not started")
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?{urllib.parse.urlencode({'ticket': ticket, 'app_id': self.app_id})}"

    @property
    def connected(self) -> int:
        """How many clients are connected now."""
        with self._lock:
            return len(self._connections)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Asks every connected client to reconnect, as Slack does before it recycles a connection."""
        from websockets.exceptions import ConnectionClosed

        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}})
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(ConnectionClosed):  # already going away
                connection.send(message)

    # -- Transport ---------------------------------------------------------------------
    def send_event(self, label: str, envelope: dict[str, Any]) -> None:
        def attempt(retry_num: int, failed: Delivery | None) -> Delivery:
            return self._deliver(
                "event",
                label,
                {
                    "type": "events_api",
                    "payload": envelope,
                    "accepts_response_payload": False,
                    "retry_attempt": retry_num,
                    "retry_reason": "timeout" if failed else "",
                },
                retry_num=retry_num,
            )

        self._queue.submit(attempt)

    def send_interactive(self, label: str, payload: dict[str, Any]) -> Delivery:
        return self._deliver(
            "interactive",
            label,
            {
                "type": "interactive",
                "payload": payload,
                "accepts_response_payload": payload.get("type") in _ANSWERABLE_INTERACTIONS,
            },
        )

    def send_command(self, command: str, form: dict[str, str]) -> Delivery:
        return self._deliver(
            "command", command, {"type": "slash_commands", "payload": form, "accepts_response_payload": True}
        )

    def wait_idle(self, timeout: float) -> bool:
        return self._queue.wait_idle(timeout)

    # -- internals ---------------------------------------------------------------------
    def _deliver(self, kind: str, label: str, envelope: dict[str, Any], *, retry_num: int = 0) -> Delivery:
        """Sends one envelope (a new envelope_id each time) to the newest connection; waits for its ack."""
        from websockets.exceptions import ConnectionClosed

        envelope_id = str(uuid.uuid4())
        body = json.dumps({"envelope_id": envelope_id, **envelope})
        delivery = Delivery(kind=kind, label=label, body=body, headers={}, retry_num=retry_num)
        pending = _Pending(label)
        with self._lock:
            connection = self._connections[-1] if self._connections else None
            self._pending[envelope_id] = pending
        started = time.perf_counter()
        try:
            if connection is None:
                delivery.error = "no_connection"
            else:
                connection.send(body)
                if pending.acked.wait(self.ack_timeout_s):
                    delivery.status = 200  # acknowledged: what a 2xx is over HTTP
                    delivery.response = json.dumps(pending.payload) if pending.payload else ""
                else:
                    delivery.error = f"no acknowledgement within {self.ack_timeout_s} s"
        except ConnectionClosed as exc:
            delivery.error = f"connection_closed: {exc}"
        finally:
            with self._lock:
                del self._pending[envelope_id]
        delivery.elapsed_ms = (time.perf_counter() - started) * 1000
        with self._lock:
            self.log.append(delivery)
        self._on_change()
        return delivery

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Only a URL from apps.connections.open opens a connection, and only once."""
        ticket = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query).get("ticket", [""])[0]
        with self._lock:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
                return None
        return connection.respond(401, "invalid or used ticket: call apps.connections.open for a new URL\n")

    def _serve_connection(self, connection: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        with self._lock:
            self._connections.append(connection)
            self.connections_opened += 1
            count = len(self._connections)
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": count,
                        "debug_info": {"host": "emulator", "approximate_connection_time": 3600},
                        "connection_info": {"app_id": self.app_id},
                    }
                )
            )
            for message in connection:
                self._on_client_message(message)
        except ConnectionClosed:
            pass  # the client went away (it closes its socket without a close frame when it reconnects)
        finally:
            with self._lock:
                self._connections.remove(connection)

    def _on_client_message(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("socket mode client sent a message that is not JSON: %r", message[:200])
            return
        if not isinstance(ack, dict) or not isinstance(ack.get("envelope_id"), str):
            log.warning("socket mode client sent a message without an envelope_id: %r", ack)
            return
        with self._lock:
            pending = self._pending.get(ack["envelope_id"])
            if pending is None:
                return  # a late acknowledgement: the envelope was already given up on
            if not all(keep(pending.label) for keep in self.ack_filters):
                return
            pending.payload = ack.get("payload") if isinstance(ack.get("payload"), dict) else None
            pending.acked.set()
