"""The composition root under a failing database: the outage is remembered for a while."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import bot.wiring
from bot.settings import Settings
from bot.wiring import Services
from core.assistant import Scope
from core.assistant.base import SourceFailure

SCOPE = Scope(user="U1")


def _sql_failure(services: Services, question: str) -> str:
    reply = services.assistant.ask(question, SCOPE)
    assert reply.sql is not None and isinstance(reply.sql.outcome, SourceFailure)
    return reply.sql.outcome.message


@contextmanager
def _database_that_hangs_up(after_s: float) -> Iterator[tuple[str, list[int]]]:
    """A port that takes connections and closes each after_s later (a database that is down behind
    a proxy): its URL, and the count of connections it took."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    accepted = [0]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted[0] += 1
            if after_s:
                threading.Timer(after_s, conn.close).start()
            else:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"postgresql://nobody@127.0.0.1:{server.getsockname()[1]}/nowhere?connect_timeout=1", accepted
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def refusing_database() -> Iterator[tuple[str, list[int]]]:
    with _database_that_hangs_up(0.0) as database:
        yield database


@pytest.fixture
def services_on(tmp_path) -> Iterator[Callable[[str], Services]]:
    """Services over a database URL; their connection pools are closed afterwards, so that no pool
    goes on retrying a dead port in the background for the rest of the session."""
    made: list[Services] = []

    def make(url: str) -> Services:
        made.append(Services(Settings(data_dir=tmp_path, database_url=url, openai_api_key="")))
        return made[-1]

    yield make
    for services in made:
        services.db.close()


def test_a_database_outage_is_not_retried_by_every_question(services_on, refusing_database, monkeypatch):
    url, accepted = refusing_database
    services = services_on(url)
    assert _sql_failure(services, "How many orders per month?").startswith("The database is not reachable right now")
    tried = accepted[0]
    assert tried >= 1
    assert _sql_failure(services, "How many customers are there?").startswith("The database is not reachable")
    assert accepted[0] == tried  # answered from the remembered outage, no new connection attempt
    monkeypatch.setattr(bot.wiring, "DATABASE_RETRY_S", 0.0)
    services.db.retry_after_s = 0.0  # the PostgreSQL runner's own window
    _sql_failure(services, "How many customers are there?")
    assert accepted[0] > tried  # once the windows are over, the database is tried again


def test_training_from_a_file_leaves_out_examples_the_guard_would_refuse(tmp_path, minilm):
    import json

    examples = tmp_path / "examples.json"
    good = {"question": "How many orders are there?", "sql": "SELECT COUNT(*) FROM orders"}
    bad = {"question": "Start over?", "sql": "DELETE FROM orders"}
    # The same question with a query the guard refuses does not take the good one with it.
    same_question = {"question": good["question"], "sql": "DROP TABLE orders"}
    examples.write_text(json.dumps([good, same_question, bad]), encoding="utf-8")
    services = Services(Settings(data_dir=tmp_path / "data", database_url="", openai_api_key=""))
    services.__dict__["embedder"] = minilm  # the session's loaded model
    summary = services.train(examples=examples)
    assert summary["examples"] == 1
    refused = summary["refused_examples"]
    assert [item["question"] for item in refused] == [good["question"], "Start over?"]
    assert all(item["reason"] for item in refused)
    trained = {record.question for record in services.knowledge.records() if record.kind == "example"}
    assert "How many orders are there?" in trained and "Start over?" not in trained


@pytest.fixture
def slow_refusing_database() -> Iterator[str]:
    """Every try to reach the database takes half a second to fail."""
    with _database_that_hangs_up(0.5) as (url, _):
        yield url


def test_questions_arriving_during_a_try_take_its_verdict_instead_of_each_trying(
    services_on, slow_refusing_database, caplog
):
    from core.sql.models import DatabaseUnavailable

    services = services_on(slow_refusing_database)
    services._database_down = (-1e9, DatabaseUnavailable("down long ago"))  # the window is over
    caplog.set_level("WARNING", logger="bot")
    askers = [threading.Thread(target=lambda: services.assistant) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=60)
    tries = [r for r in caplog.records if r.getMessage().startswith("the database cannot be reached")]
    assert len(tries) == 1, [r.getMessage() for r in tries]
