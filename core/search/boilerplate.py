"""Boilerplate: text a chunk shares word for word with many other documents of the corpus.

Certifications, exhibit lists, cover pages and safe-harbour notices are written the same way in
every filing. They name the kind of document ("this quarterly report", "financial statements",
"management's discussion"), so questions that say where to look ("in the 10-Q, combine the
financial statements with the management discussion") match them better than the passage that
answers. A chunk's boilerplate share is the share of its five-word runs that at least a third of
the corpus's documents hold (never fewer than three documents): a company's own notes, repeated
in its own few filings, stay below that; forms every filer copies do not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from core.documents.models import Chunk

_WORD = re.compile(r"[^\W\d_]+")
# Five words: long enough that shared runs are copied text, not common phrases ("the three
# months ended"); 4 and 8 measured the same on the sec10q dev split.
_RUN_WORDS = 5
_SHARED_DOCUMENT_SHARE = 1 / 3
_MIN_SHARED_DOCUMENTS = 3


def boilerplate_shares(chunks: Sequence[Chunk]) -> np.ndarray:
    """Per chunk, the share (0-1) of its five-word runs held by many documents; figures and
    the context line (file name, heading) are left out, so a filing's own amounts and name do
    not make boilerplate look original."""
    runs = [_runs(chunk.text.split("\n", 1)[-1]) for chunk in chunks]
    holders: dict[int, set[str]] = {}
    for chunk, chunk_runs in zip(chunks, runs, strict=True):
        for run in chunk_runs:
            holders.setdefault(run, set()).add(chunk.doc_id)
    documents = len({chunk.doc_id for chunk in chunks})
    shared = max(_MIN_SHARED_DOCUMENTS, math.ceil(documents * _SHARED_DOCUMENT_SHARE))
    out = np.zeros(len(chunks))
    for i, chunk_runs in enumerate(runs):
        if chunk_runs:
            out[i] = sum(1 for run in chunk_runs if len(holders[run]) >= shared) / len(chunk_runs)
    return out


def _runs(text: str) -> set[int]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {hash(tuple(words[i : i + _RUN_WORDS])) for i in range(len(words) - _RUN_WORDS + 1)}
