"""Protocol Buffers wire format: a message as its list of fields, and back.

ONNX models are protobuf messages. Rewriting one needs only the wire format (field number,
wire type, payload), so the `onnx` package (its generated classes, 17 MB) is not a dependency.
Fields keep their order and unknown fields pass through untouched, so decoding and encoding
an unchanged message gives back the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5
_FIXED_SIZE = {FIXED64: 8, FIXED32: 4}


class WireFormatError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True)
class Field:
    number: int
    wire_type: int
    value: int | bytes  # int for VARINT; the raw payload bytes for every other wire type

    @property
    def payload(self) -> bytes:
        if not isinstance(self.value, bytes):
            raise WireFormatError(f"field {self.number} is a varint, not a length-delimited payload")
        return self.value

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8")


def read_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """The varint starting at pos, and the position after it."""
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise WireFormatError("truncated or oversized varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # negative int64s are written as their 64-bit two's complement
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def decode(buf: bytes) -> list[Field]:
    fields: list[Field] = []
    view = memoryview(buf)
    pos = 0
    while pos < len(view):
        key, pos = read_varint(view, pos)
        number, wire_type = key >> 3, key & 0x7
        value: int | bytes
        if wire_type == VARINT:
            value, pos = read_varint(view, pos)
        elif wire_type == LENGTH_DELIMITED:
            size, pos = read_varint(view, pos)
            value = bytes(view[pos : pos + size])
            pos += size
        elif wire_type in _FIXED_SIZE:
            value = bytes(view[pos : pos + _FIXED_SIZE[wire_type]])
            pos += _FIXED_SIZE[wire_type]
        else:
            raise WireFormatError(f"unsupported wire type {wire_type} (field {number})")
        if pos > len(view):
            raise WireFormatError(f"field {number} runs past the end of the message")
        fields.append(Field(number, wire_type, value))
    return fields


def encode(fields: list[Field]) -> bytes:
    parts: list[bytes] = []  # joined once at the end: a model's payloads add up to megabytes
    for field in fields:
        parts.append(varint(field.number << 3 | field.wire_type))
        if field.wire_type == VARINT:
            if not isinstance(field.value, int):
                raise WireFormatError(f"field {field.number}: a varint needs an int value")
            parts.append(varint(field.value))
        elif field.wire_type == LENGTH_DELIMITED:
            parts += (varint(len(field.payload)), field.payload)
        else:
            parts.append(field.payload)
    return b"".join(parts)


def string(number: int, text: str) -> Field:
    return Field(number, LENGTH_DELIMITED, text.encode("utf-8"))


def message(number: int, fields: list[Field]) -> Field:
    return Field(number, LENGTH_DELIMITED, encode(fields))


def repeated_varints(fields: list[Field], number: int) -> list[int]:
    """A repeated integer field, whether it was written packed or one field per value."""
    values: list[int] = []
    for field in fields:
        if field.number != number:
            continue
        if isinstance(field.value, int):
            values.append(field.value)
            continue
        pos = 0
        while pos < len(field.payload):
            value, pos = read_varint(field.payload, pos)
            values.append(value)
    return values
