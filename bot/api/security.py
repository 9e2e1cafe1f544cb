"""Who may call the API (X-API-Key, compared in constant time) and whom a call acts for (X-User-Id).

The key authenticates the caller; X-User-Id names the person the caller acts for, as a Slack
user id would: SQL proposals are filed under it and approvals follow the Slack rules with it
(the requester, or a user in APPROVER_USER_IDS). Whoever holds the key is trusted to name users.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import APIKeyHeader

from bot.wiring import Services

API_KEY_HEADER = "X-API-Key"
USER_HEADER = "X-User-Id"
DEFAULT_USER = "api"  # the requester of questions that name no user
USER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$"

# auto_error=False: a missing key gets our own problem response, not FastAPI's 403.
api_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="the API_KEY setting")


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def require_api_key(request: Request, key: Annotated[str | None, Depends(api_key_scheme)]) -> None:
    expected = services(request).settings.api_key.get_secret_value()
    if not expected:
        raise HTTPException(503, "The REST API is disabled: set API_KEY on the server to enable it.")
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header may carry anything.
    if key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(
            401, f"A valid {API_KEY_HEADER} header is required.", headers={"WWW-Authenticate": API_KEY_HEADER}
        )


def acting_user(
    user: Annotated[
        str | None,
        Header(
            alias=USER_HEADER, pattern=USER_PATTERN, description="the person this call acts for (e.g. a Slack user id)"
        ),
    ] = None,
) -> str:
    return user or DEFAULT_USER


def deciding_user(
    user: Annotated[
        str,
        Header(alias=USER_HEADER, pattern=USER_PATTERN, description="who decides: the requester or an approver"),
    ],
) -> str:
    return user


ServicesDep = Annotated[Services, Depends(services)]
ActingUser = Annotated[str, Depends(acting_user)]
DecidingUser = Annotated[str, Depends(deciding_user)]
