"""Signed HTTP deliveries to the bot's request URL, as Slack makes them.

Events API payloads are JSON; interactivity and slash commands are form-encoded. Every
request carries `x-slack-request-timestamp` and `x-slack-signature`
(`v0=` + HMAC-SHA256(secret, f"v0:{ts}:{body}")). Slack waits 3 seconds for a 2xx and
retries an event up to 3 times with `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`; so does
this (retry delays are short and configurable).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


@dataclass
class Delivery:
    """One HTTP request made to the bot and what came back."""

    kind: str            # "event" | "interactive" | "command" | "raw"
    label: str           # e.g. "app_mention", "block_actions sql_approve", "/ask"
    body: str
    headers: dict[str, str]
    status: int | None = None
    response: str = ""
    error: str | None = None
    retry_num: int = 0
    elapsed_ms: float = 0.0
    no_retry: bool = False   # the bot answered with X-Slack-No-Retry: 1
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


class Deliverer:
    def __init__(self, bot_url: str, signing_secret: str, *, ack_timeout_s: float = 3.0,
                 retry_delays_s: Sequence[float] = (0.5, 2.0, 5.0), workers: int = 8,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.ack_timeout_s = ack_timeout_s
        self.retry_delays_s = tuple(retry_delays_s)
        self.log: list[Delivery] = []
        self._on_change = on_change
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-emulator-delivery")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._closed = False

    def signed_headers(self, body: str, content_type: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(self.signing_secret, ts, body),
        }

    def send(self, kind: str, label: str, body: str, headers: dict[str, str], *,
             retry_num: int = 0) -> Delivery:
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

    def send_event(self, label: str, body: str, *, retry: bool = True) -> None:
        """Queues a signed JSON event; failed deliveries are retried the way Slack does."""
        with self._lock:
            if self._closed:
                return
            self._pending += 1
        self._pool.submit(self._event_with_retries, label, body, retry)

    def _event_with_retries(self, label: str, body: str, retry: bool) -> None:
        try:
            attempt = 0
            reason = ""
            while True:
                headers = self.signed_headers(body, "application/json")
                if attempt:
                    headers["X-Slack-Retry-Num"] = str(attempt)
                    headers["X-Slack-Retry-Reason"] = reason
                delivery = self.send("event", label, body, headers, retry_num=attempt)
                if delivery.ok or delivery.no_retry or not retry or attempt >= len(self.retry_delays_s):
                    return
                reason = "http_timeout" if delivery.error == "http_timeout" else "http_error"
                time.sleep(self.retry_delays_s[attempt])
                attempt += 1
                if self._closed:
                    return
        finally:
            with self._lock:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once no queued event delivery (retries included) remains."""
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
