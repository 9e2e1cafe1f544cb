"""Turn an openai SDK exception into one sentence a person can act on."""

from __future__ import annotations


def describe_openai_error(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect to the API"
    if isinstance(exc, openai.AuthenticationError):
        return "the API key was rejected (401)"
    if isinstance(exc, openai.RateLimitError):
        return "rate limited or out of quota (429)"
    if isinstance(exc, openai.APIStatusError):
        return f"the API answered {exc.status_code}: {exc.message}"
    return str(exc) or type(exc).__name__
