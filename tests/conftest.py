"""Shared fixtures: real local services (PostgreSQL, Redis, moto's S3 server) and scratch space."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# Test lanes are declared in pyproject.toml; a test using a service fixture is in `services` whether
# or not it says so, so a new one cannot forget it.
SERVICE_FIXTURES = frozenset({"pg_server_url", "redis_url", "s3_endpoint"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def _service_missing(what: str, exc: Exception) -> None:
    """In CI a missing service is a failure; on a newcomer's machine the tests that need it skip."""
    if os.environ.get("CI"):
        raise RuntimeError(f"{what} is not reachable: {exc}") from exc
    pytest.skip(f"{what} is not reachable ({exc}); start it to run this test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """Admin URL of the real PostgreSQL server."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        _service_missing("PostgreSQL at " + PG_ADMIN_URL, exc)
    return PG_ADMIN_URL


@pytest.fixture
def pg_scratch_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis URL whose keys this test owns (a unique key prefix is up to the caller)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        _service_missing("Redis at " + REDIS_URL, exc)
    yield REDIS_URL
    client.close()


@pytest.fixture
def redis_kv(redis_url: str):
    from core.cache.redis_store import RedisKeyValueStore

    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    store = RedisKeyValueStore.from_url(redis_url, prefix=prefix)
    yield store
    for key in store.keys(""):
        store.delete(key)


@pytest.fixture
def local_kv(tmp_path):
    from core.cache.local import LocalKeyValueStore

    return LocalKeyValueStore(tmp_path / "kv.sqlite")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto in server mode: real HTTP S3 on loopback."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def minilm():
    """The real offline embedder, loaded once per test session."""
    from core.embeddings.minilm import LocalMiniLMEmbedder

    return LocalMiniLMEmbedder(threads=1)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[str]:
    """A Redis server of this test's own, on a free port, so it can be frozen (DEBUG SLEEP, CLIENT
    PAUSE) or stopped without touching the shared one. No persistence: it lives for one test."""
    import shutil
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        _service_missing("redis-server", FileNotFoundError("redis-server is not installed"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            "--enable-debug-command",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the private redis-server did not start") from None
            time.sleep(0.05)
    yield url
    process.kill()  # nothing in it is worth keeping (a test may have turned persistence on)
    process.wait(timeout=10)
