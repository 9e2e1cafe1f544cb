"""The image's contents are enough to run, and nothing left out of it is needed.

No Docker daemon here, so the test rebuilds what the Dockerfile builds: the packages of
requirements.txt installed into a task root the way the image's `uv pip install --target` does,
plus exactly the files the Dockerfile COPYs (honouring .dockerignore). The handler then runs from
it in an interpreter without site-packages (`-I -S`: the standard library and the task root,
as on Lambda) on Function URL events: Slack's url_verification, a signed app_mention, and, in a
second cold instance, the lazy self-invocation that answers it. Every module loaded must come
from the task root or the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import boto3
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.emulator.emulator import SlackEmulator
from handlers.ui import ids as c
from tests.bot.image_files import context_copies, copy_like_docker
from tests.fakes.lambda_server import FakeLambda
from tests.fakes.pinecone_server import FakePinecone
from tests.slack_helpers import mention_envelope

REPO = Path(__file__).resolve().parents[2]
SECRET = "image-signing-secret"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:docbot"

# The installed runtime (requirements.txt, before byte-compiling): 614 MB when this was written
# (README "Packaging" says what each heavy package is for).
RUNTIME_BUDGET_MB = 650

pytestmark = pytest.mark.slow

_DRIVER = r"""
import json, logging, sys
task_root, events_file = sys.argv[1], sys.argv[2]
sys.path.insert(0, task_root)
# What the Lambda runtime does before importing the handler: a handler on the root logger.
logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))
import bot.lambda_handler as entry
class Context:
    function_name = "docbot"
    invoked_function_arn = FUNCTION_ARN
for number, event in enumerate(json.load(open(events_file))):
    context = Context()
    context.aws_request_id = f"request-{number}"
    print("RESPONSE " + json.dumps(entry.handler(event, context)), flush=True)
