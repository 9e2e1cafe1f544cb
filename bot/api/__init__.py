"""The REST API: documents, questions, SQL and its approvals, training, feedback, stats, health.

Every /api/v1 call needs X-API-Key (the API_KEY setting); /healthz and /readyz are open. The
OpenAPI document (/openapi.json) needs the key too; /docs is a Swagger UI page that asks for it
and sends it with every request it makes. Errors are problem+json (bot/api/problems.py).
The routers call the same services as Slack: questions go through core/assistant.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from bot.api.problems import install_problem_handlers, problem_responses
from bot.api.routers import ask, documents, feedback, health, sql, stats, training
from bot.api.security import require_api_key
from bot.wiring import Services

API_PREFIX = "/api/v1"
TITLE = "DocBot"
VERSION = "1"
DESCRIPTION = (
    "Answers from a team's documents (with citations) and database (SQL that a person approves). "
    "Send the API_KEY setting as `X-API-Key`. Calls that act for a person (asking, approving, rejecting) "
    "name them in `X-User-Id` (e.g. a Slack user id): SQL proposals are filed under it, and a query runs "
    "only when its requester or a user in APPROVER_USER_IDS approves it, exactly once."
)


def create_api(services: Services) -> FastAPI:
    """The FastAPI app of the REST API; bot/http_app.py adds Slack's endpoint to it."""
    app = FastAPI(
        title=TITLE, version=VERSION, description=DESCRIPTION, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.services = services
    install_problem_handlers(app)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_api_key)], responses=problem_responses(401, 503))
    for module in (documents, ask, sql, training, feedback, stats):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_api_key)])
    def openapi_document(request: Request) -> dict[str, Any]:
        if request.app.openapi_schema is None:
            request.app.openapi_schema = get_openapi(
                title=TITLE, version=VERSION, description=DESCRIPTION, routes=request.app.routes
            )
        document: dict[str, Any] = request.app.openapi_schema
        return document

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return SWAGGER_PAGE

    return app


# Swagger UI from its public CDN (as FastAPI's own /docs does); the page asks for the key once per
# browser tab and adds it to every request, the OpenAPI document's included.
SWAGGER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>DocBot API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
let key = sessionStorage.getItem("docbot-api-key");
if (!key) { key = prompt("X-API-Key (the server's API_KEY)") || ""; sessionStorage.setItem("docbot-api-key", key); }
SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  requestInterceptor: (request) => { request.headers["X-API-Key"] = key; return request; },
});
</script></body></html>
"""
