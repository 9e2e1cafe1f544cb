"""The REST API over its question rate: 429 problem+json with Retry-After; usage per day in /stats."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.api import create_api
from core.limits.kv import KeyValueLimits
from tests.bot.api.support import AUTH, PROBLEM_JSON, make_services, user
from tests.core.limits.test_kv_limits import NOON_ISH


def test_over_the_rate_the_api_answers_429_with_retry_after_and_stats_count_it(tmp_path: Path, minilm: object) -> None:
    services = make_services(tmp_path, minilm, RATE_USER_PER_MIN="1", LLM_DAILY_TOKENS="50000")
    # A clock inside one minute (15 s in): the refusal's Retry-After is the 45 s left of it.
    services.__dict__["limits"] = KeyValueLimits(services.kv, services.limits.policy, clock=lambda: NOON_ISH)
    client = TestClient(create_api(services))
    question = {"question": "What is the travel policy?", "channel": "C1"}
    assert client.post("/api/v1/ask/documents", headers=user("U1"), json=question).status_code == 200
    refused = client.post("/api/v1/ask", headers=user("U1"), json=question)
    assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM_JSON
    assert refused.headers["retry-after"] == "45"
    body = refused.json()
    assert body["status"] == 429 and body["type"].endswith("question-limited")
    assert "try again in 45 seconds" in body["detail"]
    assert client.post("/api/v1/ask", headers=user("U2"), json=question).status_code == 200

    stats = client.get("/api/v1/stats", headers=AUTH).json()
    today = stats["usage"][0]
    assert (today["day"], today["questions"], today["refused"], today["tokens"]) == ("2026-12-07", 2, 1, 0)
    assert len(stats["usage"]) == 7
    assert stats["limits"] == {
        "rate_user_per_min": 1,
        "rate_channel_per_min": 0,
        "llm_daily_tokens": 50000,
        "budget_spent": False,
    }


def test_the_openapi_document_declares_the_429(tmp_path: Path, minilm: object) -> None:
    spec = TestClient(create_api(make_services(tmp_path, minilm))).get("/openapi.json", headers=AUTH).json()
    assert "429" in spec["paths"]["/api/v1/ask"]["post"]["responses"]


def test_proposing_sql_through_the_api_counts_against_the_same_rate(tmp_path: Path, minilm: object) -> None:
    services = make_services(tmp_path, minilm, RATE_USER_PER_MIN="1")
    services.__dict__["limits"] = KeyValueLimits(services.kv, services.limits.policy, clock=lambda: NOON_ISH)
    client = TestClient(create_api(services))
    question = {"question": "How many orders per month in 2024?"}
    proposed = client.post("/api/v1/sql", headers=user("U1"), json=question)
    assert proposed.status_code == 201 or proposed.status_code == 200
    assert proposed.json()["id"] and proposed.json()["notice"] is None
    refused = client.post("/api/v1/sql", headers=user("U1"), json=question)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "45"
