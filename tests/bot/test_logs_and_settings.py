"""Lambda correctness: JSON log lines with ids, secrets never printed, local stores refused on Lambda."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest

from bot.logs import configure_logging, log_context
from bot.settings import Settings
from bot.wiring import SettingsError, load_settings


@pytest.fixture
def runtime_handler():
    """A root logger as the Lambda runtime leaves it: one handler already there, level WARNING."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    root.setLevel(logging.WARNING)
    yield stream
    root.handlers, level = saved
    root.setLevel(level)


def test_on_lambda_info_lines_reach_the_runtime_handler_as_json_with_ids(runtime_handler) -> None:
    logging.basicConfig(level=logging.INFO)  # what the code used to do: a no-op with a handler present
    logging.getLogger("bot.x").info("lost")
    assert runtime_handler.getvalue() == ""

    configure_logging("INFO", json_lines=True)
    with log_context(request_id="req-7", slack_event_id="Ev123"):
        logging.getLogger("bot.x").info("answered %s", "q1")
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            logging.getLogger("bot.x").exception("failed")
    logging.getLogger("bot.x").info("between requests")
    lines = runtime_handler.getvalue().splitlines()
    assert len(lines) == 3, "one line per record, a traceback included"
    first, failure, after = (json.loads(line) for line in lines)
    assert first["message"] == "answered q1" and first["level"] == "INFO" and first["logger"] == "bot.x"
    assert (first["request_id"], first["slack_event_id"]) == ("req-7", "Ev123")
    assert "ValueError: boom" in failure["exception"] and failure["request_id"] == "req-7"
    assert "request_id" not in after and "slack_event_id" not in after


def test_secrets_never_show_in_repr() -> None:
    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-very-secret",
        SLACK_SIGNING_SECRET="sig-secret",
        OPENAI_API_KEY="sk-secret",
        DATABASE_URL="postgresql://u:db-pass@h/db",
        REDIS_URL="redis://:redis-pass@h:6379/0",
        PINECONE_API_KEY="pc-secret",
    )
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    for secret in ("xoxb-very-secret", "sig-secret", "sk-secret", "db-pass", "redis-pass", "pc-secret"):
        assert secret not in shown
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret" and not settings.offline


def test_on_lambda_local_stores_are_refused_naming_the_variables(monkeypatch) -> None:
    for variable in ("REDIS_URL", "VECTOR_STORE", "OBJECT_STORE", "S3_BUCKET", "PINECONE_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "docbot")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = str(refused.value)
    assert "REDIS_URL is not set" in message and "VECTOR_STORE=local" in message and "OBJECT_STORE=local" in message

    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("VECTOR_STORE", "pinecone")
    monkeypatch.setenv("OBJECT_STORE", "s3")
    with pytest.raises(SettingsError, match=r"PINECONE_API_KEY and PINECONE_INDEX_HOST.*S3_BUCKET"):
        load_settings()
    monkeypatch.setenv("PINECONE_API_KEY", "k")
    monkeypatch.setenv("PINECONE_INDEX_HOST", "https://idx")
    monkeypatch.setenv("S3_BUCKET", "b")
    assert load_settings().on_lambda

    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    monkeypatch.delenv("REDIS_URL")
    assert load_settings().lambda_problems() == [], "off Lambda the local stores are the embedded defaults"


def test_bench_cold_start_prints_one_json_object_without_heavy_imports() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "cold-start", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["cold_start_s"]) == {"import_s", "app_build_s", "first_event_s", "total_s"}
    assert report["heavy_modules_loaded"] == [] and report["target_total_s"] == 1.0


def test_the_image_font_cache_is_copied_to_the_writable_config_dir(tmp_path, monkeypatch) -> None:
    from bot.lambda_handler import seed_matplotlib_cache

    seed = tmp_path / "opt-matplotlib"
    seed.mkdir()
    (seed / "fontlist-v390.json").write_text("{}")
    monkeypatch.setenv("MPLCONFIGDIR_SEED", str(seed))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "tmp" / "matplotlib"))
    seed_matplotlib_cache()
    assert (tmp_path / "tmp" / "matplotlib" / "fontlist-v390.json").read_text() == "{}"
    (seed / "fontlist-v390.json").write_text("changed")
    seed_matplotlib_cache()  # a warm instance keeps what it has
    assert (tmp_path / "tmp" / "matplotlib" / "fontlist-v390.json").read_text() == "{}"
