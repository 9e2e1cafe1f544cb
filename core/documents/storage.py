"""Object storage for original files and their derived artifacts: a local folder or S3.

Layout per document: `{ext}/{doc_id}/document.{ext}`, `chunks.json`, `embeddings.npy`,
`metadata.json`. metadata.json is written last and acts as the commit marker: a set counts as
complete only when all four objects exist (see `DocumentObjects.complete`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def list(self, prefix: str) -> list[str]: ...


class ObjectStoreError(Exception):
    """The object store could not be read or written; the message says why."""


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


class S3ObjectStore:
    """An S3 bucket (or any S3-compatible service) under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str, client) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client

    @classmethod
    def connect(
        cls, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None
    ) -> S3ObjectStore:
        import boto3

        return cls(bucket, prefix, boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region))

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _fail(self, action: str, key: str, exc: Exception) -> ObjectStoreError:
        return ObjectStoreError(f"S3 {action} s3://{self.bucket}/{self._key(key)} failed: {exc}")

    def put(self, key: str, data: bytes) -> None:
        # A single PUT is atomic in S3: readers see the old object or the whole new one.
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:  # botocore raises ClientError and connection errors
            raise self._fail("put", key, exc) from exc

    def get(self, key: str) -> bytes | None:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self._client.exceptions.NoSuchKey:
            return None
        except Exception as exc:
            raise self._fail("get", key, exc) from exc

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._fail("head", key, exc) from exc

    def delete_prefix(self, prefix: str) -> None:
        keys = self.list(prefix)
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            try:
                self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except Exception as exc:
                raise self._fail("delete", prefix, exc) from exc

    def list(self, prefix: str) -> list[str]:
        keys = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                keys.extend(obj["Key"][len(self.prefix) :] for obj in page.get("Contents", []))
        except Exception as exc:
            raise self._fail("list", prefix, exc) from exc
        return sorted(keys)


class DocumentObjects:
    """Names of one document's objects, and the write order that makes a crash harmless."""

    NAMES = ("document", "chunks.json", "embeddings.npy", "metadata.json")

    def __init__(self, store: ObjectStore, ext: str, doc_id: str) -> None:
        self.store = store
        self.ext = ext
        self.prefix = f"{ext}/{doc_id}/"

    @property
    def original(self) -> str:
        return f"{self.prefix}document.{self.ext}"

    @property
    def chunks(self) -> str:
        return f"{self.prefix}chunks.json"

    @property
    def embeddings(self) -> str:
        return f"{self.prefix}embeddings.npy"

    @property
    def metadata(self) -> str:
        return f"{self.prefix}metadata.json"

    def complete(self) -> bool:
        # metadata.json first: it is written last, so without it nothing else is trusted.
        return all(self.store.exists(k) for k in (self.metadata, self.original, self.chunks, self.embeddings))

    def write(self, original: bytes, chunks: bytes, embeddings: bytes, metadata: bytes) -> None:
        # Clear a stale commit marker first so a half-rewritten set never looks complete.
        if self.store.exists(self.metadata):
            self.store.delete_prefix(self.metadata)
        self.store.put(self.original, original)
        self.store.put(self.chunks, chunks)
        self.store.put(self.embeddings, embeddings)
        self.store.put(self.metadata, metadata)

    def delete(self) -> None:
        if self.store.exists(self.metadata):
            self.store.delete_prefix(self.metadata)  # uncommit first, then the rest
        self.store.delete_prefix(self.prefix)
