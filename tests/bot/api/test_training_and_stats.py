"""Training records, feedback, stats and the caches through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.bot.api.support import AUTH, user


def test_add_list_and_delete_training(client: TestClient) -> None:
    doc = client.post(
        "/api/v1/training", headers=AUTH, json={"kind": "documentation", "text": "A VIP spent over 1000."}
    )
    example = client.post(
        "/api/v1/training", headers=AUTH, json={"kind": "example", "question": "How many VIPs?", "sql": "SELECT 1"}
    )
    ddl = client.post(
        "/api/v1/training", headers=AUTH, json={"kind": "ddl", "table": "notes", "ddl": "CREATE TABLE notes (id INT)"}
    )
    assert {doc.status_code, example.status_code, ddl.status_code} == {201}
    ids = {r["id"]: r for r in client.get("/api/v1/training", headers=AUTH).json()["records"]}
    assert ids[doc.json()["id"]]["kind"] == "doc" and ids[example.json()["id"]]["sql"] == "SELECT 1"
    assert ids["ddl:notes"]["table"] == "notes"
    for record_id in (doc.json()["id"], example.json()["id"], "ddl:notes"):
        assert client.delete(f"/api/v1/training/{record_id}", headers=AUTH).json() == {"deleted": record_id}
        assert client.delete(f"/api/v1/training/{record_id}", headers=AUTH).status_code == 404
    bad = client.post("/api/v1/training", headers=AUTH, json={"kind": "poem", "text": "roses"})
    assert bad.status_code == 422


def test_an_example_the_guard_would_refuse_is_not_trained(client: TestClient) -> None:
    for sql in ("DROP TABLE orders", "SELECT 1; DELETE FROM orders", "SELECT * FROM no_such_table"):
        refused = client.post(
            "/api/v1/training", headers=AUTH, json={"kind": "example", "question": "Clean up?", "sql": sql}
        )
        assert refused.status_code == 422, sql
        assert refused.json()["detail"].startswith("The example's SQL would never be allowed to run:")
    questions = {r.get("question") for r in client.get("/api/v1/training", headers=AUTH).json()["records"]}
    assert "Clean up?" not in questions


def test_the_schema_says_which_tables_are_trained(client: TestClient) -> None:
    tables = {t["name"]: t for t in client.get("/api/v1/training/schema", headers=AUTH).json()["tables"]}
    assert {"customers", "orders"} <= set(tables)
    assert tables["orders"]["trained"] and tables["orders"]["ddl"].startswith("CREATE TABLE orders")
    assert any(c["primary_key"] for c in tables["orders"]["columns"])


def test_a_documents_answer_is_rated_once_per_person_and_counted(client: TestClient) -> None:
    policy = b"# Parking\n\nVisitors park in the north lot; the south lot is for staff only.\n"
    client.post("/api/v1/documents", headers=AUTH, files={"file": ("parking.md", policy)}, data={"channel": "C5"})
    before = client.get("/api/v1/stats", headers=AUTH).json()
    question = {"question": "Where do visitors park?", "channel": "C5"}
    reply = client.post("/api/v1/ask/documents", headers=user("U1"), json=question).json()
    assert "north lot" in reply["documents"]["answer"] and reply["answer_id"]
    rating = {"answer_id": reply["answer_id"], "rating": "down"}
    first = client.post("/api/v1/feedback", headers=user("U1"), json=rating)
    assert first.status_code == 201 and first.json()["question"] == "Where do visitors park?"
    assert client.post("/api/v1/feedback", headers=user("U1"), json={**rating, "rating": "up"}).status_code == 409
    assert client.post("/api/v1/feedback", headers=user("U2"), json={**rating, "rating": "up"}).status_code == 201
    unknown = client.post("/api/v1/feedback", headers=user("U1"), json={"answer_id": "0" * 32, "rating": "up"})
    assert unknown.status_code == 422 and "not known" in unknown.json()["detail"]
    assert client.post("/api/v1/feedback", headers=AUTH, json=rating).status_code == 422  # who rates?
    client.post("/api/v1/sql", headers=user("U1"), json={"question": "How many orders per month in 2024?"})
    after = client.get("/api/v1/stats", headers=AUTH).json()
    assert after["feedback"].get("down", 0) == before["feedback"].get("down", 0) + 1
    assert after["feedback"].get("up", 0) == before["feedback"].get("up", 0) + 1
    assert after["queries"].get("pending", 0) == before["queries"].get("pending", 0) + 1
    assert after["tables"] >= 3 and after["training"]["ddl"] >= 3


def test_cache_stats_and_clear(client: TestClient) -> None:
    policy = b"# Travel\n\nTrain tickets are reimbursed in second class for trips under four hours.\n"
    client.post("/api/v1/documents", headers=AUTH, files={"file": ("travel.md", policy)}, data={"channel": "C9"})
    question = {"question": "Which class of train tickets is reimbursed?", "channel": "C9"}
    assert (
        "second class"
        in client.post("/api/v1/ask/documents", headers=AUTH, json=question).json()["documents"]["answer"]
    )
    cached = client.get("/api/v1/cache", headers=AUTH).json()
    assert cached["answers"] >= 1  # (the embedding cache stays empty: these services use MiniLM unwrapped)
    cleared = client.delete("/api/v1/cache", headers=AUTH).json()
    assert cleared["removed"] == cached["answers"]
    assert client.get("/api/v1/cache", headers=AUTH).json() == {
        "answers": 0,
        "embeddings": cached["embeddings"],
        "sql": cached["sql"],
    }
    assert client.delete("/api/v1/cache", headers=AUTH, params={"kind": "everything"}).status_code == 422
