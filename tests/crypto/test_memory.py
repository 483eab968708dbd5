"""Streaming keeps memory bounded whatever the size of the clip."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

from porchlight.crypto import Identity, decrypt_stream, encrypt_stream

STREAM_SIZE = 256 * 1024 * 1024
PEAK_LIMIT = 16 * 1024 * 1024


class GeneratedStream(io.RawIOBase):
    """``size`` bytes of a repeated pattern, produced on demand and hashed as read."""

    def __init__(self, size: int) -> None:
        self._remaining = size
        self._block = hashlib.shake_256(b"porchlight").digest(1 << 20)
        self._offset = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self._remaining, len(self._block) - self._offset)
        buffer[:size] = self._block[self._offset : self._offset + size]
        self.digest.update(buffer[:size])
        self._offset = (self._offset + size) % len(self._block)
        self._remaining -= size
        return size


class HashingSink:
    """Counts and hashes what is written, keeping none of it."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview, /) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def test_256_mib_round_trip_stays_far_below_the_data_size(
    identity: Identity, tmp_path: Path
) -> None:
    source = GeneratedStream(STREAM_SIZE)
    sink = HashingSink()
    sealed_path = tmp_path / "big.age"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with sealed_path.open("wb") as sealed:
            encrypt_stream(source, sealed, [identity.recipient])
        with sealed_path.open("rb") as sealed:
            written = decrypt_stream(sealed, sink, [identity])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == sink.size == STREAM_SIZE
    assert sink.digest.digest() == source.digest.digest()
    assert peak < PEAK_LIMIT, f"peak Python allocation {peak / 2**20:.1f} MiB"
