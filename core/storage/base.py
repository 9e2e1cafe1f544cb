"""Object storage for original files and their derived artifacts: the interface and its error."""

from __future__ import annotations

from typing import Protocol

from core.errors import DocBotError


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def list(self, prefix: str) -> list[str]: ...


class ObjectStoreError(DocBotError):
    """The object store could not be read or written; the message says why."""

    what = "The file store could not be reached"
