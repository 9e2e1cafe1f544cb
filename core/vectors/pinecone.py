"""Pinecone behind the VectorStore protocol (data plane only: the index must already exist).

Pinecone metadata holds strings, numbers, booleans and lists of strings. Other values (lists of
page numbers, dicts) travel as JSON strings whose keys are listed under `_json`; None values
are dropped. The embedding model that built a namespace is recorded in a reserved record,
`__index_model__`, which queries never return.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import numpy as np

from core.vectors.base import IndexMismatch, VectorMatch, VectorRecord, VectorStoreError

UPSERT_BATCH = 100  # Pinecone's recommended request size
DELETE_BATCH = 1000  # Pinecone's limit on ids per delete
MODEL_RECORD_ID = "__index_model__"
_JSON_KEYS = "_json"

T = TypeVar("T")


def encode_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    json_keys: list[str] = []
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, (str, bool, int, float)) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            out[key] = value
        else:
            out[key] = json.dumps(value)
            json_keys.append(key)
    if json_keys:
        out[_JSON_KEYS] = json_keys
    return out


def decode_metadata(metadata: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(metadata or {})
    for key in out.pop(_JSON_KEYS, []):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    # Pinecone stores every number as a float; whole numbers come back as ints.
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in out.items()}


class PineconeVectorStore:
    def __init__(self, api_key: str, host: str) -> None:
        if not api_key:
            raise ValueError("a Pinecone API key is required (PINECONE_API_KEY)")
        if not host:
            raise ValueError("the Pinecone index host is required (PINECONE_INDEX_HOST)")
        from pinecone import Pinecone

        self._host = host
        # Index(host=...) skips the control-plane describe call.
        self._index = Pinecone(api_key=api_key).Index(host=host)

    def upsert(self, namespace: str, records: list[VectorRecord]) -> None:
        payload = [
            {
                "id": r.id,
                "values": np.asarray(r.vector, dtype=np.float32).reshape(-1).tolist(),
                "metadata": encode_metadata(r.metadata),
            }
            for r in records
        ]
        for start in range(0, len(payload), UPSERT_BATCH):
            batch = payload[start : start + UPSERT_BATCH]
            self._call("upsert", partial(self._index.upsert, vectors=batch, namespace=namespace))

    def query(
        self, namespace: str, vector: np.ndarray, top_k: int, filter: dict[str, Any] | None = None
    ) -> list[VectorMatch]:
        if top_k <= 0:
            return []
        values = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        response = self._call(
            "query",
            lambda: self._index.query(
                vector=values, top_k=top_k + 1, namespace=namespace, filter=filter or None, include_metadata=True
            ),
        )
        matches = [
            VectorMatch(m.id, float(m.score), decode_metadata(m.metadata))
            for m in response.matches
            if m.id != MODEL_RECORD_ID
        ]
        return matches[:top_k]

    def delete(self, namespace: str, *, ids: list[str] | None = None, filter: dict[str, Any] | None = None) -> None:
        if ids is None and filter is None:
            raise ValueError("delete needs ids or a filter (refusing to delete a whole namespace implicitly)")
        if ids:
            for start in range(0, len(ids), DELETE_BATCH):
                batch = ids[start : start + DELETE_BATCH]
                self._call("delete", partial(self._index.delete, ids=batch, namespace=namespace))
        if filter:
            self._call("delete", lambda: self._index.delete(filter=filter, namespace=namespace))

    def count(self, namespace: str) -> int:
        stats = self._call("describe_index_stats", self._index.describe_index_stats)
        summary = (getattr(stats, "namespaces", None) or {}).get(namespace)
        total = int(getattr(summary, "vector_count", 0) or 0)
        return max(0, total - 1) if total else 0  # minus the model record

    def clear(self, namespace: str) -> None:
        self._call("delete", lambda: self._index.delete(delete_all=True, namespace=namespace))

    def check_model(self, namespace: str, model_id: str, dimension: int) -> None:
        stats = self._call("describe_index_stats", self._index.describe_index_stats)
        index_dim = getattr(stats, "dimension", None)
        if index_dim and index_dim != dimension:
            raise IndexMismatch(namespace, f"the Pinecone index at {self._host}", index_dim, model_id, dimension)
        fetched = self._call("fetch", lambda: self._index.fetch(ids=[MODEL_RECORD_ID], namespace=namespace))
        record = (fetched.vectors or {}).get(MODEL_RECORD_ID)
        if record is not None:
            meta = decode_metadata(record.metadata)
            if meta.get("model_id") == model_id and meta.get("dimension") == dimension:
                return
            namespaces = getattr(stats, "namespaces", None) or {}
            summary = namespaces.get(namespace)
            others = (getattr(summary, "vector_count", 0) or 0) - 1
            if others > 0:
                built_dim = int(meta.get("dimension") or 0)
                raise IndexMismatch(namespace, str(meta.get("model_id")), built_dim, model_id, dimension)
        marker = np.zeros(dimension, dtype=np.float32)
        marker[0] = 1.0  # cosine indexes refuse all-zero vectors
        self.upsert(
            namespace,
            [VectorRecord(MODEL_RECORD_ID, marker, {"reserved": True, "model_id": model_id, "dimension": dimension})],
        )

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        from pinecone.exceptions import PineconeException

        try:
            return fn()
        except PineconeException as exc:
            raise VectorStoreError(f"Pinecone {operation} failed at {self._host}: {_short(exc)}") from exc
        except OSError as exc:
            raise VectorStoreError(f"Pinecone {operation} failed: could not reach {self._host} ({exc})") from exc


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300]
