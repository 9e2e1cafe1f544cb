"""/healthz (the process answers) and /readyz (each configured dependency answers, with its latency).

Both are open: a load balancer has no key. /readyz names dependencies and their state, never
addresses or credentials. The language model is reported as configured, not called: a probe
every few seconds would cost tokens and count against rate limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.api.schemas import DependencyOut, Readiness
from bot.api.security import ServicesDep
from bot.wiring import Services
from core.errors import DocBotError

router = APIRouter(tags=["health"])
log = logging.getLogger("bot.api")

PROBE_KEY = "readyz:probe"


def _probe(check: Callable[[], object]) -> DependencyOut:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # what failed is the answer here, not an error of this request
        # The kind of failure only: the error's own words can name a host, a path or a user, and
        # this endpoint needs no key. The whole error goes to the log.
        log.warning("readiness probe failed", exc_info=True)
        detail = exc.what if isinstance(exc, DocBotError) else type(exc).__name__
        return DependencyOut(status="failing", latency_ms=_ms(started), detail=detail)
    return DependencyOut(status="ok", latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def dependency_checks(services: Services) -> dict[str, Callable[[], object]]:
    """One cheap read per dependency, through the same objects the bot uses."""

    def vectors() -> object:
        # One stored vector's worth of query: a unit vector, since cosine indexes refuse zeros.
        unit = np.zeros(services.embedder.dimension, dtype=np.float32)
        unit[0] = 1.0
        return services.vectors.query(f"docs-{services.team_namespace}", unit, top_k=1)

    return {
        "key_value_store": lambda: services.kv.get(PROBE_KEY),
        "object_store": lambda: services.objects.get(PROBE_KEY),
        "vector_store": vectors,
        "database": lambda: services.db.run_readonly("SELECT 1", max_rows=1, timeout_s=5.0),
    }


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, bool]:
    return {"ok": True}


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: every configured dependency answers",
    responses={503: {"description": "a dependency is failing", "model": Readiness}},
)
def readyz(services: ServicesDep) -> JSONResponse:
    dependencies = {name: _probe(check) for name, check in dependency_checks(services).items()}
    dependencies["language_model"] = (
        DependencyOut(status="not_configured", latency_ms=None, detail="offline mode: no OPENAI_API_KEY")
        if services.settings.offline
        else DependencyOut(status="ok", latency_ms=None, detail="configured; not probed")
    )
    ready = all(d.status != "failing" for d in dependencies.values())
    body = Readiness(ready=ready, dependencies=dependencies)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
