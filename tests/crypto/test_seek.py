"""Random access: any byte range of an encrypted clip decrypts to the same bytes."""

from __future__ import annotations

import io
import os

import pytest

from porchlight.crypto import encrypt_bytes, generate_identity, unwrap_file_key
from porchlight.crypto.errors import DecryptionError
from porchlight.crypto.seek import decrypt_range, payload_layout
from porchlight.crypto.stream import CHUNK_SIZE


def _sealed(size: int) -> tuple[bytes, bytes, bytes, int]:
    identity = generate_identity()
    plain = os.urandom(size)
    blob = encrypt_bytes(plain, identity.recipient)
    header, key = unwrap_file_key(io.BytesIO(blob), identity)
    return plain, blob, key, len(header.raw)


def _read_at(blob: bytes):  # type: ignore[no-untyped-def]
    return lambda offset, length: blob[offset : offset + length]


@pytest.mark.parametrize(
    "size", [1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 7]
)
def test_every_range_matches_the_plaintext(size: int) -> None:
    plain, blob, key, header_size = _sealed(size)
    layout = payload_layout(header_size, len(blob))
    assert layout.plaintext_size == size
    edges = sorted({0, 1, size // 2, CHUNK_SIZE - 1, CHUNK_SIZE, size - 1} & set(range(size)))
    for start in edges:
        for end in edges:
            if start <= end:
                got = b"".join(decrypt_range(_read_at(blob), key, layout, start, end))
                assert got == plain[start : end + 1], (start, end)


def test_empty_payload_has_no_range() -> None:
    _, blob, key, header_size = _sealed(0)
    layout = payload_layout(header_size, len(blob))
    assert layout.plaintext_size == 0
    with pytest.raises(ValueError, match="outside"):
        list(decrypt_range(_read_at(blob), key, layout, 0, 0))


def test_tampered_chunk_fails_even_when_read_alone() -> None:
    _, blob, key, header_size = _sealed(2 * CHUNK_SIZE + 10)
    layout = payload_layout(header_size, len(blob))
    bad = bytearray(blob)
    bad[layout.chunk_offset(1) + 5] ^= 1
    with pytest.raises(DecryptionError):
        list(decrypt_range(_read_at(bytes(bad)), key, layout, CHUNK_SIZE, CHUNK_SIZE + 3))
    # The untouched first chunk still reads.
    assert list(decrypt_range(_read_at(bytes(bad)), key, layout, 0, 3))


def test_truncated_file_is_reported() -> None:
    _, _, _, header_size = _sealed(100)
    with pytest.raises(DecryptionError, match="truncated"):
        payload_layout(header_size, header_size + 16 + 5)
