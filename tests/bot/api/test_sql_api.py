"""SQL through the API: approvals follow the Slack rules (exactly once, the requester or an approver)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.bot.api.support import APPROVER, AUTH, user

QUESTION = {"question": "How many orders per month in 2024?"}


def propose(client: TestClient, requester: str) -> str:
    proposal = client.post("/api/v1/sql", headers=user(requester), json=QUESTION).json()
    assert proposal["kind"] == "sql" and proposal["sql"].upper().startswith(("SELECT", "WITH"))
    return proposal["id"]


def test_only_the_requester_or_an_approver_decides_and_a_query_runs_once(client: TestClient) -> None:
    query_id = propose(client, "U1")
    stranger = client.post(f"/api/v1/sql/{query_id}/approve", headers=user("U2"))
    assert stranger.status_code == 403 and "Only the person who asked (U1)" in stranger.json()["detail"]
    assert client.post(f"/api/v1/sql/{query_id}/reject", headers=user("U2")).status_code == 403
    nobody = client.post(f"/api/v1/sql/{query_id}/approve", headers=AUTH)  # no X-User-Id: nobody to act for
    assert nobody.status_code == 422

    ran = client.post(f"/api/v1/sql/{query_id}/approve", headers=user("U1"))
    body = ran.json()
    assert ran.status_code == 200 and body["status"] == "done" and body["result"]["row_count"] >= 1
    assert body["query"]["approved_by"] == "U1" and body["result"]["columns"]

    again = client.post(f"/api/v1/sql/{query_id}/approve", headers=user(APPROVER))
    assert again.status_code == 409 and "already ran" in again.json()["detail"]
    result = client.get(f"/api/v1/sql/{query_id}/result", headers=AUTH).json()
    assert result["status"] == "done" and result["result_summary"] == body["message"]
    assert client.post(f"/api/v1/sql/{query_id}/reject", headers=user("U1")).status_code == 409


def test_concurrent_approvals_run_the_query_exactly_once(client: TestClient) -> None:
    query_id = propose(client, "U1")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: client.post(f"/api/v1/sql/{query_id}/approve", headers=user(APPROVER)).status_code, range(8)
            )
        )
    assert sorted(statuses) == [200] + [409] * 7


def test_an_approver_rejects_and_the_query_never_runs(client: TestClient) -> None:
    query_id = propose(client, "U1")
    rejected = client.post(f"/api/v1/sql/{query_id}/reject", headers=user(APPROVER))
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["approved_by"] == APPROVER
    refused = client.post(f"/api/v1/sql/{query_id}/approve", headers=user("U1"))
    assert refused.status_code == 409 and "rejected" in refused.json()["detail"]


def test_unknown_queries_are_404(client: TestClient) -> None:
    for method, path in [("get", ""), ("get", "/result"), ("post", "/approve"), ("post", "/reject")]:
        response = client.request(method, f"/api/v1/sql/0000deadbeef{path}", headers=user("U1"))
        assert response.status_code == 404 and "expired" in response.json()["detail"]


def test_a_question_the_sql_side_cannot_answer_is_no_pending_query(client: TestClient) -> None:
    proposal = client.post("/api/v1/sql", headers=AUTH, json={"question": "blue widgets by moon phase"}).json()
    assert proposal["kind"] == "abstain" and proposal["id"] is None and proposal["message"]
