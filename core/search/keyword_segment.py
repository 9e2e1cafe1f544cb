"""One immutable piece of the persisted keyword index: the chunks of a few documents, their
postings (term → chunks, term frequency) and per-document term counts, in flat numpy arrays.

A segment is built once, when its documents are parsed, and saved as one `.npz` object (no
pickle). Loading it is a few array reads: no text is tokenized again, so a process starting
cold pays for reading bytes, not for rebuilding an index. Chunks are materialised as `Chunk`
objects only when asked for (ranked hits and their neighbours).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence

import numpy as np

from core.documents.models import Chunk, SourceMark
from core.search.text import terms

# Terms, document ids and file names never contain NUL, so it separates them.
_SEP = "\x00"


def _blob(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of all strings back to back, and the offsets of each (len + 1)."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _ragged(groups: Sequence[Sequence[int]], dtype: type = np.int32) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=offsets[1:])
    flat: np.ndarray = np.fromiter((v for g in groups for v in g), dtype=dtype, count=int(offsets[-1]))
    return flat, offsets


class KeywordSegment:
    """Columnar chunks and postings of the documents in this segment (each document whole)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self._a = arrays
        self.doc_ids: list[str] = _split(arrays["doc_ids"])
        self.file_names: list[str] = _split(arrays["file_names"])
        self.vocab: list[str] = _split(arrays["vocab"])
        self.doc_start = arrays["doc_start"]  # chunks of doc d: rows doc_start[d]:doc_start[d+1]
        self.chunk_doc = np.repeat(np.arange(len(self.doc_ids), dtype=np.int32), np.diff(self.doc_start))
        self.lengths = arrays["lengths"]  # terms per chunk (BM25 document length)
        self.post_off, self.post_chunk, self.post_tf = arrays["post_off"], arrays["post_chunk"], arrays["post_tf"]
        self.dt_off, self.dt_doc, self.dt_count = arrays["dt_off"], arrays["dt_doc"], arrays["dt_count"]
        self._term_id: dict[str, int] | None = None

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    def term_ids(self) -> dict[str, int]:
        if self._term_id is None:
            self._term_id = {t: i for i, t in enumerate(self.vocab)}
        return self._term_id

    def term_id(self, term: str) -> int | None:
        return self.term_ids().get(term)

    def chunk(self, row: int) -> Chunk:
        a = self._a
        doc = int(self.chunk_doc[row])
        heading = None if a["heading_none"][row] else _slice(a["heading_blob"], a["heading_off"], row)
        pages = a["pages"][a["pages_off"][row] : a["pages_off"][row + 1]]
        return Chunk(
            doc_id=self.doc_ids[doc],
            file_name=self.file_names[doc],
            index=int(a["chunk_index"][row]),
            text=_slice(a["text_blob"], a["text_off"], row),
            pages=[int(p) for p in pages],
            heading=heading,
            token_count=int(a["token_count"][row]),
            marks=_marks(a, row),
        )

    def rows_of(self, doc: int) -> range:
        return range(int(self.doc_start[doc]), int(self.doc_start[doc + 1]))

    def chunk_index(self, row: int) -> int:
        return int(self._a["chunk_index"][row])

    # --- build and serialise --------------------------------------------------------------

    @classmethod
    def build(cls, chunks: Sequence[Chunk], chunk_terms: Sequence[Sequence[str]] | None = None) -> KeywordSegment:
        """A segment over whole documents' chunks (grouped by document, in chunk order)."""
        first = _first_seen(chunks)
        order = sorted(range(len(chunks)), key=lambda i: (first[chunks[i].doc_id], chunks[i].index))
        chunks = [chunks[i] for i in order]
        words = [list(chunk_terms[i]) for i in order] if chunk_terms is not None else [terms(c.text) for c in chunks]
        doc_ids: list[str] = []
        file_names: list[str] = []
        starts: list[int] = []
        for row, chunk in enumerate(chunks):
            if not doc_ids or doc_ids[-1] != chunk.doc_id:
                doc_ids.append(chunk.doc_id)
                file_names.append(chunk.file_name)
                starts.append(row)
        starts.append(len(chunks))
        vocab: dict[str, int] = {}
        post_rows: list[int] = []
        post_cols: list[int] = []
        post_tf: list[int] = []
        doc_terms: list[Counter[int]] = [Counter() for _ in doc_ids]
        doc = -1
        for row, row_terms in enumerate(words):
            if doc + 1 < len(doc_ids) and row == starts[doc + 1]:
                doc += 1
            for term, tf in Counter(row_terms).items():
                tid = vocab.setdefault(term, len(vocab))
                post_rows.append(tid)
                post_cols.append(row)
                post_tf.append(tf)
                doc_terms[doc][tid] += 1
        post_off, post_chunk, post_freq = _csr(post_rows, post_cols, post_tf, len(vocab))
        dt_rows = [tid for counter in doc_terms for tid in counter]
        dt_cols = [d for d, counter in enumerate(doc_terms) for _ in counter]
        dt_vals = [n for counter in doc_terms for n in counter.values()]
        dt_off, dt_doc, dt_count = _csr(dt_rows, dt_cols, dt_vals, len(vocab))
        text_blob, text_off = _blob([c.text for c in chunks])
        heading_blob, heading_off = _blob([c.heading or "" for c in chunks])
        pages, pages_off = _ragged([c.pages for c in chunks])
        marks_blob, marks_off = _blob([json.dumps([[m.start, m.page, m.heading] for m in c.marks]) for c in chunks])
        arrays = {
            "doc_ids": _joined(doc_ids),
            "file_names": _joined(file_names),
            "doc_start": np.asarray(starts, dtype=np.int64),
            "chunk_index": np.asarray([c.index for c in chunks], dtype=np.int32),
            "token_count": np.asarray([c.token_count for c in chunks], dtype=np.int32),
            "lengths": np.asarray([len(w) for w in words], dtype=np.int32),
            "text_blob": text_blob,
            "text_off": text_off,
            "heading_blob": heading_blob,
            "heading_off": heading_off,
            "heading_none": np.asarray([c.heading is None for c in chunks], dtype=bool),
            "pages": pages,
            "pages_off": pages_off,
            "marks_blob": marks_blob,
            "marks_off": marks_off,
            "vocab": _joined(list(vocab)),
            "post_off": post_off,
            "post_chunk": post_chunk,
            "post_tf": np.minimum(post_freq, np.iinfo(np.uint16).max).astype(np.uint16),
            "dt_off": dt_off,
            "dt_doc": dt_doc,
            "dt_count": dt_count,
        }
        return cls(arrays)

    @classmethod
    def merge(cls, segments: Sequence[KeywordSegment], drop: set[str]) -> KeywordSegment:
        """One segment holding the documents of all given ones except those in `drop`, joined
        array by array (no text is read again): merging stays cheap as the index grows."""
        vocab: dict[str, int] = {}
        doc_ids: list[str] = []
        file_names: list[str] = []
        columns: dict[str, list[np.ndarray]] = {
            k: [] for k in ("chunk_index", "token_count", "lengths", "heading_none")
        }
        blobs: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {
            k: ([], []) for k in ("text", "heading", "pages")
        }
        ends = {k: 0 for k in blobs}
        starts = [0]
        post: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        per_doc: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        rows_before = 0
        for seg in segments:
            keep = [d for d, doc_id in enumerate(seg.doc_ids) if doc_id not in drop]
            row_map = np.full(seg.size, -1, dtype=np.int64)
            doc_map = np.full(len(seg.doc_ids), -1, dtype=np.int64)
            for d in keep:
                rows = seg.rows_of(d)
                row_map[rows.start : rows.stop] = np.arange(rows_before, rows_before + len(rows))
                doc_map[d] = len(doc_ids)
                rows_before += len(rows)
                starts.append(rows_before)
                doc_ids.append(seg.doc_ids[d])
                file_names.append(seg.file_names[d])
                for name in blobs:
                    ends[name] = _take_ragged(seg._a, name, rows, blobs[name], ends[name])
            kept_rows = row_map >= 0
            for name in columns:
                columns[name].append(seg._a[name][kept_rows])
            to_global = np.array([vocab.setdefault(t, len(vocab)) for t in seg.vocab], dtype=np.int64)
            post_terms = np.repeat(to_global, np.diff(seg.post_off))
            new_rows = row_map[seg.post_chunk]
            alive = new_rows >= 0
            post.append((post_terms[alive], new_rows[alive], seg.post_tf[alive]))
            dt_terms = np.repeat(to_global, np.diff(seg.dt_off))
            new_docs = doc_map[seg.dt_doc]
            alive = new_docs >= 0
            per_doc.append((dt_terms[alive], new_docs[alive], seg.dt_count[alive]))
        post_off, post_chunk, post_tf = _csr_arrays(post, len(vocab))
        dt_off, dt_doc, dt_count = _csr_arrays(per_doc, len(vocab))
        arrays = {
            "doc_ids": _joined(doc_ids),
            "file_names": _joined(file_names),
            "doc_start": np.asarray(starts, dtype=np.int64),
            **{name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()},
            "vocab": _joined(list(vocab)),
            "post_off": post_off,
            "post_chunk": post_chunk.astype(np.int32),
            "post_tf": post_tf.astype(np.uint16),
            "dt_off": dt_off,
            "dt_doc": dt_doc.astype(np.int32),
            "dt_count": dt_count.astype(np.int32),
        }
        for name, (flat, offsets) in blobs.items():
            key = "pages" if name == "pages" else f"{name}_blob"
            arrays[key] = np.concatenate(flat) if flat else np.zeros(0, dtype=np.uint8 if name != "pages" else np.int32)
            arrays[f"{name}_off"] = np.concatenate([np.zeros(1, dtype=np.int64), *offsets])
        return cls(arrays)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, allow_pickle=False, **self._a)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> KeywordSegment:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return cls({name: npz[name] for name in npz.files})


