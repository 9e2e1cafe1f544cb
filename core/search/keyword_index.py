"""The persisted keyword (BM25) index: immutable segments in the object store, a manifest in the
key-value store.

Why: rebuilding BM25 from every stored chunk in each new process cost 36.8 s at 100k chunks, on
every Lambda cold start. Here a document's postings are computed once, when it is parsed, and
saved as a segment; a process loads segments (array reads, no tokenizing) and keeps them, so a
new document costs one small segment load, not a rebuild. Segments of similar size are merged
in the background of `add` (a log-structured merge), so there are O(log n) of them.

The manifest (`kwindex:<namespace>` in the key-value store, changed only by compare-and-set, so
processes never lose each other's updates) lists each segment with its sha256 and its live
documents; a removed document stays in its segment's bytes until the next merge but is no
longer live. A segment whose bytes are missing or fail their checksum is reported by name:
`python -m bot docs reindex` rebuilds the index from the stored originals.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import math
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from core.cache.base import KeyValueStore
from core.documents.models import Chunk
from core.errors import DocBotError
from core.search.keyword_segment import KeywordSegment
from core.search.text import terms
from core.storage.base import ObjectStore

if TYPE_CHECKING:
    from core.search.doc_match import DocumentMatcher

log = logging.getLogger(__name__)

MANIFEST_PREFIX = "kwindex:"
OBJECT_PREFIX = "keywords/"
# A merge joins this many segments of one size class (sizes within a factor of MERGE_FANOUT).
MERGE_FANOUT = 4
_CAS_ATTEMPTS = 50
# BM25 parameters. b=0.5 (less length normalisation than the usual 0.75): long table chunks hold
# many rows, and a matching row should not be drowned by its neighbours.
K1 = 1.5
B = 0.5


class KeywordIndexError(DocBotError):
    """The keyword index cannot be read (missing or damaged segment); the message says what to run."""

    what = "The keyword index could not be read"


@dataclass
class _Entry:
    id: str
    sha256: str
    chunks: int
    docs: list[str]  # live documents

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "chunks": self.chunks, "docs": self.docs}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Entry:
        return cls(data["id"], data["sha256"], int(data["chunks"]), list(data["docs"]))


class KeywordIndex:
    def __init__(self, objects: ObjectStore, kv: KeyValueStore, namespace: str) -> None:
        self.objects = objects
        self.kv = kv
        self.namespace = namespace
        self._segments: dict[str, KeywordSegment] = {}  # loaded segments, by id (immutable)
        self._snapshot: IndexSnapshot | None = None
        self._lock = threading.Lock()

    # --- writing --------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Index whole documents (replacing any earlier copy of them); then merge if due."""
        if not chunks:
            return
        segment = KeywordSegment.build(chunks)
        entry = self._store(segment)
        docs = set(entry.docs)

        def change(entries: list[_Entry]) -> list[_Entry]:
            kept = [_Entry(e.id, e.sha256, e.chunks, [d for d in e.docs if d not in docs]) for e in entries]
            return [e for e in kept if e.docs] + [entry]

        dropped = self._update(change)
        self._delete_objects(dropped)
        self._merge_due()

    def remove(self, doc_ids: Sequence[str]) -> None:
        doomed = set(doc_ids)

        def change(entries: list[_Entry]) -> list[_Entry]:
            kept = [_Entry(e.id, e.sha256, e.chunks, [d for d in e.docs if d not in doomed]) for e in entries]
            return [e for e in kept if e.docs]

        self._delete_objects(self._update(change))

    def clear(self) -> None:
        """Forget everything (reindex starts from here); segment objects are deleted too."""
        self.kv.delete(self._manifest_key)
        self.objects.delete_prefix(self._object_prefix)
        with self._lock:
            self._segments.clear()
            self._snapshot = None

    def documents(self) -> set[str]:
        return {d for e in self._read()[1] for d in e.docs}

    # --- reading --------------------------------------------------------------------------

    def snapshot(self) -> IndexSnapshot:
        """The index as the manifest says now; segments already loaded are reused."""
        for attempt in range(2):
            raw, entries = self._read()
            version = hashlib.sha256((raw or "").encode()).hexdigest()[:16]
            with self._lock:
                if self._snapshot is not None and self._snapshot.version == version:
                    return self._snapshot
            try:
                segments = [(self._load(e), e) for e in entries]
            except KeywordIndexError:
                if attempt == 0:
                    continue  # a merge may have replaced the segment meanwhile: read the manifest again
                raise
            snap = IndexSnapshot(version, segments)
            with self._lock:
                self._snapshot = snap
                live = {e.id for e in entries}
                for stale in [s for s in self._segments if s not in live]:
                    del self._segments[stale]
            return snap
        raise AssertionError("unreachable")

    def verify(self) -> list[str]:
        """Problems found (missing or damaged segments); empty when the index is sound."""
        problems = []
        for entry in self._read()[1]:
            data = self.objects.get(self._key(entry.id))
            if data is None:
                problems.append(f"keyword segment {entry.id} is missing")
            elif hashlib.sha256(data).hexdigest() != entry.sha256:
                problems.append(f"keyword segment {entry.id} is damaged (checksum mismatch)")
        return problems

    # --- internals ------------------------------------------------------------------------

    @property
    def _manifest_key(self) -> str:
        return MANIFEST_PREFIX + self.namespace

    @property
    def _object_prefix(self) -> str:
        return f"{OBJECT_PREFIX}{self.namespace}/"

    def _key(self, segment_id: str) -> str:
        return f"{self._object_prefix}{segment_id}.npz"

    def _read(self) -> tuple[str | None, list[_Entry]]:
        raw = self.kv.get(self._manifest_key)
        if not raw:
            return raw, []
        try:
            return raw, [_Entry.from_dict(e) for e in json.loads(raw)["segments"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeywordIndexError(
                f"the keyword index manifest is unreadable ({exc}); run `python -m bot docs reindex`"
            ) from exc

    def _store(self, segment: KeywordSegment) -> _Entry:
        data = segment.to_bytes()
        entry = _Entry(uuid.uuid4().hex, hashlib.sha256(data).hexdigest(), segment.size, list(segment.doc_ids))
        self.objects.put(self._key(entry.id), data)
        with self._lock:
            self._segments[entry.id] = segment
        return entry

    def _load(self, entry: _Entry) -> KeywordSegment:
        with self._lock:
            cached = self._segments.get(entry.id)
        if cached is not None:
            return cached
        data = self.objects.get(self._key(entry.id))
        if data is None:
            raise KeywordIndexError(f"keyword segment {entry.id} is missing; run `python -m bot docs reindex`")
        try:
            # Every array is a zip member with its own CRC-32, checked as it is read: damage
            # shows here without hashing the whole segment again (`verify` does that).
            segment = KeywordSegment.from_bytes(data)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise KeywordIndexError(
                f"keyword segment {entry.id} is damaged ({exc}); run `python -m bot docs reindex`"
            ) from exc
        with self._lock:
            self._segments[entry.id] = segment
        return segment

    def _update(self, change: Callable[[list[_Entry]], list[_Entry]]) -> list[str]:
        """Apply change(entries) -> entries by compare-and-set; returns the segment ids dropped."""
        for _ in range(_CAS_ATTEMPTS):
            raw, entries = self._read()
            updated = change(entries)
            value = json.dumps({"segments": [e.to_dict() for e in updated]})
            if raw is None:
                done = self.kv.add(self._manifest_key, value)
            else:
                done = self.kv.compare_and_set(self._manifest_key, raw, value)
            if done:
                return sorted({e.id for e in entries} - {e.id for e in updated})
        raise KeywordIndexError("the keyword index is being changed by other processes; try again")

    def _delete_objects(self, segment_ids: list[str]) -> None:
        for segment_id in segment_ids:
            self.objects.delete_prefix(self._key(segment_id))

    def _merge_due(self) -> None:
        """Merge MERGE_FANOUT segments of one size class while some class has that many."""
        while True:
            _, entries = self._read()
            classes: dict[int, list[_Entry]] = {}
            for e in entries:
                classes.setdefault(_size_class(e.chunks), []).append(e)
            group = next((g for g in classes.values() if len(g) >= MERGE_FANOUT), None)
            if group is None:
                return
            group = group[:MERGE_FANOUT]
            try:
                segments = [self._load(e) for e in group]
            except KeywordIndexError:
                log.warning("keyword index merge skipped: a segment is unreadable", exc_info=True)
                return
            live = {d for e in group for d in e.docs}
            dead = {d for seg in segments for d in seg.doc_ids} - live
            entry = self._store(KeywordSegment.merge(segments, drop=dead))
            ids = {e.id for e in group}
            applied = False

            # This iteration's values, bound as defaults: a closure over loop variables invites mistakes.
            def change(current: list[_Entry], ids: set[str] = ids, entry: _Entry = entry) -> list[_Entry]:
                nonlocal applied
                applied = ids <= {e.id for e in current}
                if not applied:
                    return current  # another process merged them first
                still_live = {d for e in current if e.id in ids for d in e.docs}
                merged_entry = _Entry(entry.id, entry.sha256, entry.chunks, [d for d in entry.docs if d in still_live])
                rest = [e for e in current if e.id not in ids]
                return rest + ([merged_entry] if merged_entry.docs else [])

            dropped = self._update(change)
            if not applied:
                self._delete_objects([entry.id])  # lost the race: our merged copy is unused
                return
            self._delete_objects(dropped)


def _size_class(chunks: int) -> int:
    return int(math.log(max(chunks, 1), MERGE_FANOUT))


class IndexSnapshot:
    """A read-only view over the live chunks of a set of segments, addressed by position
    (0 … len-1, segment after segment); positions of removed documents are never live."""

    def __init__(self, version: str, segments: list[tuple[KeywordSegment, _Entry]]) -> None:
        self.version = version
        self._segs = [seg for seg, _ in segments]
        self._bases = [0]
        self._doc_bases: list[int] = []  # number of a segment's first document among all
        self._alive: list[np.ndarray] = []  # per segment: which of its documents are live
        doc_numbers: list[np.ndarray] = []
        live_parts: list[np.ndarray] = []
        self.doc_ids: list[str] = []
        self._doc_at: dict[str, tuple[int, int]] = {}  # doc_id -> (segment, doc within it)
        for s, (seg, entry) in enumerate(segments):
            live_docs = set(entry.docs)
            alive = np.array([d in live_docs for d in seg.doc_ids], dtype=bool)
            self._alive.append(alive)
            self._doc_bases.append(len(self.doc_ids))
            doc_numbers.append(seg.chunk_doc + len(self.doc_ids))
            live_parts.append(alive[seg.chunk_doc] if seg.size else np.zeros(0, dtype=bool))
            for d, doc_id in enumerate(seg.doc_ids):
                if alive[d]:
                    self._doc_at[doc_id] = (s, d)
            self.doc_ids.extend(seg.doc_ids)
            self._bases.append(self._bases[-1] + seg.size)
        self.doc_of = np.concatenate(doc_numbers) if doc_numbers else np.zeros(0, dtype=np.int32)
        self.live = np.concatenate(live_parts) if live_parts else np.zeros(0, dtype=bool)
        self.chunks = ChunkTable(self)
        self._lengths = np.concatenate([seg.lengths for seg in self._segs]) if self._segs else np.zeros(0, np.int32)
        self._live_count = int(self.live.sum())
        self._avg_length = float(self._lengths[self.live].mean()) if self._live_count else 0.0
        self._matcher: DocumentMatcher | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._bases[-1]

    @property
    def documents(self) -> set[str]:
        return set(self._doc_at)

    def locate(self, position: int) -> tuple[KeywordSegment, int]:
        s = bisect.bisect_right(self._bases, position) - 1
        return self._segs[s], position - self._bases[s]

    def get(self, chunk_id: str, default: int | None = None) -> int | None:
        """Position of a live chunk by id ("<doc_id>:<index>"), like dict.get."""
        doc_id, _, index = chunk_id.rpartition(":")
        found = self._doc_at.get(doc_id)
        if found is None or not index.isdigit():
            return default
        s, d = found
        seg, rows = self._segs[s], self._segs[s].rows_of(d)
        want = int(index)
        guess = rows.start + want  # chunk indexes are 0..n-1 in order: usually a direct hit
        if guess in rows and seg.chunk_index(guess) == want:
            return self._bases[s] + guess
        for row in rows:
            if seg.chunk_index(row) == want:
                return self._bases[s] + row
        return default

    def positions_of(self, doc_id: str) -> range:
        """Positions of a live document's chunks, in chunk order (empty when it is not live)."""
        found = self._doc_at.get(doc_id)
        if found is None:
            return range(0)
        s, d = found
        rows = self._segs[s].rows_of(d)
        return range(self._bases[s] + rows.start, self._bases[s] + rows.stop)

    def doc_mask(self, doc_ids: set[str]) -> np.ndarray:
        """Live positions belonging to the given documents."""
        numbers = [self._doc_bases[s] + d for s, d in (self._doc_at[i] for i in doc_ids if i in self._doc_at)]
        mask: np.ndarray = np.isin(self.doc_of, np.asarray(numbers, dtype=self.doc_of.dtype)) & self.live
        return mask

    def bm25_scores(self, query: str) -> np.ndarray:
        """BM25 (Lucene variant, as bm25s computes it) of every position for the query's terms."""
        scores = np.zeros(len(self), dtype=np.float32)
        if not self._live_count:
            return scores
        for term in terms(query):
            hits = []
            for s, seg in enumerate(self._segs):
                tid = seg.term_id(term)
                if tid is None:
                    continue
                start, end = seg.post_off[tid], seg.post_off[tid + 1]
                rows = seg.post_chunk[start:end].astype(np.int64) + self._bases[s]
                keep = self.live[rows]
                hits.append((rows[keep], seg.post_tf[start:end][keep]))
            df = sum(len(rows) for rows, _ in hits)
            if not df:
                continue
            idf = math.log(1.0 + (self._live_count - df + 0.5) / (df + 0.5))
            for rows, tf in hits:
                norm = K1 * ((1 - B) + B * self._lengths[rows] / self._avg_length)
                scores[rows] += idf * tf / (norm + tf)
        return scores

    def matcher(self) -> DocumentMatcher:
        """The document matcher (core/search/doc_match.py) over live documents, built once."""
        from core.search.doc_match import DocumentMatcher

        with self._lock:
            if self._matcher is None:
                if len(self._segs) == 1 and self._alive[0].all():
                    # One segment, nothing removed (a fresh or fully merged index): its
                    # per-document term counts are the matcher's arrays as they are.
                    seg = self._segs[0]
                    sizes = [len(seg.rows_of(d)) for d in range(len(seg.doc_ids))]
                    self._matcher = DocumentMatcher.from_csr(
                        seg.doc_ids, seg.file_names, sizes, seg.term_ids(), seg.dt_off, seg.dt_doc, seg.dt_count
                    )
                else:
                    self._matcher = DocumentMatcher.from_counts(*self._document_counts())
            return self._matcher

    def _document_counts(
        self,
    ) -> tuple[list[str], list[str], list[int], dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
        doc_ids: list[str] = []
        names: list[str] = []
        sizes: list[int] = []
        vocab: dict[str, int] = {}
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for seg, alive in zip(self._segs, self._alive, strict=True):
            number = {}
            for d, doc_id in enumerate(seg.doc_ids):
                if alive[d]:
                    number[d] = len(doc_ids)
                    doc_ids.append(doc_id)
                    names.append(seg.file_names[d])
                    sizes.append(len(seg.rows_of(d)))
            if not number:
                continue
            local_to_global = np.array([vocab.setdefault(t, len(vocab)) for t in seg.vocab], dtype=np.int64)
            term_of = np.repeat(np.arange(len(seg.vocab)), np.diff(seg.dt_off))
            mapping = np.full(len(seg.doc_ids), -1, dtype=np.int64)
            for d, n in number.items():
                mapping[d] = n
            docs = mapping[seg.dt_doc]
            keep = docs >= 0
            parts.append((local_to_global[term_of[keep]], docs[keep], seg.dt_count[keep]))
        if parts:
            term_ids = np.concatenate([p[0] for p in parts])
            docs = np.concatenate([p[1] for p in parts])
            counts = np.concatenate([p[2] for p in parts])
        else:
            term_ids = docs = counts = np.zeros(0, dtype=np.int64)
        return doc_ids, names, sizes, vocab, term_ids, docs, counts


class ChunkTable(Sequence[Chunk]):
    """Chunks by position, made into Chunk objects only when read (and then kept)."""

    def __init__(self, snapshot: IndexSnapshot) -> None:
        self._snap = snapshot
        self._made: dict[int, Chunk] = {}

    def __len__(self) -> int:
        return len(self._snap)

    @overload
    def __getitem__(self, position: int) -> Chunk: ...

    @overload
    def __getitem__(self, position: slice) -> list[Chunk]: ...

    def __getitem__(self, position: int | slice) -> Chunk | list[Chunk]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        chunk = self._made.get(position)
        if chunk is None:
            if not 0 <= position < len(self):
                raise IndexError(position)
            seg, row = self._snap.locate(position)
            chunk = self._made[position] = seg.chunk(row)
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))
