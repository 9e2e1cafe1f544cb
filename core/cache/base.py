"""Key-value store: the one place where cache entries, dedup marks and approvals live."""

from __future__ import annotations

from typing import Protocol


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

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """Live keys starting with `prefix`."""
        ...
