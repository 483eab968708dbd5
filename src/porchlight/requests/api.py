"""JSON routes for police requests: the agency's side and the owner's inbox."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from porchlight.authz import Actor
from porchlight.errors import Unauthenticated
from porchlight.requests.models import FootageRequest, Share
from porchlight.requests.schemas import (
    CountsOut,
    ExtensionIn,
    InboxItemOut,
    RequestIn,
    RequestOut,
    ResponseIn,
    ShareOut,
)
from porchlight.requests.service import Counts, Requests
from porchlight.web.context import context
from porchlight.web.deps import API_ACTOR, DB
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(prefix="/api/v1", tags=["requests"])


def service(request: Request) -> Requests:
    return context(request).requests


def share_out(share: Share) -> ShareOut:
    return ShareOut(
        id=share.id,
        request_id=share.request_id,
        clip_started_at=share.clip_started_at,
        clip_ended_at=share.clip_ended_at,
        redacted=share.redacted,
        with_audio=share.with_audio or not share.redacted,
        expires_at=share.expires_at,
        status=share.state,
        failure=share.failure,
    )


def request_out(
    item: FootageRequest,
    actor: Actor,
    counts: Counts | None = None,
    shares: list[Share] | None = None,
) -> RequestOut:
    return RequestOut(
        id=item.id,
        agency_id=item.agency_id,
        case_number=item.case_number,
        incident_type=item.incident_type,
        justification=item.justification,
        incident_at=item.incident_at,
        window_start=item.window_start,
        window_end=item.window_end,
        area=item.area,
        area_sq_mi=item.area_sq_mi,
        contact=item.contact,
        status=item.status,
        created_at=item.created_at,
        approved_at=item.approved_at,
        answer_by=item.answer_by,
        closed_at=item.closed_at,
        created_by_you=item.created_by == actor.user_id,
        counts=CountsOut(**vars(counts)) if counts else None,
        shares=[share_out(s) for s in shares or []],
    )


@router.get("/agency/requests", response_model=list[RequestOut])
def agency_requests(
    request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> list[RequestOut]:
    """Your agency's requests (officers and supervisors)."""
    return [request_out(r, actor) for r in service(request).agency_requests(db, actor)]


