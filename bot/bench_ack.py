"""`bench ack`: how fast the HTTP entry point acknowledges signed Slack mentions while it answers
them, against a bare Bolt + FastAPI app that only acknowledges, in one run; and how fast the
Lambda handler imports.

Each event is a real question (an app_mention of a data question in the emulator's #general), so
answers flow while the acknowledgements are measured: with REDIS_URL set they are enqueued and
answered by `python -m bot worker` processes this command starts; without, by threads inside the
serving process (the embedded, single-node mode). The bare app runs the same signature check and
acknowledgement and nothing else: the floor this machine allows. The Web API is the local Slack
emulator.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI
    from starlette.responses import Response

    from bot.emulator.emulator import SlackEmulator
    from bot.settings import Settings
    from bot.wiring import Services

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
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.splitlines()
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


QUESTION = "How many orders were placed in 2023?"
ANSWER_WAIT_S = 600.0  # bound on waiting for every answer after the last acknowledgement
TARGET_P99_RATIO = 1.5  # issue 11: our ack p99 at most 1.5x the bare app's


def _signed(secret: str, body: str) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    now = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=now, body=body)
    assert signature is not None  # None only without a timestamp
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature}


def _mention(emulator: SlackEmulator, secret: str, channel: str, user: str) -> tuple[str, dict[str, str], str]:
    """A mention that exists in the emulator (so the answer can be threaded under it), signed."""
    conversation = emulator.channel(channel)
    text = f"<@{emulator.ws.bot_user_id}> {QUESTION}"
    with emulator.ws.lock:
        ts = emulator.ws.next_ts()
        emulator.ws.add_message(conversation, {"type": "message", "user": user, "text": text, "ts": ts})
    body = json.dumps(
        {
            "token": "bench",
            "team_id": emulator.ws.team_id,
            "api_app_id": emulator.ws.app_id,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:16].upper()}",
            "event_time": int(time.time()),
            "event": {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts},
        }
    )
    return body, _signed(secret, body), ts


def bare_app(secret: str, token: str, api_url: str) -> FastAPI:
    """The floor: Bolt + FastAPI that verify and acknowledge, with nothing behind the ack."""
    from fastapi import FastAPI, Request
    from slack_bolt import App
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from slack_sdk import WebClient
    from starlette.concurrency import run_in_threadpool

    bolt = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=secret,
        process_before_response=True,
        token_verification_enabled=False,
    )
    bolt.event("app_mention")(lambda ack: ack())
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Response:
        return to_starlette_response(
            await run_in_threadpool(bolt.dispatch, to_bolt_request(request, await request.body()))
        )

    return api


def _serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, int]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def _measure(
    app: FastAPI, emulator: SlackEmulator, secret: str, channel: str, events: int, concurrency: int
) -> tuple[dict[str, Any], list[str]]:
    """Acknowledgement latencies of `events` signed mentions at `concurrency`, and the mention ts."""
    server, thread, port = _serve(app)
    local = threading.local()

    def send(_: int) -> tuple[float, int, str]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body, headers, ts = _mention(emulator, secret, channel, "U01ALICE")
        start = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return (time.perf_counter() - start) * 1000, response.status, ts

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            warm = list(pool.map(send, range(concurrency)))  # connections, auth.test, first answers
            started = time.perf_counter()
            results = list(pool.map(send, range(events)))
            wall = time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    latencies = [ms for ms, _, _ in results]
    statuses: dict[str, int] = {}
    for _, status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    report = {
        "p50": round(_percentile(latencies, 50), 2),
        "p99": round(_percentile(latencies, 99), 2),
        "max": round(max(latencies), 2),
        "events_per_s": round(events / wall, 1),
        "statuses": statuses,
    }
    return report, [ts for _, _, ts in warm + results]


def _start_workers(settings: Settings, overrides: dict[str, str], processes: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **overrides}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--processes", str(processes)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_answers(emulator: SlackEmulator, channel: str, asked: list[str], timeout_s: float) -> tuple[int, float]:
    """How many mentions got a threaded answer, and how long after the last ack the last one came."""
    started = time.monotonic()
    pending = set(asked)
    conversation = emulator.channel(channel)
    while pending and time.monotonic() - started < timeout_s:
        with emulator.ws.lock:
            answered = {
                m.get("thread_ts")
                for m in conversation.messages
                if m.get("bot_id") == emulator.ws.bot_id and m.get("thread_ts")
            }
        pending -= answered
        time.sleep(0.2)
    return len(asked) - len(pending), time.monotonic() - started


def run_ack_benchmark(
    settings: Settings, services: Services, *, events: int = 500, concurrency: int = 20, workers: int | None = None
) -> dict[str, Any]:
    from bot.emulator.emulator import SlackEmulator
    from bot.http_app import create_http_app

    secret = settings.slack_signing_secret.get_secret_value() or "bench-signing-secret"
    emulator = SlackEmulator(secret, bot_token="xoxb-bench")
    emulator.start()
    overrides = {"SLACK_SIGNING_SECRET": secret, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": emulator.api_url}
    bench_settings = settings.model_copy(
        update={
            "slack_signing_secret": SecretStr(secret),
            "slack_bot_token": SecretStr("xoxb-bench"),
            "slack_api_url": emulator.api_url,
        }
    )
    channel = "C01GENERAL"
    worker_processes = workers or settings.worker_processes
    worker = _start_workers(settings, overrides, worker_processes) if bench_settings.queued else None
    try:
        if worker is not None:  # workers warm (models loaded, first answers out) before anything is timed
            _, warm = _measure(
                create_http_app(bench_settings, services), emulator, secret, channel, concurrency, concurrency
            )
            _wait_for_answers(emulator, channel, warm, ANSWER_WAIT_S)
        bare, _ = _measure(
            bare_app(secret, "xoxb-bench", emulator.api_url), emulator, secret, "C02RANDOM", events, concurrency
        )
        ours, asked = _measure(
            create_http_app(bench_settings, services), emulator, secret, channel, events, concurrency
        )
        answered, answer_wait = _wait_for_answers(emulator, channel, asked, ANSWER_WAIT_S)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
        emulator.stop()
    import_s, heavy = lambda_import()
    cold_s, cold_heavy = lambda_cold_start(str(settings.data_dir))
    return {
        "ack_ms": {key: ours[key] for key in ("p50", "p99", "max")},
        "bare_bolt_ack_ms": {key: bare[key] for key in ("p50", "p99", "max")},
        "p99_ratio_to_bare": round(ours["p99"] / bare["p99"], 2) if bare["p99"] else None,
        "p99_ratio_target": TARGET_P99_RATIO,
        "work": "redis queue, worker processes" if bench_settings.queued else "in-process threads (single node)",
        "worker_processes": worker_processes if bench_settings.queued else 0,
        "events": events,
        "concurrency": concurrency,
        "events_per_s": ours["events_per_s"],
        "bare_bolt_events_per_s": bare["events_per_s"],
        "statuses": ours["statuses"],
        "answers": {"asked": len(asked), "answered": answered, "seconds_after_last_ack": round(answer_wait, 1)},
        "lambda_import_s": round(import_s, 3),
        "lambda_import_heavy_modules": heavy,
        "lambda_cold_init_s": round(cold_s, 3),
        "lambda_cold_init_heavy_modules": cold_heavy,
    }
