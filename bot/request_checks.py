"""Cheap checks that a request body can be a Slack request at all (stdlib only: Lambda imports it)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

MAX_BODY_BYTES = 1024 * 1024  # Slack payloads are a few KB; anything this large is not from Slack
_FORM_KEYS = ("payload", "command", "ssl_check")


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
        try:
            parsed = json.loads(text)
        except ValueError:
            return "body is not valid JSON"
        return None if isinstance(parsed, dict) else "JSON body is not an object"
    form = parse_qs(text)
    if not any(key in form for key in _FORM_KEYS):
        return "form body has no payload, command or ssl_check field"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return "payload field is not valid JSON"
        if not isinstance(payload, dict):
            return "payload field is not a JSON object"
    return None


