"""Checks on uploaded parts: the encrypted file is age, and (when the vault can open
it) the plaintext is a complete video or picture of the expected kind."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

from porchlight.crypto import DecryptionError, Identity, decrypt_stream, unwrap_file_key
from porchlight.crypto.header import read_header
from porchlight.errors import InvalidInput

CHUNK = 1024 * 1024


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def age_header_size(path: Path, part: str) -> int:
    """Parse the age header of an uploaded part; return its length in bytes."""
    with path.open("rb") as f:
        try:
            header = read_header(f)
        except (DecryptionError, ValueError) as exc:
            raise InvalidInput(
                f"The {part} is not an age-encrypted file: {exc}", field_loc=["body", part]
            ) from exc
    if not any(s.type == "X25519" for s in header.stanzas):
        raise InvalidInput(
            f"The {part} must be encrypted to an X25519 key of its own.", field_loc=["body", part]
        )
    return len(header.raw)


class _Sniffer(io.RawIOBase):
    """A write-only sink that keeps the first bytes and counts the rest."""

    def __init__(self) -> None:
        self.head = b""
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        view = memoryview(data)  # type: ignore[arg-type]
        if len(self.head) < 64:
            self.head += bytes(view[: 64 - len(self.head)])
        self.size += len(view)
        return len(view)


def looks_like(kind: str, head: bytes) -> bool:
    """Whether the first bytes are those of an MP4/QuickTime video or a JPEG/PNG picture."""
    if kind == "media":
        return len(head) >= 12 and head[4:8] == b"ftyp"
    return head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")


def check_plaintext(path: Path, identity: Identity, kind: str) -> int:
    """Decrypt a part completely (authenticating every chunk) without keeping the plaintext.

    Returns the plaintext size.  A truncated or tampered file, or one that is not the
    expected kind of media, is refused.
    """
    sink = _Sniffer()
    label = "video" if kind == "media" else "thumbnail"
    with path.open("rb") as f:
        try:
            decrypt_stream(f, sink, identity)
        except DecryptionError as exc:
            raise InvalidInput(
                f"The {label} is truncated or damaged: {exc}", field_loc=["body", kind]
            ) from exc
    if not looks_like(kind, sink.head):
        expected = "an MP4 video" if kind == "media" else "a JPEG or PNG picture"
        raise InvalidInput(f"The {label} is not {expected}.", field_loc=["body", kind])
    return sink.size


def opens_with(source: BinaryIO, identity: Identity) -> bool:
    """Whether ``identity`` opens the age header at the start of ``source``."""
    try:
        unwrap_file_key(source, identity)
    except DecryptionError:
        return False
    return True
