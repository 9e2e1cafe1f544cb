"""Signed HTTP deliveries to the bot's request URL, as Slack makes them.

Events API payloads are JSON; interactivity and slash commands are form-encoded. Every
request carries `x-slack-request-timestamp` and `x-slack-signature`
(`v0=` + HMAC-SHA256(secret, f"v0:{ts}:{body}")). Slack waits 3 seconds for a 2xx and
retries an event up to 3 times with `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`; so does
this (retry delays are short and configurable). Socket Mode (socket_mode.py) is the other
`Transport`; both share `RetryQueue` for events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

FORM = "application/x-www-form-urlencoded"


@dataclass
class Delivery:
    """One delivery to the bot (an HTTP request, or a Socket Mode envelope) and what came back."""

    kind: str  # "event" | "interactive" | "command" | "raw"
    label: str  # e.g. "app_mention", "block_actions sql_approve", "/ask"
    body: str
    headers: dict[str, str]
    status: int | None = None
    response: str = ""
    error: str | None = None
    retry_num: int = 0
    elapsed_ms: float = 0.0
    no_retry: bool = False  # the bot answered with X-Slack-No-Retry: 1
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


class Transport(Protocol):
    """How people's actions reach the bot: signed HTTP requests, or Socket Mode envelopes."""

    log: list[Delivery]

    def send_event(self, label: str, envelope: dict[str, Any]) -> None:
        """Queues an Events API envelope; undelivered ones are retried the way Slack does."""

    def send_interactive(self, label: str, payload: dict[str, Any]) -> Delivery:
        """Delivers an interaction now and waits for the bot's answer (its body matters)."""

    def send_command(self, command: str, form: dict[str, str]) -> Delivery:
        """Delivers a slash command now and waits for the bot's answer."""

    def wait_idle(self, timeout: float) -> bool:
        """True once no queued event delivery (retries included) remains."""

    def close(self) -> None: ...


class RetryQueue:
    """Background event deliveries with Slack's retry schedule: up to len(retry_delays_s) retries."""

    def __init__(self, retry_delays_s: Sequence[float], workers: int) -> None:
        self.retry_delays_s = tuple(retry_delays_s)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-emulator-delivery")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._closed = False

    def submit(self, attempt: Callable[[int, Delivery | None], Delivery]) -> None:
        """`attempt(retry_num, previous_failure)` delivers once; it runs again until it succeeds."""
        with self._lock:
            if self._closed:
                return
            self._pending += 1
        self._pool.submit(self._with_retries, attempt)

    def _with_retries(self, attempt: Callable[[int, Delivery | None], Delivery]) -> None:
        try:
            retry_num = 0
            failed: Delivery | None = None
            while True:
                delivery = attempt(retry_num, failed)
                if delivery.ok or delivery.no_retry or retry_num >= len(self.retry_delays_s):
                    return
                failed = delivery
                time.sleep(self.retry_delays_s[retry_num])
                retry_num += 1
                if self._closed:
                    return
        finally:
            with self._lock:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


class Deliverer:
    """The HTTP `Transport`: signed POSTs to the bot's request URL."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        *,
        ack_timeout_s: float = 3.0,
        retry_delays_s: Sequence[float] = (0.5, 2.0, 5.0),
        workers: int = 8,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.ack_timeout_s = ack_timeout_s
        self.log: list[Delivery] = []
        self._on_change = on_change
        self._queue = RetryQueue(retry_delays_s, workers)
        self._lock = threading.Lock()

    def signed_headers(self, body: str, content_type: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(self.signing_secret, ts, body),
        }

    def send(self, kind: str, label: str, body: str, headers: dict[str, str], *, retry_num: int = 0) -> Delivery:
        """POSTs now and waits for the answer (for interactivity, whose response body matters)."""
        delivery = Delivery(kind=kind, label=label, body=body, headers=headers, retry_num=retry_num)
        request = urllib.request.Request(self.bot_url, data=body.encode(), headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.ack_timeout_s) as response:
                delivery.status = response.status
                delivery.response = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            delivery.status = exc.code
            delivery.response = exc.read().decode("utf-8", "replace")
            delivery.error = f"HTTP {exc.code}"
            delivery.no_retry = exc.headers.get("X-Slack-No-Retry") == "1"
        except TimeoutError:
            delivery.error = "http_timeout"
        except (urllib.error.URLError, OSError) as exc:
            delivery.error = f"connection_failed: {getattr(exc, 'reason', exc)}"
        delivery.elapsed_ms = (time.perf_counter() - started) * 1000
        with self._lock:
            self.log.append(delivery)
        self._on_change()
        return delivery

    def send_event(self, label: str, envelope: dict[str, Any]) -> None:
        body = json.dumps(envelope)

        def attempt(retry_num: int, failed: Delivery | None) -> Delivery:
            headers = self.signed_headers(body, "application/json")
            if failed is not None:
                headers["X-Slack-Retry-Num"] = str(retry_num)
                headers["X-Slack-Retry-Reason"] = "http_timeout" if failed.error == "http_timeout" else "http_error"
            return self.send("event", label, body, headers, retry_num=retry_num)

        self._queue.submit(attempt)

    def send_interactive(self, label: str, payload: dict[str, Any]) -> Delivery:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.send("interactive", label, body, self.signed_headers(body, FORM))

    def send_command(self, command: str, form: dict[str, str]) -> Delivery:
        body = urllib.parse.urlencode(form)
        return self.send("command", command, body, self.signed_headers(body, FORM))

    def wait_idle(self, timeout: float) -> bool:
        return self._queue.wait_idle(timeout)

    def close(self) -> None:
        self._queue.close()
