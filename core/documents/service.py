"""DocumentService: ingest, list, delete, reindex; and the ChunkCorpus the retriever searches.

Ingest runs in two phases. Parse and chunk (bounded by the per-file limits on characters,
chunks and time), write the original and chunks, add the chunks to the persisted keyword index,
record the document in the catalog: from here it is searchable by keywords and answerable.
Then embed batch by batch (reporting progress), write the embeddings and metadata.json (the
commit marker of a complete object set), upsert the vectors and clear `vectors_pending`. The
second phase may run later (`defer_vectors`, then `complete_vectors`). A retry after any crash
reuses a complete object set (no re-parse, no re-embed) or starts over; `reindex` rebuilds both
indexes from the stored originals.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from core.answers.base import ANSWER_PREFIX
from core.cache.base import KeyValueStore, KeyValueUnavailable
from core.documents.chunking import Chunker, ChunkingConfig
from core.documents.limits import Deadline, IngestLimits, check_chunks, check_size
from core.documents.models import (
    Chunk,
    DocumentRecord,
    IngestError,
    IngestProgress,
    IngestResult,
    ParsedDocument,
)
from core.documents.objects import DocumentObjects
from core.documents.parsers import DocumentParser
from core.embeddings.base import Embedder, EmbeddingError
from core.search.keyword_index import IndexSnapshot, KeywordIndex, KeywordIndexError
from core.storage.base import ObjectStore, ObjectStoreError
from core.vectors.base import IndexMismatch, VectorRecord, VectorStore, VectorStoreError

log = logging.getLogger(__name__)

CATALOG_PREFIX = "doc:"
VERSION_KEY = "docs-version"
# Answer caches (core/answers) live under this prefix in the same store; any document change
# may make a cached answer wrong, so deleting a document clears them.
_CAS_ATTEMPTS = 20
# Chunks embedded between progress reports and time-budget checks.
EMBED_BATCH = 64
# Until measured in this process: seconds to embed one chunk (for the "fully indexed in ~N s" estimate).
_INITIAL_SECONDS_PER_CHUNK = 0.05

ProgressCallback = Callable[[IngestProgress], None]


# Inside DocumentService `list` names its listing method, so annotations after it use this alias.
Chunks = list[Chunk]


class DocumentService:
    def __init__(
        self,
        *,
        parser: DocumentParser,
        embedder: Embedder,
        vectors: VectorStore,
        objects: ObjectStore,
        catalog_kv: KeyValueStore,
        namespace: str,
        limits: IngestLimits,
        chunking: ChunkingConfig,
    ) -> None:
        self.parser = parser
        self.embedder = embedder
        self.vectors = vectors
        self.objects = objects
        self.kv = catalog_kv
        self.namespace = namespace
        self.limits = limits
        self.chunking = chunking.fitted(embedder.max_tokens)
        self._chunker = Chunker(embedder.tokenizer, self.chunking)
        # The keyword side of search, persisted beside the documents: a new process loads it
        # instead of re-reading and re-tokenizing every chunk.
        self.keywords = KeywordIndex(objects, catalog_kv, namespace)
        self._lock = threading.Lock()
        self._seconds_per_chunk = _INITIAL_SECONDS_PER_CHUNK

    # --- ingest --------------------------------------------------------------------------

    def ingest(
        self,
        data: bytes,
        file_name: str,
        *,
        channel: str | None = None,
        team_id: str = "",
        workspace_wide: bool = False,
        defer_vectors: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestResult:
        """Never raises for a bad file: the result says what happened and why. With
        defer_vectors the result comes once the document is searchable by keywords, and
        `complete_vectors(doc_id)` must follow (the caller's choice of when and where)."""
        name = PurePath(file_name).name or "file"
        return self._guarded(
            name, lambda: self._ingest(data, name, channel, team_id, workspace_wide, defer_vectors, progress)
        )

    def complete_vectors(self, doc_id: str, *, progress: ProgressCallback | None = None) -> IngestResult:
        """The second phase of an ingest: embed, store and upsert the document's vectors."""
        record = self.get(doc_id)
        if record is None:
            return IngestResult("document", "failed", doc_id, reason="it was deleted before its vectors were computed")
        result = self._guarded(
            record.file_name, lambda: self._complete_vectors(record, progress, None, rollback_on=(IngestError,))
        )
        if not result.ok and self.get(doc_id) is not None:
            result.reason = f"{result.reason} (it stays searchable by keywords; `python -m bot docs reindex` retries)"
        return result

    def _guarded(self, name: str, work: Callable[[], IngestResult]) -> IngestResult:
        try:
            return work()
        except IngestError as exc:
            return IngestResult(name, "failed", reason=str(exc))
        except IndexMismatch as exc:
            return IngestResult(name, "failed", reason=str(exc))
        except (EmbeddingError, VectorStoreError, ObjectStoreError, KeywordIndexError, KeyValueUnavailable) as exc:
            log.warning("ingest of %s failed: %s", name, exc)
            reason = f"a service it needs is unavailable ({exc}); try again later"
            return IngestResult(name, "failed", reason=reason, unavailable=True)
        except Exception as exc:  # a dependency failed: report it, keep the batch going
            log.exception("ingest of %s failed", name)
            return IngestResult(name, "failed", reason=f"internal error ({type(exc).__name__}: {exc})")

    def _ingest(
        self,
        data: bytes,
        name: str,
        channel: str | None,
        team_id: str,
        workspace_wide: bool,
        defer_vectors: bool,
        progress: ProgressCallback | None,
    ) -> IngestResult:
        check_size(len(data), self.limits)
        deadline = Deadline(self.limits.max_seconds)
        if not data.strip():
            raise IngestError("the file is empty")
        doc_id = hashlib.sha256(data).hexdigest()
        known = self.get(doc_id)
        if known is not None and (known.vectors_pending or DocumentObjects(self.objects, known.ext, doc_id).complete()):
            return self._link(known, name, channel, workspace_wide)
        ext = self.parser.detect(data, name)
        self.vectors.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
        objs = DocumentObjects(self.objects, ext, doc_id)
        channels = [channel] if channel else []
        if known is not None:
            # Catalogued but its stored objects are gone: rebuild from these bytes, keeping its links.
            channels = sorted({*known.channels, *channels})
            workspace_wide = workspace_wide or known.workspace_wide
        else:
            restored = self._restore(objs, doc_id, name, channels, team_id, workspace_wide)
            if restored is not None:
                return restored

        parsed, chunks = self.parse_and_chunk(data, name, doc_id, deadline)
        objs.write_parsed(original=data, chunks=_chunks_json(chunks))
        self.keywords.add(chunks)
        record = DocumentRecord(
            doc_id=doc_id,
            file_name=name,
            ext=parsed.ext,
            pages=parsed.pages,
            chunks=len(chunks),
            size=len(data),
            channels=channels,
            workspace_wide=workspace_wide,
            team_id=team_id,
            created=time.time(),
            embedding_model=self.embedder.model_id,
            vectors_pending=True,
        )
        if known is not None:
            self.kv.set(CATALOG_PREFIX + doc_id, json.dumps(record.to_dict()))
            self._bump_version()
        else:
            record = self._save_new(record)
        eta = self._eta(len(chunks))
        _report(progress, IngestProgress(name, "parsed", record.pages, record.chunks, 0, eta))
        if defer_vectors:
            return IngestResult(
                name, "indexed", doc_id, record.pages, record.chunks, pending_chunks=record.chunks, eta_s=eta
            )
        return self._complete_vectors(record, progress, deadline, chunks)

    def _complete_vectors(
        self,
        record: DocumentRecord,
        progress: ProgressCallback | None,
        deadline: Deadline | None,
        chunks: list[Chunk] | None = None,
        *,
        rollback_on: tuple[type[BaseException], ...] = (Exception,),
    ) -> IngestResult:
        """rollback_on: failures that remove the document again (a foreground ingest is all or
        nothing; a background completion undoes only refusals, such as the time budget, and
        otherwise leaves the document searchable by keywords for a later retry)."""
        objs = DocumentObjects(self.objects, record.ext, record.doc_id)
        if chunks is None:
            raw = self.objects.get(objs.chunks)
            if raw is None:
                raise IngestError("its stored chunks are missing; share it again or run `python -m bot docs reindex`")
            chunks = [Chunk.from_dict(d) for d in json.loads(raw)]
        try:
            vectors = self._embed(record, chunks, progress, deadline or Deadline(self.limits.max_seconds))
            objs.write_vectors(
                embeddings=_npy_bytes(vectors),
                metadata=json.dumps(
                    {
                        **record.to_dict(),
                        "vectors_pending": False,
                        "chunking": self.chunking.__dict__,
                        "pdf_parser": self.parser.pdf_pipeline,
                    }
                ).encode(),
            )
            if self._publish_vectors(record.doc_id, chunks, vectors) is None:
                return IngestResult(
                    record.file_name, "failed", record.doc_id, reason="it was deleted while being indexed"
                )
        except Exception as exc:
            if isinstance(exc, rollback_on):
                self._forget(record)
            raise
        _report(progress, IngestProgress(record.file_name, "done", record.pages, record.chunks, record.chunks, 0.0))
        return IngestResult(record.file_name, "indexed", record.doc_id, record.pages, record.chunks)

    def _embed(
        self, record: DocumentRecord, chunks: list[Chunk], progress: ProgressCallback | None, deadline: Deadline
    ) -> np.ndarray:
        """Vectors batch by batch: progress reported and the time budget checked in between."""
        vectors = np.zeros((len(chunks), self.embedder.dimension), dtype=np.float32)
        for start in range(0, len(chunks), EMBED_BATCH):
            deadline.check("computing its vectors")
            began = time.perf_counter()
            batch = chunks[start : start + EMBED_BATCH]
            vectors[start : start + len(batch)] = self.embedder.embed([c.text for c in batch])
            # Cache hits make a batch fast: the estimate moves only by a fraction each time.
            per_chunk = (time.perf_counter() - began) / len(batch)
            self._seconds_per_chunk = 0.7 * self._seconds_per_chunk + 0.3 * per_chunk
            done = start + len(batch)
            _report(
                progress,
                IngestProgress(
                    record.file_name, "embedding", record.pages, record.chunks, done, self._eta(len(chunks) - done)
                ),
            )
        return vectors

    def _eta(self, chunks: int) -> float:
        return chunks * self._seconds_per_chunk

    def _publish_vectors(self, doc_id: str, chunks: list[Chunk], vectors: np.ndarray) -> DocumentRecord | None:
        """Upsert with the scope the catalog holds, then clear vectors_pending only if the record
        is unchanged since: a link made meanwhile (a new channel) makes this upsert again."""
        key = CATALOG_PREFIX + doc_id
        for _ in range(_CAS_ATTEMPTS):
            current = self.kv.get(key)
            if current is None:
                return None
            record = DocumentRecord.from_dict(json.loads(current))
            self._upsert(record, chunks, vectors)  # vector metadata carries the scope used by filters
            if not record.vectors_pending:
                return record
            record.vectors_pending = False
            if self.kv.compare_and_set(key, current, json.dumps(record.to_dict())):
                self._bump_version()
                return record
        raise IngestError("the document is being changed by another process; try again")

    def parse_and_chunk(
        self, data: bytes, file_name: str, doc_id: str, deadline: Deadline | None = None
    ) -> tuple[ParsedDocument, list[Chunk]]:
        """The CPU half of ingest (no storage, no embedding); raises IngestError."""
        deadline = deadline or Deadline(self.limits.max_seconds)
        parsed = self.parser.parse(data, file_name, deadline)
        chunks = self._chunker.chunk(parsed, doc_id)
        parsed.blocks = []  # not needed any more: free the text before embedding
        if not chunks:
            raise IngestError("the file contains no text to index")
        check_chunks(len(chunks), self.limits)
        deadline.check("splitting it into chunks")
        return parsed, chunks

    def _restore(
        self, objs: DocumentObjects, doc_id: str, name: str, channels: list[str], team_id: str, workspace_wide: bool
    ) -> IngestResult | None:
        """A complete object set from an earlier run (another team, a lost catalog, a crash after
        the objects were written): index it without parsing or embedding again."""
        if not objs.complete():
            return None
        try:
            stored = DocumentRecord.from_dict(json.loads(objs.store.get(objs.metadata) or b"{}"))
            chunks, vectors = self._load_artifacts(objs)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("stored objects of %s are unreadable (%s): parsing again", doc_id, exc)
            return None
        if stored.embedding_model != self.embedder.model_id or vectors.shape != (len(chunks), self.embedder.dimension):
            return None  # built for another embedder: parse and embed again (objects are overwritten)
        # Channels come from this request only: links recorded elsewhere are not ours to reuse.
        record = DocumentRecord(
            **{
                **stored.to_dict(),
                "file_name": name,
                "channels": channels,
                "workspace_wide": workspace_wide,
                "team_id": team_id,
                "created": time.time(),
            }
        )
        self.keywords.add(chunks)
        self._upsert(record, chunks, vectors)
        self._save_new(record)
        return IngestResult(name, "indexed", doc_id, record.pages, record.chunks)

    def _link(self, record: DocumentRecord, name: str, channel: str | None, workspace_wide: bool) -> IngestResult:
        """The same bytes again: only the scope may change; nothing is parsed or embedded."""
        key = CATALOG_PREFIX + record.doc_id
        indexed_as = record.file_name if record.file_name != name else None
        for _ in range(_CAS_ATTEMPTS):
            current = self.kv.get(key)
            if current is None:  # deleted meanwhile: ingest from scratch next time
                raise IngestError("the document was deleted while being linked; share it again")
            rec = DocumentRecord.from_dict(json.loads(current))
            if (not channel or channel in rec.channels) and (rec.workspace_wide or not workspace_wide):
                self._repair_vectors(rec)
                return IngestResult(name, "already_indexed", rec.doc_id, rec.pages, rec.chunks, indexed_as=indexed_as)
            if channel and channel not in rec.channels:
                rec.channels.append(channel)
            rec.workspace_wide = rec.workspace_wide or workspace_wide
            if self.kv.compare_and_set(key, current, json.dumps(rec.to_dict())):
                break
        else:
            raise IngestError("the document is being changed by another process; try again")
        if not rec.vectors_pending:  # else complete_vectors upserts with the scope it then finds
            chunks, vectors = self._load_artifacts(DocumentObjects(self.objects, rec.ext, rec.doc_id))
            self._upsert(rec, chunks, vectors)  # vector metadata carries the scope used by filters
        self._bump_version()
        return IngestResult(name, "linked", rec.doc_id, rec.pages, rec.chunks, indexed_as=indexed_as)

    def _forget(self, record: DocumentRecord) -> None:
        """Undo a failed ingest, best effort: catalog entry, keyword entry, stored objects, vectors."""
        step: Callable[[], object]
        for step in (
            lambda: self.kv.delete(CATALOG_PREFIX + record.doc_id),
            lambda: self.keywords.remove([record.doc_id]),
            lambda: DocumentObjects(self.objects, record.ext, record.doc_id).delete(),
            lambda: self.vectors.delete(self.namespace, filter={"doc_id": {"$eq": record.doc_id}}),
            self._bump_version,
        ):
            try:
                step()
            except Exception:
                log.warning("could not undo part of the failed ingest of %s", record.file_name, exc_info=True)

    def _repair_vectors(self, record: DocumentRecord) -> None:
        """The same file shared again: if the vector index has lost vectors (deleted files),
        put this document's back from its stored embeddings. A damaged index raises
        VectorStoreError, whose message says to run `docs reindex`."""
        if record.vectors_pending:
            return
        expected = sum(r.chunks for r in self.list() if not r.vectors_pending)
        if self.vectors.count(self.namespace) >= expected:
            return
        log.warning("vector index %s lacks vectors: restoring those of %s", self.namespace, record.file_name)
        self.vectors.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
        chunks, vectors = self._load_artifacts(DocumentObjects(self.objects, record.ext, record.doc_id))
        self._upsert(record, chunks, vectors)

    # --- reindex -------------------------------------------------------------------------

    def reindex(self, progress: ProgressCallback | None = None) -> dict[str, Any]:
        """Rebuild the vector and keyword indexes from the stored originals of every catalogued
        document (after damage, or a parser or chunking change). Unchanged chunk texts come
        from the embedding cache, so only what changed is embedded again. Documents the catalogue
        lost (a cache flushed without persistence) come back from their stored metadata.json."""
        restored = self._restore_catalog()
        records = self.list()
        self.vectors.clear(self.namespace)
        self.keywords.clear()
        self.vectors.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
        failed: list[str] = []
        chunks_total = 0
        for record in records:
            objs = DocumentObjects(self.objects, record.ext, record.doc_id)
            try:
                data = self.objects.get(objs.original)
                if data is None:
                    raise IngestError("its stored original is missing; share it again")
                deadline = Deadline(self.limits.max_seconds)
                parsed, chunks = self.parse_and_chunk(data, record.file_name, record.doc_id, deadline)
                objs.write_parsed(original=data, chunks=_chunks_json(chunks))
                self.keywords.add(chunks)
                record.pages, record.chunks, record.ext = parsed.pages, len(chunks), parsed.ext
                record.embedding_model, record.vectors_pending = self.embedder.model_id, True
                self.kv.set(CATALOG_PREFIX + record.doc_id, json.dumps(record.to_dict()))
                _report(progress, IngestProgress(record.file_name, "parsed", record.pages, record.chunks, 0))
                result = self._complete_vectors(record, progress, deadline, chunks, rollback_on=())
                if not result.ok:
                    raise IngestError(result.reason or "unknown")
                chunks_total += len(chunks)
            except (IngestError, EmbeddingError, ObjectStoreError) as exc:
                log.warning("reindex of %s failed: %s", record.file_name, exc)
                failed.append(f"{record.file_name}: {exc}")
        self._bump_version()
        return {
            "documents": len(records),
            "catalog_restored": restored,
            "reindexed": len(records) - len(failed),
            "chunks": chunks_total,
            "failed": failed,
        }

    def _restore_catalog(self) -> int:
        """Catalogue entries put back from the object store, the durable copy: every complete
        document's metadata.json holds its record. A document re-linked to more channels since it
        was stored comes back with the channels of its last full write."""
        known = {record.doc_id for record in self.list()}
        restored = 0
        for key in self.objects.list(""):
            if not key.endswith("/metadata.json"):
                continue
            raw = self.objects.get(key)
            try:
                record = DocumentRecord.from_dict(json.loads(raw or b"{}"))
            except (KeyError, TypeError, ValueError):
                log.warning("unreadable document metadata at %s; left out of the catalogue", key)
                continue
            if record.doc_id in known:
                continue
            self.kv.set(CATALOG_PREFIX + record.doc_id, json.dumps(record.to_dict()))
            known.add(record.doc_id)
            restored += 1
        return restored

    def check(self) -> list[str]:
        """Problems with the indexes (empty when sound); `reindex` repairs them."""
        problems = list(self.keywords.verify())
        expected = sum(r.chunks for r in self.list() if not r.vectors_pending)
        try:
            stored = self.vectors.count(self.namespace)
        except VectorStoreError as exc:
            return [*problems, str(exc)]
        if stored < expected:
            problems.append(f"the vector index holds {stored:,} vectors, the catalogue expects {expected:,}")
        try:
            # Vectors of another embedder (a model change) cannot be compared with its queries.
            self.vectors.check_model(self.namespace, self.embedder.model_id, self.embedder.dimension)
        except (IndexMismatch, VectorStoreError) as exc:
            problems.append(str(exc))
        return problems

    # --- catalog -------------------------------------------------------------------------

    def get(self, doc_id: str) -> DocumentRecord | None:
        value = self.kv.get(CATALOG_PREFIX + doc_id)
        return DocumentRecord.from_dict(json.loads(value)) if value else None

    def list(self, channel: str | None = None) -> list[DocumentRecord]:
        records = []
        for key in self.kv.keys(CATALOG_PREFIX):
            value = self.kv.get(key)
            if value:
                record = DocumentRecord.from_dict(json.loads(value))
                if record.visible_in(channel):
                    records.append(record)
        return sorted(records, key=lambda r: (r.created, r.file_name))

    def resolve(self, id_or_prefix: str) -> DocumentRecord | None:
        """A record by full doc_id or by a unique prefix (at least 6 characters), for CLI use."""
        exact = self.get(id_or_prefix)
        if exact is not None or len(id_or_prefix) < 6:
            return exact
        found = [r for r in self.list() if r.doc_id.startswith(id_or_prefix)]
        return found[0] if len(found) == 1 else None

    def delete(self, doc_id: str) -> bool:
        """Remove vectors, stored objects, the catalog entry and cached answers."""
        record = self.get(doc_id)
        if record is None:
            return False
        self.vectors.delete(self.namespace, filter={"doc_id": {"$eq": doc_id}})
        DocumentObjects(self.objects, record.ext, doc_id).delete()
        self.kv.delete(CATALOG_PREFIX + doc_id)
        self.keywords.remove([doc_id])
        for key in self.kv.keys(ANSWER_PREFIX):
            self.kv.delete(key)
        self._bump_version()
        return True

    # --- ChunkCorpus ---------------------------------------------------------------------

    def keyword_snapshot(self) -> IndexSnapshot:
        """The persisted keyword index; catalogued documents it lacks (stored before it existed,
        or lost with it) are added from their stored chunks first."""
        snap = self.keywords.snapshot()
        missing = [r for r in self.list() if r.doc_id not in snap.documents]
        if not missing:
            return snap
        for record in missing:
            raw = self.objects.get(DocumentObjects(self.objects, record.ext, record.doc_id).chunks)
            if raw is None:
                log.warning("chunks of %s (%s) are missing from the object store", record.file_name, record.doc_id)
                continue
            log.info("adding %s to the keyword index", record.file_name)
            self.keywords.add([Chunk.from_dict(d) for d in json.loads(raw)])
        return self.keywords.snapshot()

    def visible_documents(self, channel: str | None) -> set[str]:
        return {r.doc_id for r in self.list(channel)}

    def chunks_in_scope(self, channel: str | None) -> builtins.list[Chunk]:
        """Every chunk the channel may see (None: all), document by document."""
        snap = self.keyword_snapshot()
        return [snap.chunks[p] for record in self.list(channel) for p in snap.positions_of(record.doc_id)]

    def version(self) -> str:
        return self.kv.get(VERSION_KEY) or "0"

    # --- internals -----------------------------------------------------------------------

    def _load_artifacts(self, objs: DocumentObjects) -> tuple[builtins.list[Chunk], np.ndarray]:
        raw_chunks = objs.store.get(objs.chunks)
        raw_vectors = objs.store.get(objs.embeddings)
        if raw_chunks is None or raw_vectors is None:
            raise IngestError("the stored copy of this document is incomplete; delete it and share it again")
        chunks = [Chunk.from_dict(d) for d in json.loads(raw_chunks)]
        vectors = np.load(io.BytesIO(raw_vectors), allow_pickle=False)
        return chunks, vectors

    def _upsert(self, record: DocumentRecord, chunks: Chunks, vectors: np.ndarray) -> None:
        # No chunk text in vector metadata: search reads texts from the keyword index, and a copy
        # per vector would make every cold start of the local store parse it all (~1 KB a chunk).
        records = [
            VectorRecord(
                id=chunk.id,
                vector=vectors[i],
                metadata={
                    "doc_id": record.doc_id,
                    "file_name": record.file_name,
                    "index": chunk.index,
                    "pages": chunk.pages,
                    "heading": chunk.heading or "",
                    "channels": list(record.channels),
                    "workspace_wide": record.workspace_wide,
                    "team_id": record.team_id,
                },
            )
            for i, chunk in enumerate(chunks)
        ]
        self.vectors.upsert(self.namespace, records)

    def _save_new(self, record: DocumentRecord) -> DocumentRecord:
        key = CATALOG_PREFIX + record.doc_id
        if not self.kv.add(key, json.dumps(record.to_dict())):
            # Another process indexed the same bytes meanwhile: merge our scope into its record.
            current = self.get(record.doc_id)
            if current is not None:
                self._link(
                    current, record.file_name, record.channels[0] if record.channels else None, record.workspace_wide
                )
                return self.get(record.doc_id) or record
            self.kv.set(key, json.dumps(record.to_dict()))
        self._bump_version()
        return record

    def _bump_version(self) -> None:
        self.kv.set(VERSION_KEY, uuid.uuid4().hex)


def _report(progress: ProgressCallback | None, event: IngestProgress) -> None:
    if progress is None:
        return
    try:
        progress(event)
    except Exception:  # a failing progress display must not fail the ingest
        log.warning("progress callback failed", exc_info=True)


def _chunks_json(chunks: list[Chunk]) -> bytes:
    return json.dumps([c.to_dict() for c in chunks], ensure_ascii=False).encode()


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array, dtype=np.float32), allow_pickle=False)
    return buf.getvalue()


def build_document_service(
    *,
    embedder: Embedder,
    vectors: VectorStore,
    objects: ObjectStore,
    kv: KeyValueStore,
    namespace: str,
    max_file_mb: float = 50.0,
    max_pages: int = 2000,
    max_chars: int = 10_000_000,
    max_chunks: int = 20_000,
    max_seconds: float = 900.0,
    artifacts_path: str | Path | None = None,
    chunk_tokens: int = 512,
    chunk_overlap: int = 50,
    chunk_min_tokens: int = 256,
) -> DocumentService:
    """The usual assembly from plain settings values (used by bot/wiring.py)."""
    limits = IngestLimits.from_megabytes(max_file_mb, max_pages, max_chars, max_chunks, max_seconds)
    return DocumentService(
        parser=DocumentParser(limits, artifacts_path),
        embedder=embedder,
        vectors=vectors,
        objects=objects,
        catalog_kv=kv,
        namespace=namespace,
        limits=limits,
        chunking=ChunkingConfig(chunk_tokens, chunk_overlap, chunk_min_tokens),
    )
