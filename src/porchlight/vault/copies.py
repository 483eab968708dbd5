"""Derived copies of clips: what an owner shares is a copy with a key of its own.

Sharing never hands out the clip's own key.  The copy is decrypted and re-encrypted
chunk by chunk (optionally through a redactor), so no plaintext touches the disk
except inside a redactor's own temporary work, and destroying the copy (its key, then
its blob) leaves the owner's clip untouched.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from porchlight.crypto import encrypt_stream
from porchlight.db import flush_deleted
from porchlight.errors import Conflict, NotFound, PorchlightError
from porchlight.ids import new_id
from porchlight.vault import uploads
from porchlight.vault.common import VAULT
from porchlight.vault.keys import new_object_key, wrap
from porchlight.vault.models import AccessEvent, Clip, VaultObject, WrappedKey
from porchlight.vault.service import Vault
from porchlight.video.errors import VideoError

log = logging.getLogger("porchlight.vault")


class Redactor(Protocol):
    """Reads a plaintext MP4 and writes a redacted MP4: faces and plates blurred, audio
    removed unless ``keep_audio``.  Provided by the video pipeline."""

    def __call__(self, source: Path, destination: Path, *, keep_audio: bool = False) -> None: ...


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def check_copyable(clip: Clip) -> None:
    """Refuse (409) a clip the server cannot open: an end-to-end encrypted one."""
    if clip.e2e or not any(k.holder == VAULT for k in clip.media.keys):
        raise Conflict(
            "This clip is end-to-end encrypted: the server cannot make a copy. "
            "Share it from your own device."
        )


class CopyFailed(Exception):
    """A copy could not be made; ``str()`` says why, for the owner."""


def attempt_copy(
    vault: Vault,
    db: Session,
    clip: Clip,
    kind: str,
    redactor: Redactor | None = None,
    *,
    keep_audio: bool = False,
) -> VaultObject:
    """:func:`make_copy` for background work: any failure becomes :class:`CopyFailed`
    with a reason people can read (a problem's or a video error's own words; anything
    else is logged and described generically)."""
    try:
        return make_copy(vault, db, clip, kind, redactor, keep_audio=keep_audio)
    except (VideoError, PorchlightError) as exc:
        raise CopyFailed(f"The copy could not be made: {exc}") from exc
    except Exception as exc:
        log.exception("a %s copy of clip %s failed", kind, clip.id)
        raise CopyFailed("The copy could not be made because of an error on the server.") from exc


def make_copy(
    vault: Vault,
    db: Session,
    clip: Clip,
    kind: str,
    redactor: Redactor | None = None,
    *,
    keep_audio: bool = False,
) -> VaultObject:
    """Store a copy of a clip's video under a fresh key wrapped to the vault (through
    ``redactor`` when given, keeping the sound only with ``keep_audio``)."""
    check_copyable(clip)
    identity = new_object_key()
    object_id = new_id()
    key = f"households/{clip.household_id}/objects/{object_id}-{kind}.age"
    with tempfile.TemporaryDirectory(dir=vault.upload_dir) as tmp:
        sealed = Path(tmp) / "copy.age"
        source = vault.open_object(clip.media, None)
        with sealed.open("wb") as out:
            if redactor is None:
                encrypt_stream(
                    io.BufferedReader(_ChunkReader(source.chunks)), out, identity.recipient
                )
            else:
                plain, redacted = Path(tmp) / "in.mp4", Path(tmp) / "out.mp4"
                with plain.open("wb") as f:
                    for chunk in source.chunks:
                        f.write(chunk)
                redactor(plain, redacted, keep_audio=keep_audio)
                plain.unlink()
                with redacted.open("rb") as f:
                    encrypt_stream(f, out, identity.recipient)
        header_size = uploads.age_header_size(sealed, "media")
        with sealed.open("rb") as f:
            info = vault.blobs.put(key, f, content_type="application/octet-stream")
    obj = VaultObject(
        id=object_id,
        household_id=clip.household_id,
        kind=kind,
        blob_key=key,
        size=info.size,
        sha256=info.sha256,
        header_size=header_size,
        plaintext_size=None,
        content_type="video/mp4",
        keys=[
            WrappedKey(
                holder=VAULT,
                recipient=str(vault.recipient),
                wrapped=wrap(identity, vault.recipient),
            )
        ],
    )
    db.add(obj)
    db.flush()
    return obj


def destroy_object(vault: Vault, db: Session, object_id: str) -> None:
    """Crypto-shred a copy: its key first (committed), then its blob, then its record."""
    obj = db.get(VaultObject, object_id)
    if obj is None:
        raise NotFound("No such object.")
    obj.keys.clear()
    db.flush()
    db.commit()
    flush_deleted(db)
    vault.blobs.delete(obj.blob_key)
    db.delete(obj)
    db.flush()


def log_access(
    db: Session,
    household_id: str,
    clip_id: str,
    actor_user_id: str | None,
    actor_role: str,
    label: str,
    action: str,
    purpose: str,
) -> None:
    """Record an access by someone outside the household (an agency) in its access log."""
    db.add(
        AccessEvent(
            household_id=household_id,
            clip_id=clip_id,
            actor_user_id=actor_user_id,
            actor_role=actor_role,
            actor_label=label,
            action=action,
            purpose=purpose,
        )
    )
