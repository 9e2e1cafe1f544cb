"""The demo runner: the real bot (create_http_app under uvicorn) and the emulator, seeded with samples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import SAMPLES, Demo, start_demo
from bot.emulator.sample_pdf import SAMPLE_PDF_NAME, sample_pdf
from bot.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    settings = Settings(_env_file=None, data_dir=tmp_path, openai_api_key="", redis_url="", database_url="")
    running = start_demo(settings, "127.0.0.1", 0)
    yield running
    running.stop()


def test_demo_indexes_the_samples_and_answers_from_them(demo: Demo) -> None:
    emu = demo.emulator
    shares = [m for m in emu.messages("general") if m.get("subtype") == "file_share"]
    assert sorted(m["files"][0]["name"] for m in shares) == sorted(p.name for p in SAMPLES.iterdir())
    for share in shares:
        reply = emu.wait_for(lambda share=share: emu.bot_messages("general", share["ts"]), timeout=60)
        assert reply[0]["text"].startswith("Indexed "), reply[0]["text"]

    pdf = emu.share_file("data", "bob", SAMPLE_PDF_NAME, sample_pdf())
    indexed = emu.wait_for(lambda: emu.bot_messages("data", pdf.ts), timeout=60)[0]["text"]
    assert indexed.startswith(f"Indexed {SAMPLE_PDF_NAME}") and "2 pages" in indexed, indexed

    ts = emu.user_message("general", "alice", "@DocBot how many days do customers have to return an item?")
    answer = emu.wait_for(lambda: emu.bot_messages("general", ts), timeout=60)[-1]
    assert "returns-and-shipping-policy.md" in str(answer.get("blocks")) + answer["text"]
    assert all(d.ok for d in emu.deliveries()), [(d.label, d.status, d.error) for d in emu.deliveries() if not d.ok]
