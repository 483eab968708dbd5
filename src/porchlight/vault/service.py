"""Vault use cases: resumable encrypted uploads, clips, playback, export, deletion,
retention and the access log.  The only code that writes the vault tables."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from porchlight.authz import Action, Actor, HouseholdRes, require
from porchlight.blobs.base import BlobStore
from porchlight.crypto import DecryptionError, Identity, unwrap_file_key
from porchlight.crypto.seek import PayloadLayout, decrypt_range, payload_layout
from porchlight.crypto.stream import CHUNK_SIZE, PAYLOAD_NONCE_SIZE
from porchlight.db import flush_deleted, utcnow
from porchlight.errors import Conflict, Forbidden, InvalidInput, NotFound, PorchlightError
from porchlight.homes import service as homes
from porchlight.homes.schemas import SettingsIn
from porchlight.pagination import Page, paginate
from porchlight.transparency import service as transparency
from porchlight.vault.common import HOUSEHOLD, LOGGED_AS, VAULT, VaultLimits
from porchlight.vault.ingest import Ingest
from porchlight.vault.models import (
    AccessEvent,
    Clip,
    HouseholdKey,
    Upload,
    VaultObject,
    WrappedKey,
)
from porchlight.vault.schemas import HouseholdKeyIn


@dataclass
class MediaStream:
    """A decrypted byte range of a clip, ready to send."""

    chunks: Iterator[bytes]
    start: int
    end: int
    total: int
    content_type: str


class Vault(Ingest):
    """The footage vault, configured once with its blob store and its own key."""

    def __init__(
        self,
        blobs: BlobStore,
        identity: Identity,
        upload_dir: Path,
        limits: VaultLimits,
        previous: Sequence[Identity] = (),
    ) -> None:
        self.blobs = blobs
        self.identity = identity
        # Keys of earlier master keys, during a rotation: they still open, never wrap.
        self.previous = list(previous)
        self.upload_dir = upload_dir
        self.limits = limits
        upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    # -- keys and modes ------------------------------------------------------------

    def info(self, db: Session, actor: Actor, household_id: str) -> tuple[bool, list[str]]:
        """Whether the household is in end-to-end mode, and its public keys."""
        home = homes.get_household(db, actor, household_id)
        return home.e2e_enabled, self.household_recipients(db, household_id)

    def register_key(
        self, db: Session, actor: Actor, household_id: str, data: HouseholdKeyIn
    ) -> HouseholdKey:
        """Register the owner's end-to-end key and turn end-to-end mode on (owners).

        From then on new clips must be encrypted to this key only; the server keeps
        no key that opens them.  Earlier keys are retired.
        """
        require(actor, Action.VAULT_KEYS, HouseholdRes(household_id))
        now = utcnow()
        for old in db.scalars(
            select(HouseholdKey).where(
                HouseholdKey.household_id == household_id, HouseholdKey.retired_at.is_(None)
            )
        ):
            old.retired_at = now
        recovery = base64.b64decode(data.recovery) if data.recovery else None
        key = HouseholdKey(household_id=household_id, recipient=data.recipient, recovery=recovery)
        db.add(key)
        homes.update_settings(
            db, actor, household_id, SettingsIn(e2e_enabled=True), _end_to_end_key_registered=True
        )
        db.flush()
        return key

    def recovery(self, db: Session, actor: Actor, household_id: str) -> HouseholdKey:
        """The active key's passphrase-encrypted backup (owners)."""
        require(actor, Action.VAULT_KEYS, HouseholdRes(household_id))
        stmt = select(HouseholdKey).where(
            HouseholdKey.household_id == household_id, HouseholdKey.retired_at.is_(None)
        )
        key = db.scalar(stmt)
        if key is None or key.recovery is None:
            raise NotFound("This household has no recovery backup.")
        return key

    # -- clips ---------------------------------------------------------------------

    def list_clips(
        self, db: Session, actor: Actor, household_id: str | None, cursor: str | None, limit: int
    ) -> Page[Clip]:
        """Clips of one household, or of all the actor's households, oldest first."""
        require(actor, Action.HOUSEHOLD_LIST)
        ids = [household_id] if household_id else sorted(actor.household_ids)
        for hid in ids:
            require(actor, Action.CLIP_READ, HouseholdRes(hid))
        stmt = select(Clip).where(Clip.household_id.in_(ids))
        return paginate(db, stmt, Clip.id, cursor, limit)

    def get_clip(self, db: Session, actor: Actor, clip_id: str) -> Clip:
        """One clip of a household the actor belongs to."""
        clip = db.get(Clip, clip_id)
        if clip is None:
            raise NotFound("No such clip.")
        try:
            require(actor, Action.CLIP_READ, HouseholdRes(clip.household_id))
        except NotFound:
            raise NotFound("No such clip.") from None
        return clip

    def latest_still(self, db: Session, actor: Actor, camera_id: str) -> str | None:
        """The newest clip of a camera with a thumbnail the server may open, if any."""
        camera = homes.get_camera(db, actor, camera_id)
        require(actor, Action.CLIP_READ, HouseholdRes(camera.household_id))
        stmt = (
            select(Clip.id)
            .where(Clip.camera_id == camera.id, Clip.e2e.is_(False), Clip.thumbnail_id.is_not(None))
            .order_by(Clip.started_at.desc())
            .limit(1)
        )
        return db.scalar(stmt)

    def _object(self, clip: Clip, part: str) -> VaultObject:
        obj = clip.media if part == "media" else clip.thumbnail
        if obj is None:
            raise NotFound(f"This clip has no {part}.")
        return obj

    def _log(self, db: Session, actor: Actor, clip: Clip, action: str, purpose: str) -> None:
        db.add(
            AccessEvent(
                household_id=clip.household_id,
                clip_id=clip.id,
                actor_user_id=actor.user_id,
                actor_role=actor.role.value,
                actor_label=_label(actor, clip.household_id),
                action=action,
                purpose=purpose,
            )
        )
        # The public log gets only a commitment; the household's "My record" opens it.
        who = "owner" if clip.household_id in actor.household_ids else "staff"
        transparency.record(
            db,
            f"{who}:clip:{LOGGED_AS.get(action, action)}",
            household_id=clip.household_id,
            detail={"clip_id": clip.id, "by": actor.role.value, "purpose": purpose[:500]},
        )

    def _open_identity(self, obj: VaultObject) -> Identity:
        vault_key = next((k for k in obj.keys if k.holder == VAULT), None)
        if vault_key is None:
            raise Conflict(
                "This clip is end-to-end encrypted: the server cannot open it. "
                "Play or export it with `porchlight clip export` and your key."
            )
        return self.unwrap_vault_key(vault_key)

    def stream(
        self,
        db: Session,
        actor: Actor,
        clip_id: str,
        part: str,
        byte_range: tuple[int | None, int | None] | None,
        purpose: str,
    ) -> MediaStream:
        """Decrypt a clip's video or thumbnail (whole, or one byte range) and log it."""
        clip = self.get_clip(db, actor, clip_id)
        obj = self._object(clip, part)
        self._log(db, actor, clip, "view" if part == "media" else "thumbnail", purpose)
        return self.open_object(obj, byte_range)

    def open_object(
        self, obj: VaultObject, byte_range: tuple[int | None, int | None] | None
    ) -> MediaStream:
        """Decrypt a stored object (whole, or one byte range).  Callers log the access."""
        identity = self._open_identity(obj)
        with self.blobs.open_range(obj.blob_key, 0, obj.header_size - 1) as head:
            _, file_key = unwrap_file_key(head, identity)
        layout = payload_layout(obj.header_size, obj.size)
        start, end = _resolve_range(byte_range, layout.plaintext_size)
        return MediaStream(
            self._chunks(obj.blob_key, obj.size, file_key, layout, start, end),
            start,
            end,
            layout.plaintext_size,
            obj.content_type,
        )

    def _chunks(
        self,
        blob_key: str,
        file_size: int,
        file_key: bytes,
        layout: PayloadLayout,
        start: int,
        end: int,
    ) -> Iterator[bytes]:
        nonce_at = layout.payload_offset
        nonce = self.blobs.read_range(blob_key, nonce_at, nonce_at + PAYLOAD_NONCE_SIZE - 1)
        first = layout.chunk_offset(start // CHUNK_SIZE)
        last = min(layout.chunk_offset(end // CHUNK_SIZE + 1), file_size) - 1
        # One ranged read for the sealed chunks that cover the range, consumed in order.
        with self.blobs.open_range(blob_key, first, last) as sealed:

            def read_at(offset: int, length: int) -> bytes:
                if offset == nonce_at and length == PAYLOAD_NONCE_SIZE:
                    return nonce
                return _read_exact(sealed, length)

            yield from decrypt_range(read_at, file_key, layout, start, end)

    def clip_key(
        self, db: Session, actor: Actor, clip_id: str
    ) -> tuple[str | None, WrappedKey | None]:
        """What opens a clip for its owner: its identity (standard) or its wrapped key (e2e).

        Handing out a clip's identity is a decryption by the server and is logged.
        """
        clip = self.get_clip(db, actor, clip_id)
        require(actor, Action.CLIP_EXPORT, HouseholdRes(clip.household_id))
        media = clip.media
        own = next((k for k in media.keys if k.holder == HOUSEHOLD), None)
        if any(k.holder == VAULT for k in media.keys):
            identity = self._open_identity(media)
            self._log(db, actor, clip, "export", "owner export")
            return identity.encode(), own
        self._log(
            db, actor, clip, "download", "owner export (end-to-end; opened on the owner's device)"
        )
        return None, own

    def open_ciphertext(self, db: Session, actor: Actor, clip_id: str) -> tuple[Clip, BinaryIO]:
        """The clip's encrypted file as stored (an age file)."""
        clip = self.get_clip(db, actor, clip_id)
        require(actor, Action.CLIP_EXPORT, HouseholdRes(clip.household_id))
        return clip, self.blobs.open(clip.media.blob_key)

    def delete_clip(self, db: Session, actor: Actor, clip_id: str) -> None:
        """Delete a clip for good: keys first, then blobs, then the record (owners)."""
        clip = self.get_clip(db, actor, clip_id)
        require(actor, Action.CLIP_DELETE, HouseholdRes(clip.household_id))
        self._log(db, actor, clip, "delete", "deleted by the owner")
        self.shred(db, clip)

    def shred(self, db: Session, clip: Clip) -> None:
        """Crypto-shred a clip: its wrapped keys are deleted and committed before its blobs.

        Once the keys are gone the blobs are unreadable noise, so a crash between the
        two steps leaves nothing that can be opened; orphan blobs are swept later.
        """
        objects = [o for o in (clip.media, clip.thumbnail) if o is not None]
        for obj in objects:
            obj.keys.clear()  # delete-orphan: the wrapped keys are deleted
        db.flush()
        db.commit()
        flush_deleted(db)
        for obj in objects:
            self.blobs.delete(obj.blob_key)
        db.delete(clip)
        db.flush()
        for obj in objects:
            db.delete(obj)

    def access_log(
        self, db: Session, actor: Actor, household_id: str | None, cursor: str | None, limit: int
    ) -> Page[AccessEvent]:
        """Every decryption, download and deletion of the household's clips.

        Without ``household_id``, the actor's only household.
        """
        require(actor, Action.HOUSEHOLD_LIST)
        if household_id is None:
            if not actor.household_ids:
                raise Forbidden("You belong to no household.")
            if len(actor.household_ids) != 1:
                raise InvalidInput(
                    "Name the household: household_id.", field_loc=["query", "household_id"]
                )
            household_id = next(iter(actor.household_ids))
        require(actor, Action.CLIP_READ, HouseholdRes(household_id))
        stmt = select(AccessEvent).where(AccessEvent.household_id == household_id)
        return paginate(db, stmt, AccessEvent.id, cursor, limit)

    # -- housekeeping ----------------------------------------------------------------

    def rewrap(self, db: Session, batch: int = 200) -> tuple[int, int]:
        """After a master-key rotation: re-wrap every object key still wrapped to the
        previous master key to the current one.

        Keys are found by the recipient recorded beside them, and each batch is
        committed, so an interrupted run goes on where it stopped and a second run
        finds nothing to do.  Returns (re-wrapped, keys that open with no known key).
        """
        current = str(self.recipient)
        rewrapped = unopened = 0
        after = ""
        while True:
            stmt = (
                select(WrappedKey)
                .where(
                    WrappedKey.holder == VAULT,
                    WrappedKey.recipient != current,
                    WrappedKey.id > after,
                )
                .order_by(WrappedKey.id)
                .limit(batch)
            )
            keys = list(db.scalars(stmt))
            if not keys:
                break
            for key in keys:
                after = key.id
                try:
                    self.unwrap_vault_key(key)
                except DecryptionError:
                    unopened += 1
                    continue
                key.recipient = current  # already wrapped to it, if the record was stale
                rewrapped += 1
            db.commit()
        if rewrapped:
            # In public: that the vault's key was rotated and how many keys moved.
            transparency.record(db, "system:vault:rewrapped", counts={"keys": rewrapped})
            db.commit()
        return rewrapped, unopened

    def sweep_expired(self, db: Session) -> int:
        """Shred every clip older than its household's retention.  Returns how many."""
        count = 0
        for household_id, days in homes.retention_by_household(db):
            cutoff = utcnow() - timedelta(days=days)
            stmt = select(Clip).where(Clip.household_id == household_id, Clip.ended_at < cutoff)
            for clip in list(db.scalars(stmt)):
                self.shred(db, clip)
                count += 1
            db.commit()
        return count

    def clean_leftovers(self, db: Session, older_than: timedelta = timedelta(hours=1)) -> int:
        """Remove expired uploads, their part files, and blobs no record points to."""
        removed = 0
        for upload in list(db.scalars(select(Upload).where(Upload.expires_at < utcnow()))):
            for name in upload.parts:
                self.part_path(upload.id, name).unlink(missing_ok=True)
            db.delete(upload)
            removed += 1
        known = set(db.scalars(select(VaultObject.blob_key)))
        live = set(db.scalars(select(Upload.id)))
        for key in list(self.blobs.list("households/")):
            upload_id = key.rsplit("/", 1)[-1].split("-", 1)[0]
            if key not in known and upload_id not in live:
                self.blobs.delete(key)
                removed += 1
        removed += self.blobs.clean_incomplete(older_than.total_seconds())
        db.commit()
        return removed


def _label(actor: Actor, household_id: str) -> str:
    if household_id in actor.household_ids:
        return "a member of the household"
    return {
        "officer": "an agency officer",
        "supervisor": "an agency supervisor",
        "moderator": "a moderator",
        "legal_reviewer": "a legal reviewer",
    }.get(actor.role.value, actor.role.value)


def _resolve_range(byte_range: tuple[int | None, int | None] | None, size: int) -> tuple[int, int]:
    if size == 0:
        raise InvalidInput("This clip is empty.")
    if byte_range is None:
        return 0, size - 1
    start, end = byte_range
    if start is None:  # "bytes=-N": the last N bytes
        assert end is not None
        return max(size - end, 0), size - 1
    end = size - 1 if end is None else min(end, size - 1)
    if start >= size or start > end:
        raise RangeNotSatisfiable(size)
    return start, end


class RangeNotSatisfiable(PorchlightError):
    """A byte range outside the clip."""

    def __init__(self, size: int) -> None:
        super().__init__(
            f"The clip has {size} bytes.",
            416,
            "range-not-satisfiable",
            "Range not satisfiable",
            headers={"Content-Range": f"bytes */{size}"},
        )


def _read_exact(stream: BinaryIO, length: int) -> bytes:
    data = b""
    while len(data) < length:
        chunk = stream.read(length - len(data))
        if not chunk:
            break
        data += chunk
    return data
