"""Fixtures of the REST API tests: a TestClient over real services (tests/bot/api/support.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api import create_api
from bot.wiring import Services
from tests.bot.api.support import make_services


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory, minilm: object) -> Services:
    return make_services(tmp_path_factory.mktemp("api"), minilm)


@pytest.fixture(scope="module")
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_api(services)) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(tmp_path: Path, minilm: object) -> Iterator[Callable[..., TestClient]]:
    """A client over services of its own, built with the given settings. Their databases are
    closed afterwards: a PostgreSQL pool left open retries a dead port for the rest of the session."""
    built: list[Services] = []

    def build(**settings: object) -> TestClient:
        built.append(make_services(tmp_path, minilm, **settings))
        return TestClient(create_api(built[-1]))

    yield build
    for services in built:
        if "db" in services.__dict__:  # opened by the test
            services.db.close()
