"""The durable queue end to end: `serve` and `worker` as real processes, a Redis server of the
test's own, the emulator playing Slack. Nothing acknowledged is lost when a worker is SIGKILLed
mid-answer or the server is SIGTERMed with a backlog, and nothing is answered twice.

Before issue 11 `serve` answered in its own threads: a SIGTERM with acknowledged work queued
lost it, and there was no worker to kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator.emulator import SlackEmulator
from tests.conftest import free_port
from tests.slack_helpers import replies
from tests.support.slack_faults import ApiFaults

# Several processes (the server, workers, a killed one replaced): seconds each.
pytestmark = pytest.mark.slow

SECRET = "queue-signing-secret"
QUESTION = "@bot How many orders were placed in 2023?"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    emu = SlackEmulator(SECRET, ack_timeout_s=3.0, retry_delays_s=(0.5, 1.0, 2.0))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def env(tmp_path: Path, private_redis: str, emulator: SlackEmulator) -> dict[str, str]:
    from bot.settings import Settings
    from bot.wiring import Services

    values = {
        "DATA_DIR": str(tmp_path / "data"),
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_API_URL": emulator.api_url,
        "REDIS_URL": private_redis,
        "QUEUE_HEARTBEAT_TIMEOUT_S": "3",  # a killed worker's tasks come back within seconds
        "TASK_LEASE_S": "2",
        "WORKER_DRAIN_S": "20",
        "LOG_LEVEL": "INFO",
    }
    Services(Settings(**values)).train()  # the SQL knowledge both processes read
    return {**os.environ, **values}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _serve(env: dict[str, str], tmp_path: Path, emulator: SlackEmulator) -> subprocess.Popen:
    port = free_port()
    process = _start(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "serve.log")
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
    emulator.bot_url = f"http://127.0.0.1:{port}/slack/events"
    return process


def _worker_children(parent: subprocess.Popen) -> list[int]:
    """The supervisor's worker processes (Linux /proc), not multiprocessing's helpers."""
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
    workers = []
    for pid in children:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in cmdline:
            workers.append(int(pid))
    return workers


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _bot_replies(emu: SlackEmulator, channel: str, ts: str) -> list[dict]:
    return [m for m in emu.bot_messages(channel, ts) if m["ts"] != ts]


def test_a_worker_killed_mid_answer_is_replaced_and_the_answer_comes_once(
    env: dict[str, str], tmp_path: Path, emulator: SlackEmulator
) -> None:
    serve = _serve(env, tmp_path, emulator)
    worker = _start(["worker", "--processes", "1", "--threads", "2"], env, tmp_path / "worker.log")
    try:
        channel = emulator.add_channel("C50KILL", "kill-queue").id
        warm = emulator.user_message(channel, "alice", QUESTION)
        replies(emulator, channel, warm)  # the worker is up and has answered once

        faults = ApiFaults(emulator)
        faults.hang_then_fail("chat.postMessage", 30)  # the next answer hangs in its post …
        ts = emulator.user_message(channel, "bob", QUESTION)
        deadline = time.monotonic() + 60
        while faults.faults_left("chat.postMessage"):
            assert time.monotonic() < deadline, "the worker never reached the post"
            time.sleep(0.05)
        (victim,) = _worker_children(worker)
        os.kill(victim, signal.SIGKILL)  # … and its worker dies there

        answer = replies(emulator, channel, ts)  # redelivered to the replacement worker
        assert "sql_approve" in str(answer[0].get("blocks"))
        time.sleep(3)  # any second (wrong) answer would land by now
        assert len(_bot_replies(emulator, channel, ts)) == 1
        assert victim not in _worker_children(worker), "the supervisor started a new worker"
    finally:
        _stop(worker)
        _stop(serve)


def test_a_server_sigtermed_with_a_backlog_loses_nothing(
    env: dict[str, str], tmp_path: Path, emulator: SlackEmulator
) -> None:
    serve = _serve(env, tmp_path, emulator)
    channel = emulator.add_channel("C51TERM", "term-queue").id
    asked = [emulator.user_message(channel, "alice", QUESTION) for _ in range(20)]
    emulator.wait_idle()  # every event delivered and acknowledged; no worker runs yet
    assert all(d.ok for d in emulator.deliveries())
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal

    worker = _start(["worker", "--processes", "2", "--threads", "2"], env, tmp_path / "worker.log")
    try:
        for ts in asked:
            replies(emulator, channel, ts)
        time.sleep(1)
        assert all(len(_bot_replies(emulator, channel, ts)) == 1 for ts in asked)
    finally:
        _stop(worker)


def test_a_sigtermed_worker_finishes_what_it_runs(env: dict[str, str], tmp_path: Path, emulator: SlackEmulator) -> None:
    serve = _serve(env, tmp_path, emulator)
    worker = _start(["worker", "--processes", "1", "--threads", "1"], env, tmp_path / "worker.log")
    try:
        channel = emulator.add_channel("C52DRAIN", "drain-queue").id
        replies(emulator, channel, emulator.user_message(channel, "alice", QUESTION))
        faults = ApiFaults(emulator)
        faults.stall("chat.postMessage", 3)  # the next answer is mid-post when SIGTERM arrives
        ts = emulator.user_message(channel, "bob", QUESTION)
        deadline = time.monotonic() + 60
        while faults.faults_left("chat.postMessage"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=40) == 0
        assert len(_bot_replies(emulator, channel, ts)) == 1, "drained: the running answer was posted"
    finally:
        _stop(worker)
        _stop(serve)
