"""The generated-SQL cache over Vanna and the fake OpenAI server, in both real key-value stores."""

from __future__ import annotations

import pytest

from core.cache.kinds import GENERATED_SQL, CacheStats, KindCache
from core.cache.redis_store import RedisKeyValueStore
from core.sql.generate.cached import CachedSqlGenerator
from core.sql.generate.offline import OfflineSqlGenerator
from core.sql.generate.vanna import VannaSqlGenerator
from core.sql.knowledge import SqlKnowledge
from core.vectors.local import LocalVectorStore
from tests.core.sql.generate.test_vanna import TABLES, client
from tests.fakes.openai_server import FakeOpenAI

QUESTION = "How many orders went to Germany?"
SQL = "SELECT COUNT(*) FROM orders WHERE ship_country = 'Germany'"


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.services)])
def kv(request):
    return request.getfixturevalue(f"{request.param}_kv")


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        server.chat_handler = lambda body: SQL
        yield server


def build(fake: FakeOpenAI, knowledge: SqlKnowledge, store, stats: CacheStats | None = None) -> CachedSqlGenerator:
    vanna = VannaSqlGenerator(
        client(fake), "gpt-test", knowledge, "sqlite", fallback=OfflineSqlGenerator(_database(knowledge), None)
    )
    cache = KindCache(store, GENERATED_SQL, stats or CacheStats())
    return CachedSqlGenerator(
        vanna, cache, version=knowledge.version, identity="gpt-test/sqlite", ttl_s=GENERATED_SQL.ttl_s
    )


def _database(knowledge: SqlKnowledge):
    """A real SQLite database with the orders table, for the offline fallback."""
    import sqlite3
    import tempfile
    from pathlib import Path

    from core.sql.databases.base import open_database

    path = Path(tempfile.mkdtemp()) / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, ship_country TEXT, total_amount NUMERIC)")
    return open_database(str(path))


@pytest.fixture
def knowledge(minilm, tmp_path, kv) -> SqlKnowledge:
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v"), "sql-cached", versions=kv)
    knowledge.train(TABLES)
    return knowledge


def test_asking_again_reuses_the_sql_until_the_training_changes(fake, knowledge, kv):
    stats = CacheStats()
    generator = build(fake, knowledge, kv, stats)
    first = generator.generate(QUESTION)
    again = generator.generate("  How many orders   went to Germany? ")
    assert first.sql == again.sql == SQL and again.source == "llm"
    assert len(fake.chat_requests()) == 1
    assert stats.snapshot()["generated_sql"]["hits"] == 1
    generator.generate(QUESTION, [{"role": "user", "content": "Only paid orders."}])  # another conversation
    assert len(fake.chat_requests()) == 2
    knowledge.add_example(
        "How many orders went to France?", "SELECT COUNT(*) FROM orders WHERE ship_country = 'France'"
    )
    generator.generate(QUESTION)  # a saved example changes the training: generated afresh
    assert len(fake.chat_requests()) == 3
    knowledge.train(TABLES)  # and so does a retraining
    generator.generate(QUESTION)
    assert len(fake.chat_requests()) == 4


def test_a_fallback_written_while_the_model_was_down_is_not_kept(fake, knowledge, kv):
    generator = build(fake, knowledge, kv)
    fake.fail_next(500)
    down = generator.generate(QUESTION)
    assert down.source != "llm" and "could not be reached" in down.message
    assert generator.generate(QUESTION).sql == SQL  # the model is asked again once it is back


def test_without_a_training_version_nothing_is_cached(fake, minilm, tmp_path, kv):
    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v2"), "sql-unversioned")
    knowledge.train(TABLES)
    generator = build(fake, knowledge, kv)
    generator.generate(QUESTION)
    generator.generate(QUESTION)
    assert len(fake.chat_requests()) == 2


def test_a_cache_that_cannot_be_reached_generates_uncached(fake, minilm, tmp_path, kv, caplog):
    from tests.conftest import free_port

    knowledge = SqlKnowledge(minilm, LocalVectorStore(tmp_path / "v3"), "sql-dead", versions=kv)
    knowledge.train(TABLES)
    dead = RedisKeyValueStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    generator = build(fake, knowledge, dead)
    assert generator.generate(QUESTION).sql == SQL and generator.generate(QUESTION).sql == SQL
    assert len(fake.chat_requests()) == 2 and "generated_sql cache unavailable" in caplog.text
