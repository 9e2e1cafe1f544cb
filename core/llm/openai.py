"""OpenAI (or any OpenAI-compatible endpoint) chat completions behind the ChatModel protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.llm.base import ChatMessage, LlmUnavailable, TokenMeter
from core.llm.openai_errors import describe_openai_error

if TYPE_CHECKING:
    import openai


def make_openai_client(
    api_key: str, base_url: str | None = None, timeout: float = 30.0, max_retries: int = 2
) -> openai.OpenAI:
    """An `openai.OpenAI` client; base_url points it at a compatible server (or a test fake)."""
    import openai

    if not api_key:
        raise ValueError("an OpenAI API key is required (OPENAI_API_KEY)")
    return openai.OpenAI(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries)


def reported_tokens(response: Any) -> int:
    """The total tokens an OpenAI chat completion reports using (0 when a compatible server omits it)."""
    usage = getattr(response, "usage", None)
    total = getattr(usage, "total_tokens", None) if usage is not None else None
    return total if isinstance(total, int) else 0


class OpenAIChatModel:
    def __init__(self, client: openai.OpenAI, model: str, *, meter: TokenMeter | None = None) -> None:
        self._client = client
        self.model = model
        self._meter = meter

    def complete(self, messages: list[ChatMessage], *, temperature: float = 0.0, max_tokens: int | None = None) -> str:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": temperature}
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        try:
            response = self._client.chat.completions.create(**kwargs)
        except openai.OpenAIError as exc:
            raise LlmUnavailable(
                f"the language model ({self.model}) is unavailable: {describe_openai_error(exc)}"
            ) from exc
        if self._meter is not None:  # counted even when the reply turns out unusable: it was paid for
            self._meter.record_tokens(reported_tokens(response))
        if not response.choices:
            raise LlmUnavailable(f"the language model ({self.model}) returned no choices")
        content: str | None = response.choices[0].message.content
        if content is None:
            raise LlmUnavailable(f"the language model ({self.model}) returned an empty message")
        return content
