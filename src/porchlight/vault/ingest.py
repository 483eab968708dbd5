"""Resumable, checked uploads: how encrypted parts become a clip, all or nothing."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from porchlight.authz import Action, Actor, HouseholdRes, require
from porchlight.blobs.base import BlobStore
from porchlight.crypto import DecryptionError, Identity, Recipient
from porchlight.db import utcnow
from porchlight.errors import Conflict, InvalidInput, NotFound
from porchlight.homes import service as homes
from porchlight.ids import new_id
from porchlight.vault import uploads
from porchlight.vault.common import CONTENT_TYPES, HOUSEHOLD, VAULT, PayloadTooLarge, VaultLimits
from porchlight.vault.keys import unwrap, wrap
from porchlight.vault.models import (
    Clip,
    HouseholdKey,
    Upload,
    VaultObject,
    WrappedKey,
)
from porchlight.vault.schemas import PartIn, UploadIn


class Ingest:
    """The upload use cases of :class:`porchlight.vault.service.Vault`."""

    blobs: BlobStore
    identity: Identity
    previous: list[Identity]
    upload_dir: Path
    limits: VaultLimits

    @property
    def recipient(self) -> Recipient:
        """The vault's public key: clips' keys are wrapped to it in standard mode."""
        return self.identity.recipient

    def _vault_recipients(self) -> set[str]:
        """The vault's public key, and during a rotation the previous one: an event a
        hub encrypted before the rotation is still accepted (and re-wrapped)."""
        return {str(self.recipient)} | {str(old.recipient) for old in self.previous}

    def unwrap_vault_key(self, key: WrappedKey) -> Identity:
        """Open an object's key wrapped to the vault.  During a master-key rotation a key
        still wrapped to the previous master key opens too, and is re-wrapped to the
        current one in the caller's transaction: keys move as clips are used, and
        :meth:`Vault.rewrap` moves the rest."""
        try:
            return unwrap(key.wrapped, self.identity)
        except DecryptionError:
            if not self.previous:
                raise
        for old in self.previous:
            try:
                identity = unwrap(key.wrapped, old)
            except DecryptionError:
                continue
            key.wrapped, key.recipient = wrap(identity, self.recipient), str(self.recipient)
            return identity
        raise DecryptionError(
            "the wrapped key opens with neither the vault's key nor the previous one"
        )

    def household_recipients(self, db: Session, household_id: str) -> list[str]:
        """The household's active end-to-end public keys."""
        stmt = select(HouseholdKey.recipient).where(
            HouseholdKey.household_id == household_id, HouseholdKey.retired_at.is_(None)
        )
        return list(db.scalars(stmt))

    # -- uploads -------------------------------------------------------------------

    def start_upload(self, db: Session, actor: Actor, data: UploadIn) -> Upload:
        """Begin a resumable upload; the same idempotency key returns the same upload."""
        camera = homes.get_camera(db, actor, data.camera_id)
        require(actor, Action.CLIP_UPLOAD, HouseholdRes(camera.household_id))
        existing = db.scalar(
            select(Upload).where(
                Upload.household_id == camera.household_id,
                Upload.idempotency_key == data.idempotency_key,
            )
        )
        if existing is not None:
            return existing
        self._check_upload(db, camera.household_id, data)
        parts = {"media": self._part(data.media)}
        if data.thumbnail is not None:
            parts["thumbnail"] = self._part(data.thumbnail)
        upload = Upload(
            household_id=camera.household_id,
            camera_id=camera.id,
            user_id=actor.user_id,
            idempotency_key=data.idempotency_key,
            started_at=data.started_at,
            ended_at=data.ended_at,
            labels=sorted(set(data.labels)),
            parts=parts,
            expires_at=utcnow() + timedelta(hours=self.limits.upload_hours),
        )
        db.add(upload)
        db.flush()
        return upload

    @staticmethod
    def _part(part: PartIn) -> dict[str, object]:
        return {
            "size": part.size,
            "sha256": part.sha256,
            "received": 0,
            "keys": [k.model_dump() for k in part.keys],
        }

    def _check_upload(self, db: Session, household_id: str, data: UploadIn) -> None:
        seconds = (data.ended_at - data.started_at).total_seconds()
        if not 0 < seconds <= self.limits.max_clip_seconds:
            raise InvalidInput(
                f"A clip must end after it starts and last at most "
                f"{self.limits.max_clip_seconds} seconds.",
                field_loc=["body", "ended_at"],
            )
        if data.media.size > self.limits.max_clip_bytes:
            raise PayloadTooLarge(f"A clip may be at most {self.limits.max_clip_bytes} bytes.")
        if data.thumbnail and data.thumbnail.size > self.limits.max_thumbnail_bytes:
            raise PayloadTooLarge(
                f"A thumbnail may be at most {self.limits.max_thumbnail_bytes} bytes."
            )
        used = (
            db.scalar(
                select(func.coalesce(func.sum(VaultObject.size), 0)).where(
                    VaultObject.household_id == household_id
                )
            )
            or 0
        )
        if used + data.media.size > self.limits.household_quota_bytes:
            raise PayloadTooLarge("This household's storage quota is full; delete some clips.")
        e2e = homes.household_of(db, household_id).e2e_enabled
        own = set(self.household_recipients(db, household_id))
        for name, part in (("media", data.media), ("thumbnail", data.thumbnail)):
            if part is not None:
                self._check_keys(name, part, e2e, own)

    def _check_keys(self, name: str, part: PartIn, e2e: bool, own: set[str]) -> None:
        holders: dict[str, str] = {k.holder: k.recipient for k in part.keys}
        loc: list[str | int] = ["body", name, "keys"]
        if e2e:
            if VAULT in holders:
                raise InvalidInput(
                    "End-to-end mode is on: no key may be wrapped to the vault.", field_loc=loc
                )
            if holders.get(HOUSEHOLD) not in own:
                raise InvalidInput("Wrap the key to the household's registered key.", field_loc=loc)
        elif holders.get(VAULT) not in self._vault_recipients():
            raise InvalidInput(
                "Wrap the key to the vault's recipient (GET the household's vault info).",
                field_loc=loc,
            )

    def get_upload(self, db: Session, actor: Actor, upload_id: str) -> Upload:
        """An upload of the actor's household, to see how far it got."""
        require(actor, Action.HOUSEHOLD_LIST)
        upload = db.get(Upload, upload_id)
        if upload is None or upload.household_id not in actor.household_ids:
            raise NotFound("No such upload.")
        require(actor, Action.CLIP_UPLOAD, HouseholdRes(upload.household_id))
        return upload

    def part_path(self, upload_id: str, part: str) -> Path:
        """Where the bytes of an upload's part are gathered (encrypted, as uploaded)."""
        return self.upload_dir / f"{upload_id}.{part}"

    def receive(
        self, db: Session, actor: Actor, upload_id: str, part: str, offset: int, body: BinaryIO
    ) -> Upload:
        """Append bytes at ``offset`` of a part.  Resuming: send from ``received`` on."""
        upload = self.get_upload(db, actor, upload_id)
        if part not in upload.parts:
            raise NotFound(f"This upload has no {part} part.")
        state = dict(upload.parts[part])
        size, received = int(str(state["size"])), int(str(state["received"]))
        if offset != received:
            raise Conflict(f"Send the {part} from byte {received}; {offset} was given.")
        path = self.part_path(upload.id, part)
        with path.open("r+b" if path.exists() else "wb") as f:
            f.truncate(received)
            f.seek(received)
            while chunk := body.read(1024 * 1024):
                received += len(chunk)
                if received > size:
                    raise InvalidInput(
                        f"The {part} is longer than the {size} bytes announced.",
                        field_loc=["body", part],
                    )
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        upload.parts = {**upload.parts, part: {**state, "received": received}}
        return upload

    def complete(self, db: Session, actor: Actor, upload_id: str) -> Clip:
        """Check every part and turn the upload into a clip, all or nothing."""
        upload = self.get_upload(db, actor, upload_id)
        if upload.clip_id is not None:
            clip = db.get(Clip, upload.clip_id)
            if clip is not None:
                return clip
        clip = Clip(
            id=new_id(),
            household_id=upload.household_id,
            camera_id=upload.camera_id,
            started_at=upload.started_at,
            ended_at=upload.ended_at,
            labels=upload.labels,
            uploaded_by=actor.user_id,
            idempotency_key=upload.idempotency_key,
            media_id="",
            thumbnail_id=None,
        )
        clip.e2e = homes.household_of(db, upload.household_id).e2e_enabled
        stored: list[str] = []
        try:
            objects = {
                name: self._store_part(db, upload, clip, name, stored) for name in upload.parts
            }
        except BaseException:
            for key in stored:  # Nothing half-written stays behind.
                self.blobs.delete(key)
            raise
        clip.media_id = objects["media"].id
        clip.thumbnail_id = objects["thumbnail"].id if "thumbnail" in objects else None
        db.add(clip)
        db.flush()
        upload.clip_id = clip.id
        for name in upload.parts:
            self.part_path(upload.id, name).unlink(missing_ok=True)
        return clip

    def _store_part(
        self, db: Session, upload: Upload, clip: Clip, name: str, stored: list[str]
    ) -> VaultObject:
        state = upload.parts[name]
        path = self.part_path(upload.id, name)
        if int(str(state["received"])) != int(str(state["size"])) or not path.exists():
            raise Conflict(
                f"The {name} is incomplete: {state['received']} of {state['size']} bytes received."
            )
        if uploads.file_sha256(path) != state["sha256"]:
            raise InvalidInput(f"The {name} does not match its SHA-256.", field_loc=["body", name])
        header_size = uploads.age_header_size(path, name)
        keys = [
            WrappedKey(
                holder=k["holder"], recipient=k["recipient"], wrapped=base64.b64decode(k["wrapped"])
            )
            for k in cast(list[dict[str, str]], state["keys"])
        ]
        plaintext_size = None
        vault_key = next((k for k in keys if k.holder == VAULT), None)
        if vault_key is not None:
            try:
                identity = self.unwrap_vault_key(vault_key)
            except ValueError as exc:
                raise InvalidInput(
                    f"The {name}'s vault key does not open: {exc}", field_loc=["body", name, "keys"]
                ) from exc
            plaintext_size = uploads.check_plaintext(path, identity, name)
        # Named by the upload, so a blob stored just before a crash can be matched to its
        # upload and kept while the upload lives, then swept as an orphan.
        key = f"households/{upload.household_id}/objects/{upload.id}-{name}.age"
        with path.open("rb") as f:
            info = self.blobs.put(key, f, content_type="application/octet-stream")
        stored.append(key)
        obj = VaultObject(
            household_id=upload.household_id,
            kind=name,
            blob_key=key,
            size=info.size,
            sha256=info.sha256,
            header_size=header_size,
            plaintext_size=plaintext_size,
            content_type=CONTENT_TYPES[name],
            keys=keys,
        )
        db.add(obj)
        db.flush()
        return obj
