"""Cheap checks that a request can be from Slack at all (stdlib only: Lambda imports it).

They run before Bolt sees the request, in this order: size (413), signature (401), shape (400).
Bolt's own handling of a request it cannot read is a 500 (a text or decimal timestamp makes its
signature check raise; a JSON body nested too deeply or an event of the wrong type makes its
parsing raise), and Slack retries 5xx answers. The body of a request that fails here is never
logged: it is untrusted input.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

MAX_BODY_BYTES = 1024 * 1024  # Slack payloads are a few KB; anything this large is not from Slack
MAX_JSON_DEPTH = 64  # Slack's payloads nest about ten levels; deeper is an attack on the parser
SIGNATURE_MAX_AGE_S = 300  # Slack's rule: a request older than five minutes may be a replay
_FORM_KEYS = ("payload", "command", "ssl_check")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused before Bolt, as an HTTP status and a short reason."""

    status: int
    reason: str


def size_refusal(content_length: str | None) -> Refusal | None:
    """A Content-Length that is unreadable (400) or over the cap (413), before any byte is read."""
    if content_length is None:
        return None
    if not content_length.strip().isdigit():
        return Refusal(400, "Content-Length is not a number")
    if int(content_length) > MAX_BODY_BYTES:
        return Refusal(413, f"body larger than {MAX_BODY_BYTES} bytes")
    return None


def signature_refusal(
    body: bytes, timestamp: str | None, signature: str | None, secret: str, now: float | None = None
) -> Refusal | None:
    """Slack's v0 signature over `v0:{timestamp}:{body}`; every malformed header is a 401, never an error."""
    if not timestamp or not signature:
        return Refusal(401, "missing Slack signature headers")
    if not _TIMESTAMP.fullmatch(timestamp.strip()):
        return Refusal(401, "the request timestamp is not a whole number of seconds")
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_MAX_AGE_S:
        return Refusal(401, "the request timestamp is too old (or in the future)")
    if not _SIGNATURE.fullmatch(signature.strip()):
        return Refusal(401, "the signature is not a v0 signature")
    base = b"v0:" + timestamp.strip().encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip()):
        return Refusal(401, "the signature does not match")
    return None


def _too_deep(text: str) -> bool:
    """Brackets nested deeper than MAX_JSON_DEPTH (strings skipped), without parsing recursively."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _json_object(text: str, what: str) -> str | None:
    if _too_deep(text):
        return f"{what} is nested too deeply"
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return f"{what} is not valid JSON"
    if not isinstance(parsed, dict):
        return f"{what} is not a JSON object"
    return _shape_problem(parsed)


def _shape_problem(body: dict[str, Any]) -> str | None:
    """Fields Bolt reads before any listener, with the type it assumes (a wrong type makes it raise)."""
    for key in ("event", "user", "team", "channel", "container", "message", "view", "enterprise", "authorizations"):
        value = body.get(key)
        if value is not None and not isinstance(value, (dict, list) if key == "authorizations" else dict):
            return f"field {key!r} has the wrong type"
    for key in ("type", "team_id", "api_app_id", "event_id", "token", "enterprise_id", "user_id", "channel_id"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return f"field {key!r} is not a string"
    actions = body.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        return "field 'actions' is not a list of objects"
    return None


def body_problem(body: bytes, content_type: str) -> str | None:
    """Why this body cannot be a Slack request, or None when it can."""
    if not body:
        return "empty body"
    if len(body) > MAX_BODY_BYTES:
        return "body too large"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if "json" in content_type or text.lstrip().startswith("{"):
        return _json_object(text, "body")
    form = parse_qs(text)
    if not any(key in form for key in _FORM_KEYS):
        return "form body has no payload, command or ssl_check field"
    if "payload" in form:
        return _json_object(form["payload"][0], "payload field")
    return None


def refuse_slack_request(
    body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None
) -> Refusal | None:
    """Everything a Slack request must pass before Bolt; `headers` with lower-case names."""
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, f"body larger than {MAX_BODY_BYTES} bytes")
    refusal = signature_refusal(
        body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"), secret, now
    )
    if refusal:
        return refusal
    problem = body_problem(body, headers.get("content-type", ""))
    return Refusal(400, f"not a Slack request: {problem}") if problem else None
