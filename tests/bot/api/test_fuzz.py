"""A schemathesis run over the API's own OpenAPI document: whatever it sends, no 500.

Marked slow: each operation gets FUZZ_EXAMPLES generated requests that fit its schema and as
many that do not. (schemathesis.pytest.from_fixture fails under pytest 9, so the operations are
parametrized here and each one's cases are drawn through hypothesis directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from bot.api import create_api
from bot.wiring import Services
from tests.bot.api.support import AUTH, OPERATIONS

FUZZ_EXAMPLES = 20
# /readyz answers 503 when a dependency is down; none is, here, so every 5xx is a fault.
DOCUMENTED_5XX: dict[tuple[str, str], set[int]] = {}


@pytest.fixture(scope="module")
def api_schema(services: Services) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_api(services), headers=AUTH)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_request_makes_the_api_fail(
    api_schema: schemathesis.schemas.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    allowed = DOCUMENTED_5XX.get((method, path), set())

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), **AUTH})
        assert response.status_code < 500 or response.status_code in allowed, (
            f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
        )

    try:
        call()
    except Unsatisfiable:  # negative mode on an operation without parameters: nothing can be made invalid
        pytest.skip("this operation takes no input that could be invalid")
