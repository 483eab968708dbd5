"""Pages: a household's clips with playback, and "Who accessed my footage"."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from porchlight.authz import Action, require
from porchlight.homes import service as homes
from porchlight.vault.service import Vault
from porchlight.web.context import context
from porchlight.web.deps import DB, SIGNED_IN, PageUser, check_csrf
from porchlight.web.pages import redirect, render
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(include_in_schema=False)


def _vault(request: Request) -> Vault:
    return context(request).vault


@router.get("/clips")
def clips(
    request: Request, cursor: str | None = None, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    require(visitor.actor, Action.DASHBOARD_VIEW)
    page = _vault(request).list_clips(db, visitor.actor, None, cursor, 50)
    cameras = {c.id: c.name for h in homes.list_households(db, visitor.actor) for c in h.cameras}
    return render(
        request,
        "clips.html",
        visitor,
        clips=page.items,
        next_cursor=page.next_cursor,
        cameras=cameras,
    )


@router.get("/clips/{clip_id}")
def clip_page(
    clip_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    clip = _vault(request).get_clip(db, visitor.actor, clip_id)
    owner = clip.household_id in visitor.actor.owner_of
    return render(request, "clip.html", visitor, clip=clip, owner=owner)


@router.get("/clips/{clip_id}/media")
def clip_media(
    clip_id: str,
    request: Request,
    range: str | None = Header(None),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    wanted = parse_range(range)
    stream = _vault(request).stream(
        db, visitor.actor, clip_id, "media", wanted, "owner playback in the browser"
    )
    return stream_response(stream, wanted is not None)


@router.get("/clips/{clip_id}/thumbnail")
def clip_thumbnail(
    clip_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    stream = _vault(request).stream(
        db, visitor.actor, clip_id, "thumbnail", None, "owner browsing clips"
    )
    return stream_response(stream, False)


@router.post("/clips/{clip_id}/delete")
async def delete_clip(
    clip_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    _vault(request).delete_clip(db, visitor.actor, clip_id)
    return redirect("/clips?notice=" + quote("Clip deleted: its keys are destroyed."))


@router.get("/access-log")
def access_log(
    request: Request,
    household_id: str | None = None,
    cursor: str | None = None,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    page = _vault(request).access_log(db, visitor.actor, household_id, cursor, 100)
    return render(
        request,
        "access_log.html",
        visitor,
        events=page.items,
        next_cursor=page.next_cursor,
        me=visitor.actor.user_id,
    )
