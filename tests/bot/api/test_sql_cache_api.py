"""Generated SQL through the REST API: the model is asked once per question and training version."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.api import create_api
from tests.bot.api.support import AUTH, make_services, user
from tests.fakes.openai_server import FakeOpenAI

SQL = "SELECT COUNT(*) FROM orders"


def test_the_same_data_question_is_written_once_until_retraining(tmp_path: Path, minilm: object) -> None:
    with FakeOpenAI() as fake:
        fake.chat_handler = lambda body: SQL
        services = make_services(tmp_path, minilm, openai_api_key="sk-test", OPENAI_BASE_URL=fake.base_url)
        client = TestClient(create_api(services))
        question = {"question": "How many orders are there in total?"}
        first = client.post("/api/v1/sql", headers=user("U1"), json=question).json()
        second = client.post("/api/v1/sql", headers=user("U2"), json=question).json()
        assert first["sql"] == second["sql"] and first["source"] == second["source"] == "llm"
        assert first["id"] != second["id"]  # each asker gets a pending query of their own to approve
        assert len(fake.chat_requests()) == 1
        assert client.get("/api/v1/cache", headers=AUTH).json()["sql"] == 1

        services.train()  # the training version changes: the question is written afresh
        client.post("/api/v1/sql", headers=user("U1"), json=question)
        assert len(fake.chat_requests()) == 2
        assert client.delete("/api/v1/cache", headers=AUTH, params={"kind": "sql"}).json()["removed"] == 2
        client.post("/api/v1/sql", headers=user("U1"), json=question)
        assert len(fake.chat_requests()) == 3
