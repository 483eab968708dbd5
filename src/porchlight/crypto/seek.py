"""Random access into an age payload, for HTTP range requests and seeking.

Because every 64 KiB chunk is sealed on its own with its index in the nonce, any
byte range can be decrypted by reading only the chunks that cover it.  Each chunk
read is still authenticated, so a range answer is as trustworthy as a whole file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import DecryptionError
from .stream import (
    CHUNK_SIZE,
    ENCRYPTED_CHUNK_SIZE,
    PAYLOAD_NONCE_SIZE,
    TAG_SIZE,
    _open_chunk,
    _payload_cipher,
)

__all__ = ["PayloadLayout", "decrypt_range", "payload_layout"]

# Reads ``length`` bytes of the stored age file starting at ``offset``.
ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True)
class PayloadLayout:
    """Where an age payload's chunks lie, and the plaintext size they hold."""

    payload_offset: int  # first byte after the header (the payload nonce)
    chunks: int
    plaintext_size: int

    def chunk_offset(self, index: int) -> int:
        """Byte offset of sealed chunk ``index`` in the stored file."""
        return self.payload_offset + PAYLOAD_NONCE_SIZE + index * ENCRYPTED_CHUNK_SIZE


def payload_layout(header_size: int, file_size: int) -> PayloadLayout:
    """Work out the chunk layout of an age file from its header and total sizes."""
    body = file_size - header_size - PAYLOAD_NONCE_SIZE
    if body < TAG_SIZE:
        raise DecryptionError("payload is truncated: no complete chunk after the nonce")
    full, rest = divmod(body, ENCRYPTED_CHUNK_SIZE)
    if rest == 0:
        return PayloadLayout(header_size, full, full * CHUNK_SIZE)
    if rest < TAG_SIZE:
        raise DecryptionError("payload is truncated: the last chunk is shorter than its tag")
    return PayloadLayout(header_size, full + 1, full * CHUNK_SIZE + rest - TAG_SIZE)


def decrypt_range(
    read_at: ReadAt, file_key: bytes, layout: PayloadLayout, start: int, end: int
) -> Iterator[bytes]:
    """Yield the plaintext bytes ``start`` to ``end`` inclusive, a chunk at a time."""
    if not 0 <= start <= end < layout.plaintext_size:
        raise ValueError(f"range {start}-{end} is outside 0-{layout.plaintext_size - 1}")
    cipher = _payload_cipher(file_key, read_at(layout.payload_offset, PAYLOAD_NONCE_SIZE))
    out = bytearray(CHUNK_SIZE)
    for index in range(start // CHUNK_SIZE, end // CHUNK_SIZE + 1):
        last = index == layout.chunks - 1
        sealed = read_at(layout.chunk_offset(index), ENCRYPTED_CHUNK_SIZE)
        size = _open_chunk(cipher, index, last, sealed, out)
        lo = max(start - index * CHUNK_SIZE, 0)
        hi = min(end - index * CHUNK_SIZE, size - 1)
        yield bytes(out[lo : hi + 1])
