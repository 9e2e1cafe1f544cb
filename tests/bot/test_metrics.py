"""GET /metrics: Prometheus text with acks by status, cache counters and the queue depth."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.http_app import create_http_app
from bot.settings import Settings
from bot.wiring import Services
from core.cache.kinds import DOCUMENT_ANSWERS


def test_metrics_count_requests_and_cache_lookups(tmp_path) -> None:
    settings = Settings(
        DATA_DIR=str(tmp_path),
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    services = Services(settings)
    client = TestClient(create_http_app(settings, services))
    assert client.post("/slack/events", content=b"{}", headers={"content-type": "application/json"}).status_code == 401
    cache = services.cache(DOCUMENT_ANSWERS)
    cache.get("missing")
    cache.set("present", "1")
    cache.get("present")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    assert samples[("docbot_slack_requests_total", (("status", "401"),))] == 1
    assert samples[("docbot_cache_lookups_total", (("kind", "document_answers"), ("outcome", "hit")))] == 1
    assert samples[("docbot_cache_hit_ratio", (("kind", "document_answers"),))] == 0.5
    assert samples[("docbot_queue_depth", ())] == 0  # no Redis: work runs in-process
