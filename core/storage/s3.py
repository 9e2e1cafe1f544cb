"""Object storage in an S3 bucket (or any S3-compatible endpoint)."""

from __future__ import annotations

from typing import Any

from core.storage.base import ObjectStoreError


class S3ObjectStore:
    """An S3 bucket (or any S3-compatible service) under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        """client: a boto3 S3 client (boto3 ships no type information)."""
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
            data: bytes = self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
            return data
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
        keys: list[str] = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                keys.extend(obj["Key"][len(self.prefix) :] for obj in page.get("Contents", []))
        except Exception as exc:
            raise self._fail("list", prefix, exc) from exc
        return sorted(keys)
