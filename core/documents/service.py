"""DocumentService: ingest, list, delete; and the ChunkCorpus the retriever searches.

Ingest order makes every failure harmless: parse and embed in memory, write the object set
(metadata.json last), upsert vectors, then record the document in the catalog. A document
is visible only once it is in the catalog; a retry after any crash reuses a complete object
set (no re-parse, no re-embed) or starts over.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
import uuid
from pathlib import Path, PurePath

import numpy as np

from core.cache.base import KeyValueStore
from core.documents.chunking import Chunker, ChunkingConfig
from core.documents.limits import IngestLimits, check_size
from core.documents.models import Chunk, DocumentRecord, IngestError, IngestResult, ParsedDocument
from core.documents.objects import DocumentObjects
from core.documents.parsers import DocumentParser
from core.embeddings.base import Embedder, EmbeddingError
from core.storage.base import ObjectStore, ObjectStoreError
from core.vectors.base import IndexMismatch, VectorRecord, VectorStore, VectorStoreError

log = logging.getLogger(__name__)

CATALOG_PREFIX = "doc:"
VERSION_KEY = "docs-version"
# Answer caches (core/answers) live under this prefix in the same store; any document change
# may make a cached answer wrong, so deleting a document clears them.
ANSWER_PREFIX = "answer:"
_CAS_ATTEMPTS = 20


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
        # Chunks never change for a doc_id (it is the hash of the bytes): safe to keep.
        self._chunks: dict[str, list[Chunk]] = {}
        self._lock = threading.Lock()

    # --- ingest --------------------------------------------------------------------------

    def ingest(
        self,
        data: bytes,
        file_name: str,
        *,
        channel: str | None = None,
        team_id: str = "",
        workspace_wide: bool = False,
    ) -> IngestResult:
        """Never raises for a bad file: the result says what happened and why."""
        name = PurePath(file_name).name or "file"
        try:
            return self._ingest(data, name, channel, team_id, workspace_wide)
        except IngestError as exc:
            return IngestResult(name, "failed", reason=str(exc))
        except IndexMismatch as exc:
            return IngestResult(name, "failed", reason=str(exc))
        except (EmbeddingError, VectorStoreError, ObjectStoreError) as exc:
            log.warning("ingest of %s failed: %s", name, exc)
            return IngestResult(name, "failed", reason=f"a service it needs is unavailable ({exc}); try again later")
        except Exception as exc:  # a dependency failed: report it, keep the batch going
            log.exception("ingest of %s failed", name)
            return IngestResult(name, "failed", reason=f"internal error ({type(exc).__name__}: {exc})")

    def _ingest(self, data: bytes, name: str, channel: str | None, team_id: str, workspace_wide: bool) -> IngestResult:
        check_size(len(data), self.limits)
        if not data.strip():
            raise IngestError("the file is empty")
        doc_id = hashlib.sha256(data).hexdigest()
        known = self.get(doc_id)
        if known is not None and DocumentObjects(self.objects, known.ext, doc_id).complete():
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

        parsed, chunks = self.parse_and_chunk(data, name, doc_id)
        vectors = self.embedder.embed([c.text for c in chunks])
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
        )
        objs.write(
            original=data,
            chunks=json.dumps([c.to_dict() for c in chunks], ensure_ascii=False).encode(),
            embeddings=_npy_bytes(vectors),
            metadata=json.dumps(
                {**record.to_dict(), "chunking": self.chunking.__dict__, "pdf_parser": self.parser.pdf_pipeline}
            ).encode(),
        )
        self._chunks[doc_id] = chunks
        self._upsert(record, chunks, vectors)
        if known is not None:
            self.kv.set(CATALOG_PREFIX + doc_id, json.dumps(record.to_dict()))
            self._bump_version()
        else:
            self._save_new(record)
        return IngestResult(name, "indexed", doc_id, record.pages, record.chunks)

    def parse_and_chunk(self, data: bytes, file_name: str, doc_id: str) -> tuple[ParsedDocument, list[Chunk]]:
        """The CPU half of ingest (no storage, no embedding); raises IngestError."""
        parsed = self.parser.parse(data, file_name)
        chunks = self._chunker.chunk(parsed, doc_id)
        if not chunks:
            raise IngestError("the file contains no text to index")
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
        self._chunks[doc_id] = chunks
        self._upsert(record, chunks, vectors)
        self._save_new(record)
        return IngestResult(name, "indexed", doc_id, record.pages, record.chunks)

    def _link(self, record: DocumentRecord, name: str, channel: str | None, workspace_wide: bool) -> IngestResult:
        """The same bytes again: only the scope may change; nothing is parsed or embedded."""
        key = CATALOG_PREFIX + record.doc_id
        for _ in range(_CAS_ATTEMPTS):
            current = self.kv.get(key)
            if current is None:  # deleted meanwhile: ingest from scratch next time
                raise IngestError("the document was deleted while being linked; share it again")
            rec = DocumentRecord.from_dict(json.loads(current))
            if (not channel or channel in rec.channels) and (rec.workspace_wide or not workspace_wide):
                return IngestResult(name, "already_indexed", rec.doc_id, rec.pages, rec.chunks)
            if channel and channel not in rec.channels:
                rec.channels.append(channel)
            rec.workspace_wide = rec.workspace_wide or workspace_wide
            if self.kv.compare_and_set(key, current, json.dumps(rec.to_dict())):
                break
        else:
            raise IngestError("the document is being changed by another process; try again")
        objs = DocumentObjects(self.objects, rec.ext, rec.doc_id)
        chunks, vectors = self._load_artifacts(objs)
        self._upsert(rec, chunks, vectors)  # vector metadata carries the scope used by filters
        self._bump_version()
        return IngestResult(name, "linked", rec.doc_id, rec.pages, rec.chunks)

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
        self._chunks.pop(doc_id, None)
        for key in self.kv.keys(ANSWER_PREFIX):
            self.kv.delete(key)
        self._bump_version()
        return True

    # --- ChunkCorpus ---------------------------------------------------------------------

    def chunks_in_scope(self, channel: str | None) -> Chunks:
        chunks: Chunks = []
        for record in self.list(channel):
            chunks.extend(self._chunks_of(record))
        return chunks

    def version(self) -> str:
        return self.kv.get(VERSION_KEY) or "0"

    # --- internals -----------------------------------------------------------------------

    def _chunks_of(self, record: DocumentRecord) -> Chunks:
        cached = self._chunks.get(record.doc_id)
        if cached is not None:
            return cached
        raw = self.objects.get(DocumentObjects(self.objects, record.ext, record.doc_id).chunks)
        if raw is None:
            log.warning("chunks of %s (%s) are missing from the object store", record.file_name, record.doc_id)
            return []
        chunks = [Chunk.from_dict(d) for d in json.loads(raw)]
        self._chunks[record.doc_id] = chunks
        return chunks

    def _load_artifacts(self, objs: DocumentObjects) -> tuple[Chunks, np.ndarray]:
        raw_chunks = objs.store.get(objs.chunks)
        raw_vectors = objs.store.get(objs.embeddings)
        if raw_chunks is None or raw_vectors is None:
            raise IngestError("the stored copy of this document is incomplete; delete it and share it again")
        chunks = [Chunk.from_dict(d) for d in json.loads(raw_chunks)]
        vectors = np.load(io.BytesIO(raw_vectors), allow_pickle=False)
        return chunks, vectors

    def _upsert(self, record: DocumentRecord, chunks: Chunks, vectors: np.ndarray) -> None:
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
                    "text": chunk.text,
                    "channels": list(record.channels),
                    "workspace_wide": record.workspace_wide,
                    "team_id": record.team_id,
                },
            )
            for i, chunk in enumerate(chunks)
        ]
        self.vectors.upsert(self.namespace, records)

    def _save_new(self, record: DocumentRecord) -> None:
        key = CATALOG_PREFIX + record.doc_id
        if not self.kv.add(key, json.dumps(record.to_dict())):
            # Another process indexed the same bytes meanwhile: merge our scope into its record.
            current = self.get(record.doc_id)
            if current is not None:
                self._link(
                    current, record.file_name, record.channels[0] if record.channels else None, record.workspace_wide
                )
                return
            self.kv.set(key, json.dumps(record.to_dict()))
        self._bump_version()

    def _bump_version(self) -> None:
        self.kv.set(VERSION_KEY, uuid.uuid4().hex)


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
    artifacts_path: str | Path | None = None,
    chunk_tokens: int = 512,
    chunk_overlap: int = 50,
    chunk_min_tokens: int = 256,
) -> DocumentService:
    """The usual assembly from plain settings values (used by bot/wiring.py)."""
    limits = IngestLimits.from_megabytes(max_file_mb, max_pages)
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
