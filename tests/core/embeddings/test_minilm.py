from __future__ import annotations

import hashlib

import numpy as np
import pytest

from core.embeddings import minilm as minilm_module
from core.embeddings.base import EmbeddingError
from core.embeddings.minilm import _verified_bytes
from core.embeddings.normalise import l2_normalise


@pytest.fixture
def embedder(minilm):
    return minilm  # the session-wide model from conftest.py


def test_vectors_are_normalised_float32_of_the_model_dimension(embedder):
    vectors = embedder.embed(["Quarterly revenue grew.", "The board met in May.", ""])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_paraphrases_are_closer_than_unrelated_text(embedder):
    cat, feline, finance = embedder.embed(
        ["The cat sat on the mat.", "A kitten rested on a rug.", "Net sales increased to 81,797 million dollars."]
    )
    assert cat @ feline > cat @ finance + 0.3


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time(embedder):
    texts = ["short", "a considerably longer sentence about operating income and margins " * 3, "medium length text"]
    batched = embedder.embed(texts)
    single = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(batched, single, atol=1e-4)


def test_counting_sees_every_word_piece_without_special_tokens(embedder):
    tok = embedder.tokenizer
    assert tok.count("hello world") == 2
    long_text = "revenue " * 400
    # The shipped tokenizer.json truncates at 128; counting must not.
    assert tok.count(long_text) == 400


def test_spans_are_character_offsets_into_the_original_text(embedder):
    text = "Apple's Net Sales: 81,797"
    spans = embedder.tokenizer.spans(text)
    assert len(spans) == embedder.tokenizer.count(text)
    assert text[spans[0][0] : spans[0][1]] == "Apple"
    assert spans[-1][1] == len(text)


def test_text_beyond_the_model_window_does_not_change_the_vector(embedder):
    head = "alpha beta gamma delta " * 80  # well over 256 word pieces
    a, b = embedder.embed([head, head + " completely different tail about bananas"])
    assert np.allclose(a, b, atol=1e-5)
    assert embedder.max_tokens == 254


def test_a_model_file_with_the_wrong_hash_is_refused(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(EmbeddingError, match="sha256"):
        _verified_bytes(bad, "0" * 64)
    with pytest.raises(EmbeddingError, match="missing"):
        _verified_bytes(tmp_path / "absent.onnx", "0" * 64)


def test_the_run_graph_is_the_shipped_model_rewritten_the_same_way_every_time():
    first = minilm_module.run_graph()
    assert hashlib.sha256(first).hexdigest() == minilm_module.RUN_GRAPH_SHA256
    assert minilm_module.run_graph() == first


def test_a_rewrite_that_gives_another_graph_is_refused(monkeypatch):
    monkeypatch.setattr(minilm_module, "int8_compute_model", lambda model, expected: (model + b"\x00", expected))
    with pytest.raises(EmbeddingError, match="rewritten MiniLM graph has sha256"):
        minilm_module.run_graph()


def test_int8_compute_stays_close_to_the_float32_compute_of_the_shipped_graph(embedder):
    import onnxruntime
    from tokenizers import Tokenizer

    texts = [
        "2023 Q2 AAPL — Item 2. Management's Discussion › Net sales by category\niPhone 39,669 40,665 (2)%",
        "The Company's effective tax rate for the third quarter was 16.1%.",
        "hello",
    ]
    shipped = onnxruntime.InferenceSession(minilm_module.model_bytes(), providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_str(minilm_module.tokenizer_json())
    tok.enable_truncation(max_length=minilm_module.MODEL_MAX_SEQUENCE)
    tok.no_padding()
    reference = []
    for encoding in tok.encode_batch(texts):
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        reference.append(shipped.run(None, feeds)[0][0].mean(axis=0))
    reference = l2_normalise(np.array(reference))
    vectors = embedder.embed(texts)
    assert (vectors * reference).sum(axis=1).min() > 0.98
    assert not np.allclose(vectors, reference, atol=1e-5)  # other numbers, hence their own model id


def test_the_int8_graph_passes_its_self_check_here(embedder):
    embedder.embed(["warm"])
    assert embedder.computes_in_int8


def test_an_int8_graph_computing_wrong_vectors_falls_back_to_float32(caplog):
    """A reference the int8 graph misses (as a saturating int8 kernel would) but the float32 graph
    meets: the embedder says so and computes with the shipped graph."""
    from core.embeddings.minilm import LocalMiniLMEmbedder

    probe = LocalMiniLMEmbedder(threads=1)
    text = "Who approves travel expenses over 500 euros?"
    int8_vector = probe.embed([text])[0]
    float32_vector = _shipped_graph_vector(text)
    # A reference between the two: under the int8 threshold for int8, over the float32 one.
    assert float(int8_vector @ float32_vector) < minilm_module.INT8_MIN_COSINE
    embedder = LocalMiniLMEmbedder(threads=1, reference=(text, float32_vector))
    with caplog.at_level("WARNING"):
        vector = embedder.embed([text])[0]
    assert not embedder.computes_in_int8
    assert "float32 graph" in caplog.text
    assert float(vector @ float32_vector) > 0.9999


def test_a_model_wrong_both_ways_is_refused():
    from core.embeddings.minilm import LocalMiniLMEmbedder

    opposite = -LocalMiniLMEmbedder(threads=1).embed(["anything"])[0]
    with pytest.raises(EmbeddingError, match="wrong vectors on this machine"):
        LocalMiniLMEmbedder(threads=1, reference=("anything", opposite)).embed(["x"])


def _shipped_graph_vector(text: str) -> np.ndarray:
    import onnxruntime
    from tokenizers import Tokenizer

    shipped = onnxruntime.InferenceSession(minilm_module.model_bytes(), providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_str(minilm_module.tokenizer_json())
    tok.enable_truncation(max_length=minilm_module.MODEL_MAX_SEQUENCE)
    tok.no_padding()  # the shipped file pads to 128
    ids = np.array([tok.encode(text).ids], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    return l2_normalise(shipped.run(None, feeds)[0][0].mean(axis=0, keepdims=True))[0]
