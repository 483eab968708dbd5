"""Adapters that turn what a store reads from (a file, an S3 response body) into a
buffered binary stream, optionally cut off after a number of bytes (a byte range)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, BinaryIO, Protocol

from .base import CHUNK_SIZE

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["ClosableSource", "RawStream", "buffered_stream"]


class ClosableSource(Protocol):
    """Something to read bytes from and close: an unbuffered file, an S3 body."""

    def read(self, size: int, /) -> bytes | None: ...

    def close(self) -> None: ...


class RawStream(io.RawIOBase):
    """An ``io.RawIOBase`` over ``source`` that stops after ``limit`` bytes, if given.

    Closing the stream closes ``source``, which for S3 returns the connection.
    """

    def __init__(self, source: ClosableSource, limit: int | None = None) -> None:
        super().__init__()
        self._source = source
        self._remaining = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        want = len(view) if self._remaining is None else min(len(view), self._remaining)
        if want == 0:
            return 0
        data = self._source.read(want)
        if data is None:
            raise OSError("non-blocking sources that have no data ready are not supported")
        count = len(data)
        view[:count] = data
        if self._remaining is not None:
            self._remaining -= count
        return count

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


def buffered_stream(source: ClosableSource, limit: int | None = None) -> BinaryIO:
    """Wrap ``source`` as a buffered binary stream of at most ``limit`` bytes."""
    return io.BufferedReader(RawStream(source, limit), buffer_size=CHUNK_SIZE)
