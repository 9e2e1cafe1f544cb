"""Who may call the API, what errors look like, and the health endpoints."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.bot.api.support import AUTH, OPERATIONS, PROBLEM_JSON


def test_calls_without_the_right_key_are_refused_as_problems(client: TestClient) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": "é".encode("latin-1")}):
        response = client.get("/api/v1/documents", headers=headers)
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM_JSON
        body = response.json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and "X-API-Key" in body["detail"]
        assert body["type"] == "about:blank"
    assert client.get("/api/v1/documents", headers=AUTH).status_code == 200


def test_without_api_key_set_the_api_is_closed_and_says_why(fresh_client: Callable[..., TestClient]) -> None:
    closed = fresh_client(API_KEY="")
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": "anything"}):
        response = closed.get("/api/v1/stats", headers=headers)
        assert response.status_code == 503 and "set API_KEY" in response.json()["detail"]
    assert closed.get("/openapi.json").status_code == 503
    assert closed.get("/healthz").status_code == 200  # health stays open


def test_the_openapi_document_needs_the_key_and_lists_every_operation(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 401
    document = client.get("/openapi.json", headers=AUTH).json()
    operations = [(method, path) for path, item in document["paths"].items() for method in item]
    assert len(operations) >= 18
    assert sorted(operations) == sorted(OPERATIONS)
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    page = client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text and "X-API-Key" in page.text


def test_a_bad_body_is_a_422_problem_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/ask", headers=AUTH, json={"question": ""})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["detail"].startswith("body.question:") and body["errors"][0]["location"] == "body.question"
    assert client.post("/api/v1/ask", headers=AUTH, content=b"{not json").status_code == 422


def test_readiness_reports_each_dependency_with_its_latency(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["ready"] is True
    for name in ("key_value_store", "object_store", "vector_store", "database"):
        assert body["dependencies"][name]["status"] == "ok" and body["dependencies"][name]["latency_ms"] >= 0
    assert body["dependencies"]["language_model"]["status"] == "not_configured"


def test_readiness_names_a_failing_dependency(fresh_client: Callable[..., TestClient]) -> None:
    from tests.conftest import free_port

    unreachable = f"postgresql://nobody@127.0.0.1:{free_port()}/nowhere?connect_timeout=1"
    response = fresh_client(database_url=unreachable).get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["ready"] is False
    assert body["dependencies"]["database"]["status"] == "failing"
    assert body["dependencies"]["database"]["detail"].startswith("The database is not reachable right now")
    assert "127.0.0.1" not in response.text and "nowhere" not in response.text  # open endpoint: no addresses
    assert body["dependencies"]["key_value_store"]["status"] == "ok"