@router.post("/agency/requests", response_model=RequestOut, status_code=201)
def draft_request(
    body: RequestIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> RequestOut:
    """Draft a request; nothing goes out until a supervisor approves it."""
    return request_out(service(request).draft(db, actor, body), actor)


@router.get("/agency/requests/{request_id}", response_model=RequestOut)
def agency_request(
    request_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> RequestOut:
    """A request's status, counts of households, and the shares it received."""
    item, counts, shares = service(request).agency_request(db, actor, request_id)
    return request_out(item, actor, counts, shares)


@router.post("/agency/requests/{request_id}/approve", response_model=RequestOut)
def approve_request(
    request_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> RequestOut:
    """Approve a colleague's draft (supervisors); it then reaches households."""
    item = service(request).approve(db, actor, request_id)
    return request_out(item, actor, service(request).counts(db, item.id))


@router.post("/agency/requests/{request_id}/close", response_model=RequestOut)
def close_request(
    request_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> RequestOut:
    """Mark a request resolved; it stays in the record."""
    return request_out(service(request).close(db, actor, request_id), actor)


@router.get("/agency/shares/{share_id}", response_model=ShareOut)
def agency_share(
    share_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> ShareOut:
    """A shared clip's terms and expiry."""
    return share_out(service(request).agency_share(db, actor, share_id))


@router.get("/agency/shares/{share_id}/media", response_class=StreamingResponse)
def agency_share_media(
    share_id: str,
    request: Request,
    range: str | None = Header(None),
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> StreamingResponse:
    """The shared video (range requests work).  Every view is recorded for the owner."""
    wanted = parse_range(range)
    stream = service(request).share_media(db, actor, share_id, wanted)
    return stream_response(stream, wanted is not None)


def watermarked_download(
    request: Request, db: Session, actor: Actor, share_id: str
) -> StreamingResponse:
    """Render a watermarked copy into a private temporary folder and stream it once."""
    if actor.user_id is None:
        raise Unauthenticated()
    vault = context(request).vault
    folder = Path(tempfile.mkdtemp(dir=vault.upload_dir))
    try:
        user = context(request).accounts.get_user(db, actor, actor.user_id)
        path = service(request).share_download(
            db, actor, share_id, f"{user.display_name} ({user.id[:8]})", folder
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    def chunks() -> Iterator[bytes]:
        try:
            with path.open("rb") as f:
                while data := f.read(1024 * 1024):
                    yield data
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return StreamingResponse(
        chunks(),
        media_type="video/mp4",
        headers={
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="share-{share_id}.mp4"',
        },
    )


@router.get("/agency/shares/{share_id}/download", response_class=StreamingResponse)
def agency_share_download(
    share_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> StreamingResponse:
    """Download the shared video, watermarked with who downloaded it.  Recorded."""
    return watermarked_download(request, db, actor, share_id)


@router.post("/agency/shares/{share_id}/extend", response_model=ShareOut)
def extend_share(
    share_id: str, body: ExtensionIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> ShareOut:
    """Extend a share of an open case (supervisors), with a recorded reason."""
    return share_out(service(request).extend(db, actor, share_id, body))


def _inbox_item(svc: Requests, db: Session, actor: Actor, request_id: str) -> InboxItemOut:
    item, recipient, agency, clips = svc.inbox_item(db, actor, request_id)
    return InboxItemOut(
        request_id=item.id,
        agency_name=agency.name,
        agency_policy_url=agency.policy_url,
        agency_retention_days=agency.retention_days,
        share_expires_in_days=svc.share_days(agency),
        case_number=item.case_number,
        incident_type=item.incident_type,
        justification=item.justification,
        window_start=item.window_start,
        window_end=item.window_end,
        answer_by=item.answer_by,
        your_answer=recipient.answer,
        your_clip_ids=[c.id for c in clips],
        your_shares=[share_out(s) for s in svc.my_shares(db, actor, request_id)],
    )


@router.get("/inbox/requests", response_model=list[InboxItemOut])
def inbox(request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> list[InboxItemOut]:
    """Requests that reached your household.  Silence is a no."""
    svc = service(request)
    return [_inbox_item(svc, db, actor, item.id) for item, _ in svc.inbox(db, actor)]


@router.get("/inbox/requests/{request_id}", response_model=InboxItemOut)
def inbox_item(
    request_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> InboxItemOut:
    """One request, its agency's policy and retention, your clips in its window and
    what you shared (with each copy's state)."""
    return _inbox_item(service(request), db, actor, request_id)


@router.post("/inbox/requests/{request_id}/response", response_model=list[ShareOut])
def respond(
    request_id: str,
    body: ResponseIn,
    request: Request,
    background: BackgroundTasks,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> list[ShareOut]:
    """Share chosen clips (redacted copies by default) or decline (owners).

    Shares start as ``preparing``: their copies are made right after this answer
    (redaction takes a while for long clips) and become ``available``."""
    shares = service(request).respond(db, actor, request_id, body)
    prepare_after(request, background, shares)
    return [share_out(s) for s in shares]


def prepare_after(request: Request, background: BackgroundTasks, shares: list[Share]) -> None:
    """Make the shares' copies once the answer is committed and the response sent."""
    if shares:
        web = context(request)
        background.add_task(web.requests.prepare_soon, web.sessions, [s.id for s in shares])


@router.post("/inbox/shares/{share_id}/revoke", response_model=ShareOut)
def revoke_share(
    share_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> ShareOut:
    """Take a share back before the agency first opens it (owners)."""
    return share_out(service(request).revoke(db, actor, share_id))


@router.post("/inbox/shares/{share_id}/retry", response_model=ShareOut)
def retry_share(
    share_id: str,
    request: Request,
    background: BackgroundTasks,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> ShareOut:
    """Try again to make a share's copy that could not be made (owners); 409 otherwise."""
    share = service(request).retry(db, actor, share_id)
    prepare_after(request, background, [share])
    return share_out(share)
