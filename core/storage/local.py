"""Object storage in a local folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class LocalObjectStore:
    """Files under a root folder; each write is a temp file renamed into place (atomic)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents and path != self.root.resolve():
            raise ValueError(f"object key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        for key in self.list(prefix):
            self._path(key).unlink(missing_ok=True)
        # Remove the emptied folders of a document, e.g. "pdf/<doc_id>/".
        folder = self._path(prefix.rstrip("/")) if prefix.strip("/") else None
        if folder is not None and folder.is_dir() and prefix.endswith("/"):
            shutil.rmtree(folder, ignore_errors=True)

    def list(self, prefix: str) -> list[str]:
        root = self.root.resolve()
        # Walk only the folder the prefix names ("pdf/<doc_id>/"), not the whole store.
        base = root / prefix.rsplit("/", 1)[0] if "/" in prefix else root
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)
