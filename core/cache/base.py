"""Key-value store: the one place where cache entries, dedup marks and approvals live."""

from __future__ import annotations

from typing import Protocol

from core.errors import DocBotError


class KeyValueUnavailable(DocBotError):
    """The store (Redis) could not be reached or refused a command: a dependency failure, never bad input."""

    what = "The key-value store is not available right now"


class KeyValueStore(Protocol):
    """String keys to string values with optional expiry; every operation is atomic."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None: ...

    def add(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        """Set only if the key is absent (or expired). True when this call set it."""
        ...

    def compare_and_set(self, key: str, expected: str, value: str, ttl_s: float | None = None) -> bool:
        """Replace the value only if it currently equals `expected`. True when replaced."""
        ...

    def increment(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add `amount` to the integer at `key` (absent or expired counts as 0) and return the new value.

        `ttl_s` is set only on a key without an expiry (new, expired, or set without one): a counter
        of a fixed window expires at the window's end however often it is incremented. ValueError when
        the value is not an integer.
        """
        ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """Live keys starting with `prefix`."""
        ...