def _csr(rows: list[int], cols: list[int], values: list[int], n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    row_arr = np.asarray(rows, dtype=np.int64)
    order = np.argsort(row_arr, kind="stable")
    offsets = np.searchsorted(row_arr[order], np.arange(n_rows + 1)).astype(np.int64)
    return offsets, np.asarray(cols, dtype=np.int32)[order], np.asarray(values, dtype=np.int32)[order]


def _take_ragged(
    arrays: dict[str, np.ndarray], name: str, rows: range, out: tuple[list[np.ndarray], list[np.ndarray]], end: int
) -> int:
    """Append the values of `rows` of a ragged column (text, heading, pages) to out = (values,
    offsets after the first); returns the new end offset."""
    flat = arrays["pages" if name == "pages" else f"{name}_blob"]
    offsets = arrays[f"{name}_off"]
    first, last = int(offsets[rows.start]), int(offsets[rows.stop])
    out[0].append(flat[first:last])
    out[1].append(offsets[rows.start + 1 : rows.stop + 1] - first + end)
    return end + last - first


def _csr_arrays(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) triples from several parts as CSR: offsets, columns, values, each
    row's columns in increasing order."""
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    values = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    order = np.lexsort((cols, rows))
    offsets = np.searchsorted(rows[order], np.arange(n_rows + 1)).astype(np.int64)
    return offsets, cols[order], values[order]


def _joined(strings: list[str]) -> np.ndarray:
    return np.frombuffer(_SEP.join(strings).encode("utf-8"), dtype=np.uint8)


def _split(blob: np.ndarray) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    return text.split(_SEP) if text else []


def _slice(blob: np.ndarray, offsets: np.ndarray, row: int) -> str:
    return blob[offsets[row] : offsets[row + 1]].tobytes().decode("utf-8")


def _marks(arrays: dict[str, np.ndarray], row: int) -> list[SourceMark]:
    # Segments saved before chunks had marks have none: their chunks are cited by page span.
    if "marks_blob" not in arrays:
        return []
    stored = json.loads(_slice(arrays["marks_blob"], arrays["marks_off"], row))
    return [SourceMark(start, page, heading) for start, page, heading in stored]


def _first_seen(chunks: Sequence[Chunk]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for chunk in chunks:
        seen.setdefault(chunk.doc_id, len(seen))
    return seen
