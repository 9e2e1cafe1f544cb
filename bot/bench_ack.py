"""`bench ack`: how fast the HTTP entry point acknowledges signed Slack events, and how fast the
Lambda handler imports.

The events are plain channel messages outside any bot thread: the full acknowledgement path
(signature check, dedup mark in the key-value store, listener matching) with no lazy work queued,
so the numbers measure the acknowledgement alone. The Web API (auth.test on the first request)
is the local Slack emulator.
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.services import BotServices

HEAVY_MODULES = ("docling", "onnxruntime", "pandas", "vanna", "matplotlib", "numpy", "boto3", "fastapi")
_IMPORT_PROBE = (
    "import sys, time; t = time.perf_counter(); import bot.lambda_handler; "
    "print(time.perf_counter() - t); print(','.join(m for m in {mods!r} if m in sys.modules))"
)


_COLD_START_PROBE = (
    "import sys, time; t = time.perf_counter(); import bot.lambda_handler as h; "
    "from bot.wiring import Services; from bot.settings import Settings; "
    "s = Services(Settings(SLACK_SIGNING_SECRET='bench', SLACK_BOT_TOKEN='xoxb-bench', DATA_DIR={data_dir!r})); "
    "h.build_lambda_handler(s.settings, s); "
    "print(time.perf_counter() - t); print(','.join(m for m in {mods!r} if m in sys.modules))"
)


def _probe(code: str, repeats: int) -> tuple[float, list[str]]:
    """Median seconds the code reports in a fresh interpreter, and the heavy modules it loaded."""
    times, loaded = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
        times.append(float(out[0]))
        loaded = [m for m in (out[1] if len(out) > 1 else "").split(",") if m]
    return statistics.median(times), loaded


def lambda_import(repeats: int = 3) -> tuple[float, list[str]]:
    """Importing bot.lambda_handler (what Lambda does before the first event)."""
    return _probe(_IMPORT_PROBE.format(mods=HEAVY_MODULES), repeats)


def lambda_cold_start(data_dir: str, repeats: int = 3) -> tuple[float, list[str]]:
    """Import plus building the Bolt app and its Lambda adapter (the first event's extra work)."""
    return _probe(_COLD_START_PROBE.format(mods=HEAVY_MODULES, data_dir=data_dir), repeats)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _signed_event(secret: str, team: str, channel: str, user: str) -> tuple[str, dict[str, str]]:
    from slack_sdk.signature import SignatureVerifier

    ts = f"{time.time():.6f}"
    body = json.dumps(
        {
            "token": "bench",
            "team_id": team,
            "api_app_id": "A01DOCBOT",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:16].upper()}",
            "event_time": int(time.time()),
            "event": {"type": "message", "user": user, "text": "lunch at noon?", "ts": ts, "channel": channel,
                      "channel_type": "channel", "event_ts": ts},
        }
    )
    now = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": now,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=now, body=body),
    }
    return body, headers


def run_ack_benchmark(settings: Settings, services: BotServices, *, events: int = 500, concurrency: int = 20) -> dict:
    import uvicorn

    from bot.emulator.emulator import SlackEmulator
    from bot.http_app import create_http_app

    secret = settings.slack_signing_secret.get_secret_value() or "bench-signing-secret"
    emulator = SlackEmulator(secret, bot_token="xoxb-bench")
    emulator.start()
    bench_settings = settings.model_copy(
        update={
            "slack_signing_secret": SecretStr(secret),
            "slack_bot_token": SecretStr("xoxb-bench"),
            "slack_api_url": emulator.api_url,
        }
    )
    config = uvicorn.Config(create_http_app(bench_settings, services), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    local = threading.local()

    def send() -> tuple[float, int]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body, headers = _signed_event(secret, emulator.ws.team_id, "C01GENERAL", "U01ALICE")
        start = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return (time.perf_counter() - start) * 1000, response.status

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda _: send(), range(concurrency)))  # warm-up: connections, auth.test
            started = time.perf_counter()
            results = list(pool.map(lambda _: send(), range(events)))
            wall = time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        emulator.stop()
    latencies = [ms for ms, _ in results]
    statuses: dict[str, int] = {}
    for _, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    import_s, heavy = lambda_import()
    cold_s, cold_heavy = lambda_cold_start(str(settings.data_dir))
    return {
        "ack_ms": {
            "p50": round(_percentile(latencies, 50), 2),
            "p99": round(_percentile(latencies, 99), 2),
            "max": round(max(latencies), 2),
        },
        "events": events,
        "concurrency": concurrency,
        "events_per_s": round(events / wall, 1),
        "statuses": statuses,
        "lambda_import_s": round(import_s, 3),
        "lambda_import_heavy_modules": heavy,
        "lambda_cold_init_s": round(cold_s, 3),
        "lambda_cold_init_heavy_modules": cold_heavy,
    }
