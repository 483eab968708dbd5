"""The blob store contract: keys, errors, and the ``BlobStore`` protocol.

A blob store keeps opaque byte strings (for Porchlight: age-encrypted clips and
thumbnails) under '/'-separated keys. Every implementation promises the same
things, and ``tests/blobs/test_contract.py`` checks each of them against every
implementation:

* ``put`` streams: it never holds a whole blob in memory, whatever its size.
* ``put`` is atomic: a reader sees either the previous blob under the key or the
  complete new one, never a partial one; a failed or interrupted ``put`` leaves the
  key as it was.
* Leftovers of writes interrupted by a crash (temporary files, abandoned multipart
  uploads) are invisible to readers and removed by ``clean_incomplete``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEY_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "BlobInfo",
    "BlobKeyError",
    "BlobNotFound",
    "BlobStore",
    "ByteSource",
    "Tally",
    "check_range",
    "iter_chunks",
    "validate_key",
    "validate_prefix",
]

CHUNK_SIZE = 1024 * 1024
"""How much a store reads from a source, or from disk, at a time."""

MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 255
"""Most filesystems limit a file name to 255 bytes, so every store limits segments."""

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class BlobKeyError(ValueError):
    """A key (or list prefix) that no store accepts, or that this store cannot hold."""


class BlobNotFound(KeyError):
    """No blob is stored under the key."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What ``put`` stored: the key, its size in bytes and its SHA-256 (hex)."""

    key: str
    size: int
    sha256: str


class ByteSource(Protocol):
    """What ``put`` reads from: a binary file, ``BytesIO``, request body or pipe.

    ``read(n)`` returns at most ``n`` bytes, fewer when that is all there is for now,
    and ``b""`` at the end of the stream.
    """

    def read(self, size: int, /) -> bytes | None: ...


def iter_chunks(source: ByteSource, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield what ``source`` returns for ``read(size)`` until the end of the stream."""
    while True:
        data = source.read(size)
        if data is None:
            # A non-blocking stream with nothing ready; retrying here would spin.
            raise OSError("non-blocking sources that have no data ready are not supported")
        if not data:
            return
        yield data


class Tally:
    """Counts and hashes the bytes of a blob as they stream past."""

    def __init__(self) -> None:
        self.size = 0
        self._sha256 = hashlib.sha256()

    def update(self, data: bytes) -> None:
        """Account for the next piece of the blob."""
        self.size += len(data)
        self._sha256.update(data)

    def info(self, key: str) -> BlobInfo:
        """The ``BlobInfo`` of the blob seen so far, stored under ``key``."""
        return BlobInfo(key=key, size=self.size, sha256=self._sha256.hexdigest())


def validate_key(key: str) -> str:
    """Return ``key`` if it is a valid blob key, else raise ``BlobKeyError``.

    A key is relative and '/'-separated, at most 512 characters; each segment is
    1 to 255 characters of ``A-Z a-z 0-9 . _ -`` and does not start with a dot. The
    last rule rules out ``.`` and ``..`` and keeps hidden names (such as the local
    store's ``.tmp`` folder) for the stores themselves; ``..`` is refused anywhere.
    """
    if not isinstance(key, str) or not key:
        raise BlobKeyError("a blob key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise BlobKeyError(f"a blob key is at most {MAX_KEY_LENGTH} characters, not {len(key)}")
    if key.startswith("/"):
        raise BlobKeyError(f"a blob key is relative; {key!r} starts with '/'")
    if ".." in key:
        raise BlobKeyError(f"a blob key may not contain '..': {key!r}")
    for segment in key.split("/"):
        if (
            not _SEGMENT.fullmatch(segment)
            or segment.startswith(".")
            or len(segment) > MAX_SEGMENT_LENGTH
        ):
            raise BlobKeyError(
                f"invalid blob key {key!r}: each '/'-separated segment must be 1 to "
                f"{MAX_SEGMENT_LENGTH} characters of A-Z a-z 0-9 . _ - and not start with '.'"
            )
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if some valid key could start with it, else raise ``BlobKeyError``.

    The empty prefix (every key) is valid, and so are partial segments (``clips/ab``)
    and prefixes ending in '/'.
    """
    if prefix == "":
        return prefix
    # A prefix is a key cut anywhere: completing it with one letter must give a key.
    probe = prefix + "x" if prefix.endswith("/") else prefix
    try:
        validate_key(probe)
    except BlobKeyError as exc:
        raise BlobKeyError(f"invalid list prefix {prefix!r}: {exc}") from None
    return prefix


def check_range(start: int, end_inclusive: int, size: int) -> int:
    """Check that bytes ``start..end_inclusive`` lie within a blob of ``size`` bytes.

    Returns the length of the range. Raises ``ValueError`` otherwise: ranges are not
    clamped, so an HTTP layer resolves open-ended ranges (``bytes=100-``) against
    ``size()`` first.
    """
    if start < 0 or end_inclusive < start or end_inclusive >= size:
        raise ValueError(f"byte range {start}-{end_inclusive} is not within a blob of {size} bytes")
    return end_inclusive - start + 1


@runtime_checkable
class BlobStore(Protocol):
    """Where encrypted footage lives. Implementations: local folder and S3.

    Every method validates its key first (``BlobKeyError``); reading a key that holds
    nothing raises ``BlobNotFound``.
    """

    def put(self, key: str, source: ByteSource, *, content_type: str | None = None) -> BlobInfo:
        """Stream ``source`` to its end into the blob ``key``, atomically.

        Replaces any blob already there. If ``source.read`` raises, or the process
        dies, the key keeps its previous content (or stays absent). ``content_type``
        is kept by stores that can (S3) and ignored by the others.
        """
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the blob for streaming reads; close the stream when done."""
        ...

    def open_range(self, key: str, start: int, end_inclusive: int) -> BinaryIO:
        """Open bytes ``start..end_inclusive`` (inclusive, as in HTTP) for streaming reads.

        Raises ``ValueError`` unless ``0 <= start <= end_inclusive < size(key)``.
        """
        ...

    def read_range(self, key: str, start: int, end_inclusive: int) -> bytes:
        """Return bytes ``start..end_inclusive`` of the blob, for small ranges.

        Same checks as ``open_range``; the whole range is held in memory, so stream
        large ranges with ``open_range`` instead.
        """
        with self.open_range(key, start, end_inclusive) as stream:
            return stream.read()

    def size(self, key: str) -> int:
        """Return the blob's size in bytes."""
        ...

    def exists(self, key: str) -> bool:
        """Return whether a complete blob is stored under ``key``."""
        ...

    def delete(self, key: str) -> bool:
        """Delete the blob if there is one; return whether there was one."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield, in sorted order, the keys of the blobs that start with ``prefix``."""
        ...

    def clean_incomplete(self, older_than_seconds: float) -> int:
        """Remove leftovers of interrupted writes older than ``older_than_seconds``.

        Writes still in progress are never disturbed by the local store; for S3, pass
        an age longer than any upload can take. Returns how many leftovers went.
        """
        ...
