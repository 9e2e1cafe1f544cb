from __future__ import annotations

import pytest

from core.embeddings import protowire as pw
from core.embeddings.protowire import Field, WireFormatError


def test_a_message_decodes_to_its_fields_and_encodes_back_to_the_same_bytes():
    fields = [
        Field(1, pw.VARINT, 300),
        pw.string(2, "MatMul"),
        Field(3, pw.FIXED32, b"\x00\x00\x80?"),
        Field(4, pw.FIXED64, b"\x01" * 8),
        pw.message(5, [pw.string(1, "inner"), Field(2, pw.VARINT, 0)]),
    ]
    data = pw.encode(fields)
    # 300 is the classic two-byte varint example: 0xAC 0x02 after the key byte 0x08.
    assert data[:3] == b"\x08\xac\x02"
    assert pw.decode(data) == fields
    assert pw.encode(pw.decode(data)) == data
    assert pw.decode(fields[4].payload)[0].text == "inner"


def test_negative_ints_are_ten_byte_twos_complement_varints():
    encoded = pw.varint(-1)
    assert len(encoded) == 10
    assert pw.read_varint(encoded, 0) == ((1 << 64) - 1, 10)


def test_repeated_ints_read_the_same_packed_or_one_field_each():
    packed = [Field(1, pw.LENGTH_DELIMITED, pw.varint(1) + pw.varint(384)), Field(2, pw.VARINT, 7)]
    unpacked = [Field(1, pw.VARINT, 1), Field(2, pw.VARINT, 7), Field(1, pw.VARINT, 384)]
    assert pw.repeated_varints(packed, 1) == pw.repeated_varints(unpacked, 1) == [1, 384]
    assert pw.repeated_varints(packed, 3) == []


@pytest.mark.parametrize(
    "data",
    [
        b"\x08\xac",  # varint cut short
        b"\x12\x05abc",  # payload shorter than its length
        b"\x0b",  # wire type 3 (groups): not used by ONNX
    ],
)
def test_malformed_bytes_are_refused(data):
    with pytest.raises(WireFormatError):
        pw.decode(data)
