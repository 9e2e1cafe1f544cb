"""What the REST API tests share: the key, users, and services over real components."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from bot.wiring import Services

API_KEY = "test-key-0123456789"
APPROVER = "UBOSS"
AUTH = {"X-API-Key": API_KEY}
PROBLEM_JSON = "application/problem+json"
# Every operation the API documents (issue 11: at least 18), as (method, path) in /openapi.json.
OPERATIONS = [
    ("post", "/api/v1/documents"),
    ("get", "/api/v1/documents"),
    ("get", "/api/v1/documents/{doc_id}"),
    ("delete", "/api/v1/documents/{doc_id}"),
    ("post", "/api/v1/documents/reindex"),
    ("post", "/api/v1/ask"),
    ("post", "/api/v1/ask/documents"),
    ("post", "/api/v1/sql"),
    ("get", "/api/v1/sql/{query_id}"),
    ("post", "/api/v1/sql/{query_id}/approve"),
    ("post", "/api/v1/sql/{query_id}/reject"),
    ("get", "/api/v1/sql/{query_id}/result"),
    ("post", "/api/v1/training"),
    ("get", "/api/v1/training"),
    ("delete", "/api/v1/training/{record_id}"),
    ("get", "/api/v1/training/schema"),
    ("post", "/api/v1/feedback"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/cache"),
    ("delete", "/api/v1/cache"),
    ("get", "/healthz"),
    ("get", "/readyz"),
]


def user(user_id: str) -> dict[str, str]:
    return {**AUTH, "X-User-Id": user_id}


def make_services(data_dir: Path, minilm: object, **settings: object) -> Services:
    """The bundled sample database, the session's MiniLM, local stores; API_KEY and one approver set."""
    values: dict[str, object] = {
        "openai_api_key": "",
        "redis_url": "",
        "database_url": "",
        "API_KEY": API_KEY,
        "APPROVER_USER_IDS": APPROVER,
        **settings,
    }
    services = Services(Settings(_env_file=None, data_dir=data_dir, **values))
    services.__dict__["embedder"] = minilm  # the session's loaded model
    return services
