"""`bench ack` measures real acknowledgements over HTTP and the Lambda handler's import."""

from __future__ import annotations

import pytest

from bot.bench_ack import run_ack_benchmark
from bot.settings import Settings
from bot.wiring import Services

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_ack_benchmark_sends_signed_events_and_reports_latency(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    report = run_ack_benchmark(settings, Services(settings), events=20, concurrency=4)
    assert report["statuses"] == {"200": 20}  # every signed event was acknowledged
    assert 0 < report["ack_ms"]["p50"] <= report["ack_ms"]["p99"] <= report["ack_ms"]["max"]
    assert 0 < report["bare_bolt_ack_ms"]["p50"] <= report["bare_bolt_ack_ms"]["p99"], "the bare app, same run"
    assert report["answers"]["answered"] == report["answers"]["asked"] == 24, "answers flowed (20 + 4 warm-up)"
    assert report["lambda_import_heavy_modules"] == []  # no docling, onnxruntime, pandas… at import
