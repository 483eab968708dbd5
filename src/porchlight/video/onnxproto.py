"""Just enough of the protobuf wire format to make an ONNX model's shapes dynamic.

Some published models, CenterFace among them, declare fixed input and output sizes
(``10 x 3 x 32 x 32``) although the network is fully convolutional. onnxruntime
enforces declared sizes, and the ``onnx`` package that would normally edit them is
large; this module rewrites the graph's inputs and outputs directly in the
serialised bytes instead. Field numbers are those of ``onnx.proto`` (ModelProto
graph = 7; GraphProto initializer = 5, input = 11, output = 12; ValueInfoProto
name = 1, type = 2; TypeProto tensor_type = 1; Tensor elem_type = 1, shape = 2;
TensorShapeProto dim = 1; Dimension dim_value = 1, dim_param = 2; TensorProto
name = 8).
"""

from __future__ import annotations

from collections.abc import Iterator

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
Field = tuple[int, int, int | bytes]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated protobuf varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data: bytes) -> Iterator[Field]:
    """``(number, wire type, value)`` for each field of a serialised message."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire == _I64:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == _I32:
            value, pos = data[pos : pos + 4], pos + 4
        elif wire == _LEN:
            size, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def encode(number: int, wire: int, value: int | bytes) -> bytes:
    """One serialised field."""
    key = _varint(number << 3 | wire)
    if wire == _VARINT:
        assert isinstance(value, int)
        return key + _varint(value)
    assert isinstance(value, bytes)
    if wire == _LEN:
        return key + _varint(len(value)) + value
    return key + value


def _first(data: bytes, number: int) -> int | bytes | None:
    for num, _, value in fields(data):
        if num == number:
            return value
    return None


def _dynamic_value_info(info: bytes, prefix: str) -> bytes:
    """A ValueInfoProto with dims 0, 2 and 3 of a 4-D tensor made symbolic."""
    type_proto = _first(info, 2)
    tensor = _first(type_proto, 1) if isinstance(type_proto, bytes) else None
    shape = _first(tensor, 2) if isinstance(tensor, bytes) else None
    if not isinstance(tensor, bytes) or not isinstance(shape, bytes):
        return info
    dims = [value for num, _, value in fields(shape) if num == 1]
    if len(dims) != 4:
        return info
    new_dims = b""
    for axis, dim in enumerate(dims):
        assert isinstance(dim, bytes)
        if axis == 1:
            new_dims += encode(1, _LEN, dim)
        else:
            new_dims += encode(1, _LEN, encode(2, _LEN, f"{prefix}{axis}".encode()))
    elem_type = _first(tensor, 1)
    new_tensor = encode(1, _VARINT, elem_type if isinstance(elem_type, int) else 1)
    new_tensor += encode(2, _LEN, new_dims)
    new_type = encode(1, _LEN, new_tensor)
    out = b""
    for num, wire, value in fields(info):
        out += encode(num, wire, new_type if num == 2 else value)
    return out


def _rewrite_graph(graph: bytes) -> bytes:
    initializers = {
        _first(value, 8) for num, _, value in fields(graph) if num == 5 and isinstance(value, bytes)
    }
    out = bytearray()
    for num, wire, value in fields(graph):
        if num in (11, 12) and isinstance(value, bytes):
            if num == 11 and _first(value, 1) in initializers:
                # Old exporters list weights as inputs too; dropping them lets
                # onnxruntime fold constants.
                continue
            value = _dynamic_value_info(value, "in" if num == 11 else "out")
        out += encode(num, wire, value)
    return bytes(out)


def dynamic_shapes(model: bytes) -> bytes:
    """``model`` (a serialised ONNX ModelProto) with the batch and spatial sizes of its
    4-D graph inputs and outputs made symbolic, and weights removed from its inputs."""
    out = bytearray()
    for num, wire, value in fields(model):
        if num == 7 and isinstance(value, bytes):
            value = _rewrite_graph(value)
        out += encode(num, wire, value)
    return bytes(out)