files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {"", __file__})
print("MODULES " + json.dumps({"names": sorted(sys.modules), "files": files}), flush=True)
""".replace("FUNCTION_ARN", repr(FUNCTION_ARN))


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("uv is not installed: `make install` puts it in .venv (dev group)")
        pytest.skip("uv is not installed (`make install`)")
    return found


@pytest.fixture(scope="module")
def task_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """requirements.txt installed as the image installs it, then the files the Dockerfile copies."""
    copies = context_copies(REPO / "Dockerfile")
    assert any("requirements.txt" in copy.sources for copy in copies), "the image installs requirements.txt"
    root = tmp_path_factory.mktemp("task-root")
    subprocess.run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            sys.executable,
            "--target",
            str(root),
            "--require-hashes",
            "--no-deps",
            "-r",
            str(REPO / "requirements.txt"),
        ],
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        timeout=900,
    )
    size_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 1e6
    assert size_mb < RUNTIME_BUDGET_MB, f"the runtime packages take {size_mb:.0f} MB (budget {RUNTIME_BUDGET_MB} MB)"
    copied = copy_like_docker(REPO, copies, root)
    assert "bot/lambda_handler.py" in copied and "handlers/__init__.py" in copied and "core/__init__.py" in copied
    assert not [f for f in copied if f.startswith(("bot/emulator/", "bot/demo/", "tests/")) or "__pycache__" in f]
    return root


def function_url_event(body: str) -> dict:
    now = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": now,
        "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=now, body=body),
    }
    return {
        "version": "2.0",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": headers,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": "POST", "path": "/slack/events"}, "requestId": "r"},
    }


def run_instance(task_root: Path, events: list[dict], env: dict[str, str], tmp_path: Path, label: str) -> dict:
    """One cold Lambda instance handling `events` in order: its responses, log lines and modules."""
    events_file, driver = tmp_path / f"{label}-events.json", tmp_path / "driver.py"
    events_file.write_text(json.dumps(events))
    driver.write_text(_DRIVER)
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(driver), str(task_root), str(events_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    responses = [json.loads(line[len("RESPONSE ") :]) for line in lines if line.startswith("RESPONSE ")]
    modules = next(json.loads(line[len("MODULES ") :]) for line in lines if line.startswith("MODULES "))
    logs = [line for line in lines if not line.startswith(("RESPONSE ", "MODULES "))]
    return {"responses": responses, "modules": modules, "logs": logs, "stderr": done.stderr}


def assert_only_image_files(modules: dict, task_root: Path) -> None:
    stdlib = {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")}
    allowed = (task_root.resolve(), *stdlib)
    outside = [f for f in modules["files"] if not any(Path(f).resolve().is_relative_to(a) for a in allowed)]
    assert outside == [], f"loaded from outside the image: {outside[:10]}"
    left_out = [
        m
        for m in modules["names"]
        if m.split(".")[0] in ("tests", "pytest", "moto", "_pytest") or m.startswith(("bot.emulator", "bot.demo"))
    ]
    assert left_out == []


def test_the_image_runs_the_lambda_handler_on_slack_events(task_root, tmp_path, redis_url, s3_endpoint) -> None:
    boto3.client("s3", region_name="us-east-1", endpoint_url=s3_endpoint).create_bucket(Bucket="image-test")
    with (
        SlackEmulator(SECRET, bot_token="xoxb-image") as emu,
        FakeLambda() as fake_lambda,
        FakePinecone(dimension=384) as pinecone,
    ):
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "AWS_LAMBDA_FUNCTION_NAME": "docbot",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL_LAMBDA": fake_lambda.url,
            "DATA_DIR": str(tmp_path / "data"),
            "MPLCONFIGDIR": str(tmp_path / "mpl"),
            "MPLBACKEND": "Agg",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_API_URL": emu.api_url,
            "REDIS_URL": redis_url,
            "VECTOR_STORE": "pinecone",
            "PINECONE_API_KEY": "pc-test",
            "PINECONE_INDEX_HOST": pinecone.host,
            "OBJECT_STORE": "s3",
            "S3_BUCKET": "image-test",
            "S3_ENDPOINT_URL": s3_endpoint,
            "HF_HUB_OFFLINE": "1",
        }
        verification = json.dumps({"token": "t", "challenge": "image-challenge", "type": "url_verification"})
        ts = emu.user_message("C03DATA", "bob", "lunch?")
        envelope = mention_envelope(emu, "C03DATA", "U01ALICE", ts, "<@UBOT> How many orders were placed in 2023?")
        first = run_instance(
            task_root,
            [function_url_event(verification), function_url_event(json.dumps(envelope))],
            env,
            tmp_path,
            "ack",
        )
        assert [r["statusCode"] for r in first["responses"]] == [200, 200], first["stderr"][-2000:]
        assert "image-challenge" in first["responses"][0]["body"]
        assert len(fake_lambda.invocations) == 1, "the mention is acked and its work handed to a self-invocation"
        invocation = fake_lambda.invocations[0]
        assert invocation["type"] == "Event" and invocation["function"] == FUNCTION_ARN
        assert_only_image_files(first["modules"], task_root)

        # The lazy self-invocation lands on another cold instance; Redis and Pinecone are shared.
        second = run_instance(task_root, [invocation["payload"]], env, tmp_path, "lazy")
        assert second["responses"][0]["statusCode"] == 200, second["stderr"][-2000:]
        replies = [m for m in emu.bot_messages("C03DATA", ts) if m["ts"] != ts]
        assert len(replies) == 1 and c.SQL_APPROVE_ACTION_ID in json.dumps(replies[0]["blocks"])
        assert_only_image_files(second["modules"], task_root)

    # Logs reach the runtime's handler as JSON lines carrying the request and Slack event ids.
    records = [json.loads(line) for line in second["logs"] if line.strip()]
    ours = [r for r in records if r["logger"].startswith("bot") and r["level"] == "INFO"]
    assert ours, "our INFO lines reach the log (the root logger was left at WARNING before)"
    in_request = [r for r in records if "request_id" in r]
    assert in_request and all(
        r["request_id"] == "request-0" and r["slack_event_id"] == envelope["event_id"] for r in in_request
    )
    assert not [r for r in records if r["logger"].split(".")[0] in ("httpx", "pinecone") and r["level"] == "INFO"]
    assert SECRET not in "\n".join(first["logs"] + second["logs"] + [first["stderr"], second["stderr"]])


def test_the_image_refuses_to_start_with_local_stores(task_root, tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "docbot",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-x",
        "DATA_DIR": str(tmp_path / "data"),
    }
    events_file, driver = tmp_path / "events.json", tmp_path / "driver.py"
    events_file.write_text(json.dumps([function_url_event("{}")]))
    driver.write_text(_DRIVER)
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(driver), str(task_root), str(events_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    for variable in ("REDIS_URL", "VECTOR_STORE=local", "OBJECT_STORE=local"):
        assert variable in done.stdout + done.stderr
