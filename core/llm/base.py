"""Chat model interface. `None` in place of a ChatModel means offline mode everywhere."""

from __future__ import annotations

from typing import Literal, Protocol, TypedDict

from core.errors import DocBotError


class ChatMessage(TypedDict):
    """One turn of a conversation, as chat models take it (and as thread history is kept)."""

    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    model: str

    def complete(
        self, messages: list[ChatMessage], *, temperature: float = 0.0, max_tokens: int | None = None
    ) -> str: ...


class TokenMeter(Protocol):
    """Where a model reports the tokens each call used (the daily budget of core/limits)."""

    def record_tokens(self, tokens: int) -> None: ...


class LlmUnavailable(DocBotError):
    """The chat model could not answer (connection, timeout, auth, quota, API error); says which."""

    what = "The language model is not reachable right now"
