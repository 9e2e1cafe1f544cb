"""Slack failing the way it does in production, switched on per test through the emulator's seams.

The emulator answers every call correctly; these plug into `WebApi.interceptors` and
`SocketModeServer.ack_filters` so a test can make the next calls fail, be rate limited, or lose
their acknowledgements, and watch the bot cope.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from bot.emulator import SlackEmulator
from bot.emulator.socket_mode import SocketModeServer
from bot.emulator.web_api import ApiResult


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    stall_s: float = 0.0  # answer only after this long (a hanging Slack); with error "" it then answers normally


class ApiFaults:
    """Queued failures per Web API method; each answers one call, in order, then the method works again."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self._queued: dict[str, list[_Fault]] = {}
        self._lock = threading.Lock()
        emulator.api.interceptors.append(self._intercept)

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with `Retry-After`."""
        self._queue(method, _Fault("ratelimited", 429, retry_after), times)

    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error}` (HTTP 200, as Slack does)."""
        self._queue(method, _Fault(error, 200, None), times)

    def server_error(self, method: str, *, status: int = 500, times: int = 1) -> None:
        """The next `times` calls of `method` get an HTTP 5xx (Slack having a bad moment)."""
        self._queue(method, _Fault("internal_error", status, None), times)

    def stall(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` hang for `seconds` before answering normally."""
        self._queue(method, _Fault("", 200, None, stall_s=seconds), times)

    def hang_then_fail(self, method: str, seconds: float) -> None:
        """The next call of `method` hangs for `seconds`, then fails with a 500 (nothing is done)."""
        self._queue(method, _Fault("internal_error", 500, None, stall_s=seconds), 1)

    def faults_left(self, method: str) -> int:
        """Queued faults of `method` not yet met by a call."""
        with self._lock:
            return len(self._queued.get(method) or [])

    def _queue(self, method: str, fault: _Fault, times: int) -> None:
        with self._lock:
            self._queued.setdefault(method, []).extend([fault] * times)

    def _intercept(self, method: str, args: dict[str, Any]) -> ApiResult | None:
        with self._lock:
            queue = self._queued.get(method)
            fault = queue.pop(0) if queue else None
        if fault is None:
            return None
        if fault.stall_s:
            time.sleep(fault.stall_s)
        if not fault.error:
            return None
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return ApiResult(fault.status, {"ok": False, "error": fault.error}, headers)


class LostAcks:
    """Acknowledgements lost on the way over Socket Mode: the bot did the work, Slack sends the event again."""

    def __init__(self, socket_mode: SocketModeServer) -> None:
        self._to_lose: list[str] = []  # label prefixes, one per acknowledgement to drop
        self._lock = threading.Lock()
        socket_mode.ack_filters.append(self._keep)

    def lose(self, label: str = "", *, times: int = 1) -> None:
        """Loses the acknowledgements of the next `times` envelopes whose label starts with `label`."""
        with self._lock:
            self._to_lose.extend([label] * times)

    def _keep(self, label: str) -> bool:
        with self._lock:
            lost = next((prefix for prefix in self._to_lose if label.startswith(prefix)), None)
            if lost is None:
                return True
            self._to_lose.remove(lost)
            return False
