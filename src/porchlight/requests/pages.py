"""Pages: the owner's inbox of requests, and the agency's requests and shares."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Header, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from porchlight.homes.models import Household
from porchlight.requests.schemas import SHARE_TERMS, RequestIn, ResponseIn
from porchlight.requests.service import Requests
from porchlight.web.context import context
from porchlight.web.deps import DB, SIGNED_IN, PageUser, check_csrf
from porchlight.web.pages import FORM_ERRORS, error_message, redirect, render
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> Requests:
    return context(request).requests


async def _form(request: Request, visitor: PageUser) -> tuple[dict[str, str], list[str]]:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    return (
        {k: str(v) for k, v in form.items() if k != "csrf_token"},
        [str(v) for v in form.getlist("clip_ids")],
    )


# -- the owner's inbox ---------------------------------------------------------------


@router.get("/inbox")
def inbox(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    items = _svc(request).inbox(db, visitor.actor)
    return render(request, "requests/inbox.html", visitor, items=items)


def _inbox_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    request_id: str,
    status: int = 200,
    error: str | None = None,
) -> Response:
    svc = _svc(request)
    item, recipient, agency, clips = svc.inbox_item(db, visitor.actor, request_id)
    shares = svc.my_shares(db, visitor.actor, request_id)
    home = db.get(Household, recipient.household_id)
    return render(
        request,
        "requests/inbox_item.html",
        visitor,
        status,
        item=item,
        recipient=recipient,
        agency=agency,
        clips=clips,
        shares=shares,
        share_days=svc.share_days(agency),
        terms=SHARE_TERMS,
        error=error,
        owner=recipient.household_id in visitor.actor.owner_of,
        home=home,
    )


@router.get("/inbox/{request_id}")
def inbox_item(
    request_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    return _inbox_page(request, visitor, db, request_id)


@router.post("/inbox/{request_id}/response")
async def respond(
    request_id: str,
    request: Request,
    background: BackgroundTasks,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    from porchlight.requests.api import prepare_after

    form, clip_ids = await _form(request, visitor)
    try:
        data = ResponseIn(
            decision=form.get("decision", ""),
            clip_ids=clip_ids,
            original="original" in form,
            keep_audio="keep_audio" in form,
        )
        shares = _svc(request).respond(db, visitor.actor, request_id, data)
    except FORM_ERRORS as exc:
        return _inbox_page(request, visitor, db, request_id, 422, error_message(exc))
    prepare_after(request, background, shares)
    notice = (
        f"Shared {len(shares)} clip(s): the agency can open them once their copies are "
        "ready (faces and plates are blurred first)."
        if shares
        else "You declined this request."
    )
    return redirect(f"/inbox/{request_id}?notice=" + quote(notice))


@router.post("/inbox/shares/{share_id}/retry")
async def retry(
    share_id: str,
    request: Request,
    background: BackgroundTasks,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    from porchlight.requests.api import prepare_after

    await _form(request, visitor)
    share = _svc(request).retry(db, visitor.actor, share_id)
    prepare_after(request, background, [share])
    notice = "The copy is being made again."
    return redirect(f"/inbox/{share.request_id}?notice=" + quote(notice))


@router.post("/inbox/shares/{share_id}/revoke")
async def revoke(
    share_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    await _form(request, visitor)
    share = _svc(request).revoke(db, visitor.actor, share_id)
    return redirect(f"/inbox/{share.request_id}?notice=" + quote("Share revoked and destroyed."))


# -- the agency's side ---------------------------------------------------------------


def _agency_list(
    request: Request,
    visitor: PageUser,
    db: Session,
    status: int = 200,
    error: str | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    items = _svc(request).agency_requests(db, visitor.actor)
    return render(
        request,
        "requests/agency_list.html",
        visitor,
        status,
        items=items,
        error=error,
        draft=draft or {},
        incident_types=_incident_types(),
    )


def _incident_types() -> tuple[str, ...]:
    from porchlight.requests.rules import INCIDENT_TYPES

    return INCIDENT_TYPES


@router.get("/agency/requests")
def agency_requests(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    return _agency_list(request, visitor, db)


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.post("/agency/requests")
async def draft(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    form, _ = await _form(request, visitor)
    try:
        from porchlight.requests.rules import circle

        area = circle(
            float(form.get("lng", "")), float(form.get("lat", "")), float(form.get("radius_m", ""))
        )
        data = RequestIn(
            case_number=form.get("case_number", ""),
            incident_type=form.get("incident_type", ""),
            justification=form.get("justification", ""),
            incident_at=_when(form.get("incident_at", "")),
            window_start=_when(form.get("window_start", "")),
            window_end=_when(form.get("window_end", "")),
            area=area,
            contact=form.get("contact", ""),
        )
        made = _svc(request).draft(db, visitor.actor, data)
    except (*FORM_ERRORS, ValidationError) as exc:
        hint = "times are like 2026-11-28T14:30 and the centre and radius are numbers"
        return _agency_list(request, visitor, db, 422, error_message(exc, hint), form)
    return redirect(
        f"/agency/requests/{made.id}?notice="
        + quote("Draft saved. A supervisor must approve it before it reaches anyone.")
    )


@router.get("/agency/requests/{request_id}")
def agency_request(
    request_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    item, counts, shares = _svc(request).agency_request(db, visitor.actor, request_id)
    return render(
        request,
        "requests/agency_item.html",
        visitor,
        item=item,
        counts=counts,
        shares=shares,
        now=datetime.now(UTC),
    )


@router.post("/agency/requests/{request_id}/approve")
async def approve(
    request_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    await _form(request, visitor)
    _svc(request).approve(db, visitor.actor, request_id)
    return redirect(f"/agency/requests/{request_id}?notice=" + quote("Approved and sent."))


@router.post("/agency/requests/{request_id}/close")
async def close(
    request_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    await _form(request, visitor)
    _svc(request).close(db, visitor.actor, request_id)
    return redirect(f"/agency/requests/{request_id}?notice=" + quote("Marked resolved."))


@router.get("/agency/shares/{share_id}")
def share_page(
    share_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    share = _svc(request).agency_share(db, visitor.actor, share_id)
    return render(request, "requests/share.html", visitor, share=share, terms=SHARE_TERMS)


@router.get("/agency/shares/{share_id}/media")
def share_media(
    share_id: str,
    request: Request,
    range: str | None = Header(None),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    wanted = parse_range(range)
    stream = _svc(request).share_media(db, visitor.actor, share_id, wanted)
    return stream_response(stream, wanted is not None)


@router.get("/agency/shares/{share_id}/download")
def share_download(
    share_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    from porchlight.requests.api import watermarked_download

    return watermarked_download(request, db, visitor.actor, share_id)
