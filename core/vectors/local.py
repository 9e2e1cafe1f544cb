"""Vector store on local disk: per namespace a float32 matrix (.npy) plus a JSON manifest.

Layout under `root/<namespace>/`:
  manifest.json      ids, metadata, model id, dimension, the name of the current matrix file and
                     its CRC-32 (checked on every load: random bytes in the matrix are reported,
                     not searched; `python -m bot docs reindex` rebuilds the index)
  vectors-<gen>.npy  the rows, in manifest order
  .lock              fcntl lock: writers take it exclusively, readers shared

A write produces a new matrix file, then atomically replaces the manifest (the commit), then
removes the old matrix: a crash at any point leaves the previous consistent state (at worst an
orphan file). Writers re-read the manifest under the exclusive lock, so two processes writing
never lose each other's records.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.vectors.base import IndexMismatch, VectorMatch, VectorRecord, VectorStoreError
from core.vectors.filters import FieldIndex, compiled_mask

_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_MANIFEST = "manifest.json"
_MASK_CACHE_SIZE = 64


@dataclass
class _Namespace:
    """One namespace as loaded from disk."""

    ids: list[str] = field(default_factory=list)
    metadata: list[dict[str, Any]] = field(default_factory=list)
    matrix: np.ndarray | None = None
    model_id: str | None = None
    dimension: int | None = None
    vectors_file: str | None = None
    stamp: tuple[int, int, int] | tuple[()] = ()  # manifest (mtime_ns, size, inode): changes on every commit
    mask_cache: dict[str, np.ndarray] = field(default_factory=dict)
    fields: dict[str, FieldIndex] = field(default_factory=dict)  # per metadata field, built on first use

    def rows(self) -> int:
        return len(self.ids)


class LocalVectorStore:
    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._root.mkdir(parents=True, exist_ok=True)
        self._cache: dict[str, _Namespace] = {}
        self._thread_lock = threading.Lock()  # flock is per open file: threads need their own lock

    # --- public API -------------------------------------------------------------------------

    def upsert(self, namespace: str, records: list[VectorRecord]) -> None:
        if not records:
            return
        vectors = np.vstack([np.asarray(r.vector, dtype=np.float32).reshape(1, -1) for r in records])
        with self._locked(namespace, exclusive=True):
            ns = self._load(namespace)
            dim = vectors.shape[1]
            if ns.dimension is not None and ns.dimension != dim:
                raise IndexMismatch(
                    namespace, ns.model_id or "an unrecorded model", ns.dimension, "the vectors given", dim
                )
            position = {id_: i for i, id_ in enumerate(ns.ids)}
            ids, metadata = list(ns.ids), list(ns.metadata)
            matrix = ns.matrix if ns.matrix is not None and ns.rows() else np.zeros((0, dim), dtype=np.float32)
            new_rows: list[np.ndarray] = []
            matrix = matrix.copy()
            # The last occurrence of an id within one call wins, as in Pinecone.
            for record, vector in zip(records, vectors, strict=True):
                if record.id in position:
                    row = position[record.id]
                    if row < matrix.shape[0]:
                        matrix[row] = vector
                    else:
                        new_rows[row - matrix.shape[0]] = vector
                    metadata[row] = dict(record.metadata)
                else:
                    position[record.id] = len(ids)
                    ids.append(record.id)
                    metadata.append(dict(record.metadata))
                    new_rows.append(vector)
            if new_rows:
                matrix = np.vstack([matrix, np.vstack(new_rows)])
            self._commit(namespace, ns, ids, metadata, matrix, ns.model_id, dim)

    def query(
        self, namespace: str, vector: np.ndarray, top_k: int, filter: dict[str, Any] | None = None
    ) -> list[VectorMatch]:
        with self._locked(namespace, exclusive=False):
            ns = self._load(namespace)
        if ns.matrix is None or not ns.rows() or top_k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != ns.dimension:
            raise IndexMismatch(
                namespace, ns.model_id or "an unrecorded model", ns.dimension or 0, "the query vector", query.shape[0]
            )
        scores = ns.matrix @ query
        if filter:
            mask = self._mask(ns, filter)
            candidates = np.flatnonzero(mask)
            if not candidates.size:
                return []
            scores = scores[candidates]
        else:
            candidates = None
        k = min(top_k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        rows = candidates[top] if candidates is not None else top
        return [VectorMatch(ns.ids[r], float(scores[t]), dict(ns.metadata[r])) for r, t in zip(rows, top, strict=True)]

    def delete(self, namespace: str, *, ids: list[str] | None = None, filter: dict[str, Any] | None = None) -> None:
        if ids is None and filter is None:
            raise ValueError("delete needs ids or a filter (refusing to delete a whole namespace implicitly)")
        with self._locked(namespace, exclusive=True):
            ns = self._load(namespace)
            if ns.matrix is None or not ns.rows():
                return
            keep = np.ones(ns.rows(), dtype=bool)
            if ids is not None:
                doomed = set(ids)
                keep &= np.array([i not in doomed for i in ns.ids])
            if filter is not None:
                keep &= ~self._mask(ns, filter)
            if keep.all():
                return
            rows = np.flatnonzero(keep)
            self._commit(
                namespace,
                ns,
                [ns.ids[r] for r in rows],
                [ns.metadata[r] for r in rows],
                ns.matrix[rows],
                ns.model_id,
                ns.dimension,
            )

    def check_model(self, namespace: str, model_id: str, dimension: int) -> None:
        with self._locked(namespace, exclusive=True):
            ns = self._load(namespace)
            if ns.rows() and (ns.model_id != model_id or ns.dimension != dimension):
                raise IndexMismatch(
                    namespace, ns.model_id or "an unrecorded model", ns.dimension or 0, model_id, dimension
                )
            if ns.model_id != model_id or ns.dimension != dimension:
                matrix = ns.matrix if ns.matrix is not None else np.zeros((0, dimension), dtype=np.float32)
                self._commit(namespace, ns, ns.ids, ns.metadata, matrix, model_id, dimension)

    def count(self, namespace: str) -> int:
        with self._locked(namespace, exclusive=False):
            return self._load(namespace).rows()

    def clear(self, namespace: str) -> None:
        """Drop every vector of the namespace, readable or not (the first step of a rebuild)."""
        with self._locked(namespace, exclusive=True):
            directory = self._dir(namespace)
            for path in directory.iterdir():
                if path.name != ".lock":
                    path.unlink(missing_ok=True)
            self._cache.pop(namespace, None)

    @staticmethod
    def _mask(ns: _Namespace, flt: dict[str, Any]) -> np.ndarray:
        # Retrieval asks the same scope filter again and again: remember it per loaded state.
        key = json.dumps(flt, sort_keys=True)
        mask = ns.mask_cache.get(key)
        if mask is None:
            mask = compiled_mask(ns.metadata, flt, ns.fields)
            if len(ns.mask_cache) >= _MASK_CACHE_SIZE:
                ns.mask_cache.pop(next(iter(ns.mask_cache)))
            ns.mask_cache[key] = mask
        return mask

    # --- storage ----------------------------------------------------------------------------

    def _dir(self, namespace: str) -> Path:
        if not _NAMESPACE.match(namespace):
            raise ValueError(f"invalid namespace {namespace!r}: use letters, digits, '_', '.', '-'")
        return self._root / namespace

    @contextlib.contextmanager
    def _locked(self, namespace: str, *, exclusive: bool) -> Iterator[None]:
        directory = self._dir(namespace)
        directory.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(directory / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _load(self, namespace: str) -> _Namespace:
        """The namespace as committed on disk (cached until the manifest changes). Call under the lock."""
        manifest_path = self._dir(namespace) / _MANIFEST
        try:
            st = manifest_path.stat()
        except FileNotFoundError:
            self._cache.pop(namespace, None)
            return _Namespace()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._cache.get(namespace)
        if cached is not None and cached.stamp == stamp:
            return cached
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
            vectors_file = manifest["vectors_file"]
            raw = (self._dir(namespace) / vectors_file).read_bytes() if vectors_file else None
            if raw is not None and manifest.get("crc32") is not None and zlib.crc32(raw) != manifest["crc32"]:
                raise ValueError(f"{vectors_file} fails its checksum (damaged)")
            matrix = np.load(io.BytesIO(raw), allow_pickle=False) if raw is not None else None
        except (OSError, ValueError, KeyError) as exc:
            raise VectorStoreError(
                f"vector index {namespace!r} under {self._root} is unreadable: {exc}; run `python -m bot docs reindex`"
            ) from exc
        ns = _Namespace(
            ids=manifest["ids"],
            metadata=manifest["metadata"],
            matrix=matrix,
            model_id=manifest.get("model_id"),
            dimension=manifest.get("dimension"),
            vectors_file=vectors_file,
            stamp=stamp,
        )
        if matrix is not None and matrix.shape[0] != len(ns.ids):
            raise VectorStoreError(f"vector index {namespace!r}: {matrix.shape[0]} vectors but {len(ns.ids)} ids")
        self._cache[namespace] = ns
        return ns

    def _commit(
        self,
        namespace: str,
        old: _Namespace,
        ids: list[str],
        metadata: list[dict[str, Any]],
        matrix: np.ndarray,
        model_id: str | None,
        dimension: int | None,
    ) -> None:
        directory = self._dir(namespace)
        vectors_file = f"vectors-{uuid.uuid4().hex}.npy"
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(matrix, dtype=np.float32))
        data = buf.getvalue()
        _atomic_write(directory / vectors_file, lambda f: f.write(data))
        manifest = {
            "model_id": model_id,
            "dimension": dimension,
            "vectors_file": vectors_file,
            "crc32": zlib.crc32(data),
            "ids": ids,
            "metadata": metadata,
        }
        _atomic_write(
            directory / _MANIFEST, lambda f: f.write(json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
        )
        if old.vectors_file:
            with contextlib.suppress(FileNotFoundError):
                (directory / old.vectors_file).unlink()
        # Keep what was just written as the cached state: no re-reading of our own commit.
        st = (directory / _MANIFEST).stat()
        self._cache[namespace] = _Namespace(
            ids=list(ids),
            metadata=list(metadata),
            matrix=matrix,
            model_id=model_id,
            dimension=dimension,
            vectors_file=vectors_file,
            stamp=(st.st_mtime_ns, st.st_size, st.st_ino),
        )


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
