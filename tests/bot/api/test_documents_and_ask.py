"""Documents through the API, and questions answered by the same assistant as Slack."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.bot.api.support import AUTH, PROBLEM_JSON, user

POLICY = b"# Returns policy\n\nCustomers may return an item within 30 days of delivery for a full refund.\n"


def upload(client: TestClient, name: str, data: bytes, **form: str) -> dict:
    response = client.post("/api/v1/documents", headers=AUTH, files={"file": (name, data)}, data=form)
    return {"http": response.status_code, **response.json()}


def test_upload_list_get_ask_and_delete_a_document(client: TestClient) -> None:
    indexed = upload(client, "returns-policy.md", POLICY, channel="C1")
    assert indexed["http"] == 201 and indexed["status"] == "indexed" and indexed["chunks"] >= 1
    doc_id = indexed["doc_id"]
    assert upload(client, "copy.md", POLICY, channel="C1")["status"] == "already_indexed"  # same bytes

    listed = client.get("/api/v1/documents", headers=AUTH, params={"channel": "C1"}).json()["documents"]
    assert [d["doc_id"] for d in listed] == [doc_id]
    assert client.get("/api/v1/documents", headers=AUTH, params={"channel": "C2"}).json()["documents"] == []
    assert client.get(f"/api/v1/documents/{doc_id[:12]}", headers=AUTH).json()["file_name"] == "returns-policy.md"

    question = {"question": "How many days do customers have to return an item?", "channel": "C1"}
    reply = client.post("/api/v1/ask/documents", headers=AUTH, json=question).json()
    assert reply["kind"] == "documents" and "30 days" in reply["documents"]["answer"]
    assert reply["documents"]["citations"][0]["file_name"] == "returns-policy.md"

    assert client.delete(f"/api/v1/documents/{doc_id}", headers=AUTH).json() == {"deleted": doc_id}
    missing = client.get(f"/api/v1/documents/{doc_id}", headers=AUTH)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM_JSON
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=AUTH).status_code == 404


def test_a_file_that_cannot_be_indexed_is_a_problem_with_the_reason(client: TestClient) -> None:
    empty = client.post("/api/v1/documents", headers=AUTH, files={"file": ("empty.txt", b"  \n")})
    assert empty.status_code == 422 and "the file is empty" in empty.json()["detail"]
    binary = client.post("/api/v1/documents", headers=AUTH, files={"file": ("blob.bin", bytes(range(256)) * 4)})
    assert binary.status_code == 422 and binary.json()["detail"].startswith("Could not index blob.bin")


def test_a_file_over_the_size_limit_is_refused(fresh_client: Callable[..., TestClient]) -> None:
    small = fresh_client(MAX_FILE_MB="0.001")
    response = small.post("/api/v1/documents", headers=AUTH, files={"file": ("big.txt", b"word " * 1000)})
    assert response.status_code == 413 and "0.001 MB" in response.json()["detail"]


def test_reindex_rebuilds_the_indexes_from_the_stored_files(fresh_client: Callable[..., TestClient]) -> None:
    client = fresh_client()
    assert upload(client, "returns-policy.md", POLICY, channel="C1")["http"] == 201
    rebuilt = client.post("/api/v1/documents/reindex", headers=AUTH).json()
    assert rebuilt["documents"] == rebuilt["reindexed"] == 1 and rebuilt["chunks"] >= 1 and rebuilt["failed"] == []
    question = {"question": "How many days do customers have to return an item?", "channel": "C1"}
    assert "30 days" in client.post("/api/v1/ask/documents", headers=AUTH, json=question).json()["documents"]["answer"]


def test_ask_routes_like_slack_and_files_the_proposal_under_the_caller(client: TestClient) -> None:
    reply = client.post("/api/v1/ask", headers=user("U7"), json={"question": "How many orders per month in 2024?"})
    body = reply.json()
    assert reply.status_code == 200 and body["kind"] == "sql" and body["route"]["kind"] == "sql"
    query_id = body["sql"]["proposal"]["id"]
    assert client.get(f"/api/v1/sql/{query_id}", headers=AUTH).json()["requester"] == "U7"
    nothing = client.post("/api/v1/ask", headers=AUTH, json={"question": "What is the airspeed of a swallow?"})
    assert nothing.json()["kind"] == "nothing_found" and "orders" in nothing.json()["known_tables"]


def test_redis_down_is_a_503_naming_the_store_not_an_internal_error_or_a_bad_file(
    fresh_client: Callable[..., TestClient],
) -> None:
    from tests.conftest import free_port

    client = fresh_client(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    listed = client.get("/api/v1/documents", headers=AUTH)
    assert listed.status_code == 503 and listed.headers["content-type"] == PROBLEM_JSON
    assert listed.json()["title"] == "The key-value store is not available right now"
    # The file is fine: the server failed, so the client may send it again later.
    uploaded = client.post("/api/v1/documents", headers=AUTH, files={"file": ("returns-policy.md", POLICY)})
    assert uploaded.status_code == 503 and "a service it needs is unavailable" in uploaded.json()["detail"]


def test_with_the_database_down_documents_still_answer_and_data_questions_say_why(
    fresh_client: Callable[..., TestClient],
) -> None:
    from tests.conftest import free_port

    client = fresh_client(database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/nowhere?connect_timeout=1")
    assert upload(client, "returns-policy.md", POLICY, channel="C1")["http"] == 201
    question = {"question": "How many days do customers have to return an item?", "channel": "C1"}
    for path in ("/api/v1/ask", "/api/v1/ask/documents"):
        response = client.post(path, headers=AUTH, json=question)
        assert response.status_code == 200 and "30 days" in response.json()["documents"]["answer"], path
    data = client.post("/api/v1/ask", headers=AUTH, json={"question": "How many orders per month in 2024?"})
    assert data.status_code == 200
    assert data.json()["sql"]["failure"]["message"].startswith("The database is not reachable right now")
