"""Every error as RFC 9457 problem details (application/problem+json: type, title, status, detail).

Domain errors are told apart with isinstance (core/errors.DocBotError and its family); anything
else is an internal error whose details stay in the log.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from bot.wiring import SettingsError
from core.cache.base import KeyValueUnavailable
from core.documents.models import IngestError
from core.embeddings.base import EmbeddingError
from core.errors import DocBotError
from core.feedback.base import FeedbackError
from core.limits.base import QuestionLimited
from core.llm.base import LlmUnavailable
from core.search.keyword_index import KeywordIndexError
from core.sql.models import DatabaseUnavailable, SqlError, SqlTimeout
from core.storage.base import ObjectStoreError
from core.vectors.base import IndexMismatch, VectorStoreError
from core.vectors.filters import FilterError

log = logging.getLogger("bot.api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:docbot:problem:"

# The HTTP status of each kind of domain error: a dependency down is 503, a refused input 4xx.
# Checked in order: subclasses before their bases.
_STATUS_OF: list[tuple[type[DocBotError], int]] = [
    (QuestionLimited, 429),
    (DatabaseUnavailable, 503),
    (SqlTimeout, 504),
    (SqlError, 422),
    (LlmUnavailable, 503),
    (EmbeddingError, 503),
    (VectorStoreError, 503),
    (ObjectStoreError, 503),
    (KeywordIndexError, 503),
    (KeyValueUnavailable, 503),
    (IndexMismatch, 409),
    (IngestError, 422),
    (FilterError, 400),
    (SettingsError, 503),
    (FeedbackError, 422),
]

# The model of the body every error response has, for the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
    },
}


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; `kind` names a DocBot-specific problem type (else about:blank)."""
    phrase = HTTPStatus(status).phrase
    body = {
        "type": PROBLEM_TYPE_PREFIX + kind if kind else "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def status_of(error: DocBotError) -> int:
    return next((status for kind, status in _STATUS_OF if isinstance(error, kind)), 500)


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
        return problem(exc.status_code, detail, headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
            for error in exc.errors()
        ]
        first = errors[0] if errors else {"location": "request", "message": "invalid"}
        detail = f"{first['location']}: {first['message']}" + (
            f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        )
        return problem(422, detail, kind="invalid-request", title="The request is not valid", errors=errors)

    @app.exception_handler(DocBotError)
    async def domain_error(request: Request, exc: DocBotError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.warning("%s %s failed: %s", request.method, request.url.path, exc.user_message)
        headers = None
        if isinstance(exc, QuestionLimited):  # when to ask again, for clients that wait on their own
            headers = {"Retry-After": str(exc.refusal.retry_after_whole_s)}
        return problem(status, exc.user_message, kind=_kebab(type(exc).__name__), title=exc.what, headers=headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return problem(500, "Something unexpected went wrong; the server log has the details.", kind="internal-error")
