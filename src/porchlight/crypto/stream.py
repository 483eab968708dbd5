"""The age payload: a 16-byte nonce, then the STREAM construction.

The plaintext is cut into 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
a key derived from the file key and the nonce. A chunk's nonce is its index as an
11-byte big-endian counter followed by a flag byte, 1 for the final chunk and 0
otherwise, so dropping, reordering or truncating chunks fails authentication.

Only full chunks can be non-final. The final chunk may be full; it is empty only
when the whole payload is empty. Both functions hold at most two chunks in memory,
whatever the size of the stream.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .errors import DecryptionError
from .header import hkdf_sha256

__all__ = [
    "CHUNK_SIZE",
    "ENCRYPTED_CHUNK_SIZE",
    "ByteSink",
    "ByteSource",
    "decrypt_payload",
    "encrypt_payload",
]

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
PAYLOAD_NONCE_SIZE = 16
_LAST = b"\x01"
_NOT_LAST = b"\x00"


class ByteSource(Protocol):
    """What the library reads from: any binary file, ``BytesIO``, socket file or pipe.

    ``typing.BinaryIO`` objects and ``io.RawIOBase`` subclasses both fit.
    """

    def read(self, size: int = -1, /) -> bytes | None: ...

    def readline(self, size: int = -1, /) -> bytes: ...


class ByteSink(Protocol):
    """What the library writes to: any binary file or stream."""

    def write(self, data: memoryview, /) -> int | None: ...


def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (_LAST if last else _NOT_LAST)


def _read_some(src: ByteSource, size: int) -> bytes:
    data = src.read(size)
    if data is None:
        raise OSError("non-blocking streams that have no data ready are not supported")
    return data


def read_exact(src: ByteSource, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of stream (short reads are retried)."""
    data = _read_some(src, size)
    if len(data) == size or not data:
        return data
    parts = [data]
    remaining = size - len(data)
    while remaining:
        more = _read_some(src, remaining)
        if not more:
            break
        parts.append(more)
        remaining -= len(more)
    return b"".join(parts)


def write_all(dst: ByteSink, data: bytes | bytearray | memoryview) -> int:
    """Write all of ``data``, retrying short writes of raw (unbuffered) streams."""
    view = memoryview(data)
    written = 0
    while written < len(view):
        count = dst.write(view[written:])
        if not count:
            raise OSError("the destination stream accepted no data")
        written += count
    return written


def _payload_cipher(file_key: bytes, nonce: bytes) -> ChaCha20Poly1305:
    return ChaCha20Poly1305(hkdf_sha256(file_key, nonce, b"payload"))


def encrypt_payload(src: ByteSource, dst: ByteSink, file_key: bytes) -> int:
    """Write the nonce and the sealed chunks of ``src`` to ``dst``.

    Returns the number of bytes written.
    """
    nonce = os.urandom(PAYLOAD_NONCE_SIZE)
    written = write_all(dst, nonce)
    cipher = _payload_cipher(file_key, nonce)
    out = bytearray(ENCRYPTED_CHUNK_SIZE)
    counter = 0
    current = read_exact(src, CHUNK_SIZE)
    while True:
        # A full chunk is final only if nothing follows it, so look one chunk ahead.
        following = read_exact(src, CHUNK_SIZE) if len(current) == CHUNK_SIZE else b""
        last = not following
        size = len(current) + TAG_SIZE
        cipher.encrypt_into(_chunk_nonce(counter, last), current, None, memoryview(out)[:size])
        written += write_all(dst, memoryview(out)[:size])
        if last:
            return written
        counter += 1
        current = following


def _open_chunk(
    cipher: ChaCha20Poly1305, counter: int, last: bool, sealed: bytes, out: bytearray
) -> int:
    size = len(sealed) - TAG_SIZE
    if size < 0:
        raise DecryptionError("payload is truncated: the last chunk is shorter than its tag")
    try:
        cipher.decrypt_into(_chunk_nonce(counter, last), sealed, None, memoryview(out)[:size])
    except InvalidTag:
        raise _chunk_failure(cipher, counter, last, sealed) from None
    return size


def _chunk_failure(
    cipher: ChaCha20Poly1305, counter: int, last: bool, sealed: bytes
) -> DecryptionError:
    # Only for a clearer message: a final-looking chunk that opens as a middle
    # chunk means the stream was cut at a chunk boundary.
    if last:
        try:
            cipher.decrypt(_chunk_nonce(counter, False), sealed, None)
        except InvalidTag:
            pass
        else:
            return DecryptionError(
                f"payload is truncated: it ends after chunk {counter} without a final chunk"
            )
    return DecryptionError(
        f"payload chunk {counter} failed authentication: the file was modified, "
        "truncated, reordered or has trailing data"
    )


def decrypt_payload(src: ByteSource, dst: ByteSink, file_key: bytes) -> int:
    """Read the nonce and chunks from ``src`` and write the plaintext to ``dst``.

    Each chunk is authenticated before it is written, but a later chunk can still
    fail: on :class:`DecryptionError` the caller must discard what ``dst`` got.
    Returns the number of plaintext bytes written.
    """
    nonce = read_exact(src, PAYLOAD_NONCE_SIZE)
    if len(nonce) != PAYLOAD_NONCE_SIZE:
        raise DecryptionError("payload is truncated: the payload nonce is missing")
    cipher = _payload_cipher(file_key, nonce)
    out = bytearray(CHUNK_SIZE)
    written = 0
    counter = 0
    current = read_exact(src, ENCRYPTED_CHUNK_SIZE)
    if not current:
        raise DecryptionError("payload is truncated: there are no chunks after the header")
    while True:
        following = (
            read_exact(src, ENCRYPTED_CHUNK_SIZE) if len(current) == ENCRYPTED_CHUNK_SIZE else b""
        )
        last = not following
        size = _open_chunk(cipher, counter, last, current, out)
        if last and size == 0 and counter > 0:
            raise DecryptionError("payload is malformed: the final chunk is empty")
        written += write_all(dst, memoryview(out)[:size])
        if last:
            return written
        counter += 1
        current = following
