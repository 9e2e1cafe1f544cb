"""The int8 rewrite on a small graph built here with the same patterns as the shipped MiniLM:
int8 weights widened in the graph, a bias, an erf GELU and a guarded softmax."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings import protowire as pw
from core.embeddings.int8_graph import GraphRewriteError, RewriteCounts, int8_compute_model
from core.embeddings.protowire import Field

_FLOAT, _INT8 = 1, 3
_ATTRIBUTE_INT = 2
HIDDEN, INNER = 8, 16


def _tensor(name: str, array: np.ndarray) -> Field:
    data_type = _INT8 if array.dtype == np.int8 else _FLOAT
    fields = [Field(1, pw.VARINT, d) for d in array.shape]
    fields += [Field(2, pw.VARINT, data_type), pw.string(8, name), Field(9, pw.LENGTH_DELIMITED, array.tobytes())]
    return pw.message(5, fields)


def _node(op_type: str, inputs: list[str], outputs: list[str], **ints: int) -> Field:
    fields = [pw.string(1, i) for i in inputs] + [pw.string(2, o) for o in outputs] + [pw.string(4, op_type)]
    for name, value in ints.items():
        attribute = [
            pw.string(1, name),
            Field(3, pw.VARINT, value & (1 << 64) - 1),
            Field(20, pw.VARINT, _ATTRIBUTE_INT),
        ]
        fields.append(pw.message(5, attribute))
    return pw.message(1, fields)


def _value(number: int, name: str, shape: tuple[int, ...]) -> Field:
    dims = [pw.message(1, [Field(1, pw.VARINT, d)]) for d in shape]
    tensor_type = pw.message(1, [Field(1, pw.VARINT, _FLOAT), pw.message(2, dims)])
    return pw.message(number, [pw.string(1, name), pw.message(2, [tensor_type])])


def _widened(name: str, quantized: np.ndarray, scale: np.ndarray) -> tuple[list[Field], list[Field]]:
    """int8 weights turned back into float32 inside the graph, as the shipped model does."""
    tensors = [_tensor(f"{name}_q", quantized), _tensor(f"{name}_scale", scale)]
    nodes = [
        _node("Cast", [f"{name}_q"], [f"{name}_f"], to=_FLOAT),
        _node("Mul", [f"{name}_f", f"{name}_scale"], [name]),
    ]
    return tensors, nodes


def small_model(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    up_q = rng.integers(-127, 128, (HIDDEN, INNER)).astype(np.int8)
    down_q = rng.integers(-127, 128, (INNER, HIDDEN)).astype(np.int8)
    up_tensors, up_nodes = _widened("up", up_q, rng.uniform(0.001, 0.01, (1, INNER)).astype(np.float32))
    down_tensors, down_nodes = _widened("down", down_q, rng.uniform(0.001, 0.01, (1, HIDDEN)).astype(np.float32))
    constants = {
        "up_bias": rng.normal(0, 0.1, INNER).astype(np.float32),
        "sqrt2": np.array(np.sqrt(2), dtype=np.float32),
        "one": np.array(1.0, dtype=np.float32),
        "half": np.array(0.5, dtype=np.float32),
        "zero": np.array(0.0, dtype=np.float32),
        "mix": rng.normal(0, 1, (HIDDEN, HIDDEN)).astype(np.float32),  # a float32 weight: left alone
    }
    nodes = [
        *up_nodes,
        *down_nodes,
        _node("MatMul", ["x", "up"], ["up_out"]),
        _node("Add", ["up_out", "up_bias"], ["h"]),
        _node("Div", ["h", "sqrt2"], ["scaled"]),
        _node("Erf", ["scaled"], ["erf"]),
        _node("Add", ["erf", "one"], ["erf1"]),
        _node("Mul", ["half", "erf1"], ["halved"]),
        _node("Mul", ["h", "halved"], ["gelu"]),
        _node("MatMul", ["gelu", "down"], ["down_out"]),  # no bias: the product alone
        _node("Softmax", ["down_out"], ["p"], axis=-1),
        _node("IsNaN", ["p"], ["nan"]),
        _node("Where", ["nan", "zero", "p"], ["p_safe"]),
        _node("MatMul", ["p_safe", "mix"], ["y"]),
    ]
    tensors = up_tensors + down_tensors + [_tensor(name, value) for name, value in constants.items()]
    graph = [*nodes, *tensors, _value(11, "x", (2, HIDDEN)), _value(12, "y", (2, HIDDEN))]
    opset = pw.message(8, [pw.string(1, ""), Field(2, pw.VARINT, 17)])
    return pw.encode([Field(1, pw.VARINT, 8), opset, pw.message(7, graph)])


def run(model: bytes, x: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    out: np.ndarray = session.run(None, {"x": x})[0]
    return out


def test_the_rewritten_graph_computes_what_the_original_did():
    model = small_model()
    rewritten, counts = int8_compute_model(model)
    assert counts == RewriteCounts(int8_matmuls=2, nan_guards=1, gelus=1)
    x = np.random.default_rng(1).normal(0, 1, (2, HIDDEN)).astype(np.float32)
    expected, got = run(model, x), run(rewritten, x)
    # Only the activations' 8-bit rounding differs.
    assert np.allclose(got, expected, atol=0.02 * np.abs(expected).max())
    assert not np.array_equal(got, expected)  # the products did run in int8


def test_the_rewrite_is_deterministic_and_finds_nothing_left_to_rewrite():
    model = small_model()
    first, _ = int8_compute_model(model)
    assert int8_compute_model(model)[0] == first
    again, counts = int8_compute_model(first)
    assert counts == RewriteCounts(0, 0, 0)
    assert again == first


def test_a_graph_other_than_the_expected_one_is_refused():
    with pytest.raises(GraphRewriteError, match="not the expected one"):
        int8_compute_model(small_model(), RewriteCounts(int8_matmuls=36, nan_guards=6, gelus=6))


def test_a_guarded_softmax_that_is_the_graph_output_keeps_its_guard():
    fields = pw.decode(small_model())
    graph = next(f for f in fields if f.number == 7)
    # The Where's output becomes the graph's output: dropping the guard would leave it unproduced.
    parts = [f for f in pw.decode(graph.payload) if f.number != 12] + [_value(12, "p_safe", (2, HIDDEN))]
    model = pw.encode([f if f.number != 7 else pw.message(7, parts) for f in fields])
    rewritten, counts = int8_compute_model(model)
    assert counts.nan_guards == 0
    x = np.ones((2, HIDDEN), dtype=np.float32)
    assert np.allclose(run(rewritten, x).sum(axis=-1), 1.0, atol=1e-5)
