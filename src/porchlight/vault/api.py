"""JSON routes for uploads, clips, playback, export and the access log."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, cast

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from porchlight.accounts.schemas import PageOut
from porchlight.authz import Actor
from porchlight.errors import InvalidInput
from porchlight.vault.models import AccessEvent, Clip, HouseholdKey, Upload
from porchlight.vault.schemas import (
    AccessEventOut,
    ClipKeyOut,
    ClipOut,
    HouseholdKeyIn,
    HouseholdKeyOut,
    PartOut,
    RecoveryOut,
    UploadIn,
    UploadOut,
    VaultInfoOut,
)
from porchlight.vault.service import Vault
from porchlight.web.context import context
from porchlight.web.deps import API_ACTOR, DB
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(prefix="/api/v1", tags=["vault"])
CURSOR = Query(None, description="next_cursor of the previous page")
LIMIT = Query(50, ge=1, le=200)
SPOOL_IN_MEMORY = 8 * 1024 * 1024


def vault_of(request: Request) -> Vault:
    return context(request).vault


def clip_out(clip: Clip) -> ClipOut:
    return ClipOut(
        id=clip.id,
        household_id=clip.household_id,
        camera_id=clip.camera_id,
        started_at=clip.started_at,
        ended_at=clip.ended_at,
        duration_seconds=(clip.ended_at - clip.started_at).total_seconds(),
        labels=clip.labels,
        e2e=clip.e2e,
        size=clip.media.size,
        has_thumbnail=clip.thumbnail_id is not None,
        created_at=clip.created_at,
    )


def upload_out(upload: Upload) -> UploadOut:
    parts = {
        name: PartOut(size=int(str(p["size"])), received=int(str(p["received"])))
        for name, p in upload.parts.items()
    }
    return UploadOut(
        id=upload.id,
        status="complete" if upload.clip_id else "receiving",
        clip_id=upload.clip_id,
        parts=parts,
        expires_at=upload.expires_at,
    )


def key_out(key: HouseholdKey) -> HouseholdKeyOut:
    return HouseholdKeyOut(
        id=key.id,
        recipient=key.recipient,
        has_recovery=bool(key.recovery),
        created_at=key.created_at,
        retired_at=key.retired_at,
    )


def event_out(event: AccessEvent) -> AccessEventOut:
    return AccessEventOut(
        clip_id=event.clip_id,
        actor=event.actor_label,
        actor_role=event.actor_role,
        action=event.action,
        purpose=event.purpose,
        created_at=event.created_at,
    )


@router.get("/households/{household_id}/vault", response_model=VaultInfoOut)
def vault_info(
    household_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> VaultInfoOut:
    """How to encrypt this household's clips: to the vault (standard) or its own key (e2e)."""
    vault = vault_of(request)
    e2e, recipients = vault.info(db, actor, household_id)
    return VaultInfoOut(
        household_id=household_id,
        mode="e2e" if e2e else "standard",
        vault_recipient=None if e2e else str(vault.recipient),
        household_recipients=recipients,
    )


