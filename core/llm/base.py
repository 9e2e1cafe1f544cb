"""Chat model interface. `None` in place of a ChatModel means offline mode everywhere."""

from __future__ import annotations

from typing import Protocol


class ChatModel(Protocol):
    model: str

    def complete(self, messages: list[dict], *, temperature: float = 0.0, max_tokens: int | None = None) -> str: ...


class LlmUnavailable(Exception):
    """The chat model could not answer (connection, timeout, auth, quota, API error); says which."""