@router.post("/households/{household_id}/keys", response_model=HouseholdKeyOut, status_code=201)
def register_key(
    household_id: str,
    body: HouseholdKeyIn,
    request: Request,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> HouseholdKeyOut:
    """Register the household's end-to-end key and turn end-to-end mode on (owners)."""
    return key_out(vault_of(request).register_key(db, actor, household_id, body))


@router.get("/households/{household_id}/keys/recovery", response_model=RecoveryOut)
def recovery(
    household_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> RecoveryOut:
    """The key's backup, encrypted with the owner's recovery passphrase (owners)."""
    key = vault_of(request).recovery(db, actor, household_id)
    assert key.recovery is not None
    return RecoveryOut(recipient=key.recipient, recovery=base64.b64encode(key.recovery).decode())


@router.post("/uploads", response_model=UploadOut, status_code=201)
def start_upload(
    body: UploadIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> UploadOut:
    """Start (or, with the same idempotency key, resume) the upload of an encrypted clip."""
    return upload_out(vault_of(request).start_upload(db, actor, body))


@router.get("/uploads/{upload_id}", response_model=UploadOut)
def get_upload(
    upload_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> UploadOut:
    """How much of each part has arrived, to resume after an interruption."""
    return upload_out(vault_of(request).get_upload(db, actor, upload_id))


@router.put("/uploads/{upload_id}/{part}", response_model=UploadOut)
async def send_part(
    upload_id: str,
    part: str,
    request: Request,
    upload_offset: int = Header(0, ge=0, description="where these bytes start"),
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> UploadOut:
    """Send bytes of a part (`media` or `thumbnail`) starting at `Upload-Offset`."""
    if part not in ("media", "thumbnail"):
        raise InvalidInput("The part must be media or thumbnail.", field_loc=["path", "part"])
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        body = cast(BinaryIO, spool)
        upload = await run_in_threadpool(
            vault_of(request).receive, db, actor, upload_id, part, upload_offset, body
        )
    return upload_out(upload)


@router.post("/uploads/{upload_id}/complete", response_model=ClipOut, status_code=201)
def complete_upload(
    upload_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> ClipOut:
    """Check the parts and turn the upload into a clip."""
    return clip_out(vault_of(request).complete(db, actor, upload_id))


@router.get("/clips", response_model=PageOut[ClipOut])
def list_clips(
    request: Request,
    household_id: str | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> PageOut[ClipOut]:
    """Your households' clips (or one household's), oldest first."""
    page = vault_of(request).list_clips(db, actor, household_id, cursor, limit)
    return PageOut(items=[clip_out(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/clips/{clip_id}", response_model=ClipOut)
def get_clip(clip_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> ClipOut:
    """One clip's metadata."""
    return clip_out(vault_of(request).get_clip(db, actor, clip_id))


def _media(
    request: Request, db: Session, actor: Actor, clip_id: str, part: str, range_header: str | None
) -> StreamingResponse:
    wanted = parse_range(range_header)
    stream = vault_of(request).stream(db, actor, clip_id, part, wanted, "owner playback")
    return stream_response(stream, wanted is not None)


@router.get("/clips/{clip_id}/media", response_class=StreamingResponse)
def clip_media(
    clip_id: str,
    request: Request,
    range: str | None = Header(None),
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> StreamingResponse:
    """The decrypted video; HTTP range requests work, so players can seek.  Logged."""
    return _media(request, db, actor, clip_id, "media", range)


@router.get("/clips/{clip_id}/thumbnail", response_class=StreamingResponse)
def clip_thumbnail(
    clip_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> StreamingResponse:
    """The decrypted thumbnail.  Logged."""
    return _media(request, db, actor, clip_id, "thumbnail", None)


@router.get("/clips/{clip_id}/key", response_model=ClipKeyOut)
def clip_key(
    clip_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> ClipKeyOut:
    """What opens the clip outside Porchlight (owners): its age identity, or in end-to-end
    mode its key wrapped to your household key.  Logged."""
    identity, wrapped = vault_of(request).clip_key(db, actor, clip_id)
    return ClipKeyOut(
        clip_id=clip_id,
        identity=identity,
        wrapped=base64.b64encode(wrapped.wrapped).decode() if wrapped else None,
        recipient=wrapped.recipient if wrapped else None,
    )


@router.get("/clips/{clip_id}/ciphertext", response_class=StreamingResponse)
def clip_ciphertext(
    clip_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> StreamingResponse:
    """The clip's encrypted file exactly as stored: a standard age file (owners)."""
    clip, stream = vault_of(request).open_ciphertext(db, actor, clip_id)

    def chunks() -> Iterator[bytes]:
        with stream:
            while data := stream.read(1024 * 1024):
                yield data

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(clip.media.size),
            "Content-Disposition": f'attachment; filename="{clip.id}.age"',
        },
    )


@router.delete("/clips/{clip_id}", status_code=204)
def delete_clip(
    clip_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> Response:
    """Delete a clip for good: its keys are destroyed, then its blobs (owners)."""
    vault_of(request).delete_clip(db, actor, clip_id)
    return Response(status_code=204)


@router.get("/access-log", response_model=PageOut[AccessEventOut])
def access_log(
    request: Request,
    household_id: str | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> PageOut[AccessEventOut]:
    """Who decrypted, downloaded or deleted your household's footage, when and why."""
    page = vault_of(request).access_log(db, actor, household_id, cursor, limit)
    return PageOut(items=[event_out(e) for e in page.items], next_cursor=page.next_cursor)
