"""Pages for the household dashboard, settings, cameras and the privacy-zone editor."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from porchlight import geo
from porchlight.authz import Action, require
from porchlight.homes import service
from porchlight.homes.schemas import CameraIn, HouseholdIn, SettingsIn, ZoneIn
from porchlight.web.context import context
from porchlight.web.deps import DB, SIGNED_IN, PageUser, check_csrf
from porchlight.web.pages import FORM_ERRORS, error_message, redirect, render

router = APIRouter(include_in_schema=False)


def _dashboard(
    request: Request, visitor: PageUser, db: Session, *, status: int = 200, error: str | None = None
) -> Response:
    homes = service.list_households(db, visitor.actor)
    return render(
        request,
        "home.html",
        visitor,
        status,
        homes=homes,
        error=error,
        owner_of=visitor.actor.owner_of,
        public_cell=geo.coarsen,
    )


@router.get("/home")
def dashboard(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    require(visitor.actor, Action.DASHBOARD_VIEW)
    return _dashboard(request, visitor, db)


async def _form(request: Request, visitor: PageUser) -> dict[str, str]:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


@router.post("/households")
async def create_household(
    request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        service.create_household(db, visitor.actor, HouseholdIn(**form))
    except FORM_ERRORS as exc:
        return _dashboard(request, visitor, db, status=422, error=error_message(exc))
    return redirect("/home?notice=" + quote("Household created."))


@router.post("/households/{household_id}/settings")
async def update_settings(
    household_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        # Unticked checkboxes are absent from a form: absent means off.
        data = SettingsIn(
            retention_days=int(form.get("retention_days", "30")),
            **{name: name in form for name in service.SETTING_FIELDS if name != "retention_days"},
        )
        service.update_settings(db, visitor.actor, household_id, data)
    except FORM_ERRORS as exc:
        return _dashboard(
            request,
            visitor,
            db,
            status=422,
            error=error_message(exc, "retention days: enter a whole number"),
        )
    return redirect("/home?notice=" + quote("Settings saved."))


@router.post("/households/{household_id}/cameras")
async def add_camera(
    household_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        form["people_only"] = str("people_only" in form)
        camera = service.add_camera(db, visitor.actor, household_id, CameraIn(**form))
    except FORM_ERRORS as exc:
        return _dashboard(request, visitor, db, status=422, error=error_message(exc))
    return redirect(f"/cameras/{camera.id}?notice=" + quote(f"Camera {camera.name} added."))


def _camera_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    camera_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    camera = service.get_camera(db, visitor.actor, camera_id)
    zones = [{"id": z.id, "name": z.name, "points": z.points} for z in camera.zones]
    # The zones are drawn over the camera's latest still (decrypting it is logged).
    still_clip = context(request).vault.latest_still(db, visitor.actor, camera.id)
    return render(
        request,
        "camera.html",
        visitor,
        status,
        camera=camera,
        still_clip=still_clip,
        error=error,
        draft=draft or {},  # a refused zone's name and corners, kept for correcting
        # Inside <script>, "</script>" in a zone name would end the element: escape <, >, &.
        zones_json=json.dumps(zones)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026"),
    )


@router.get("/cameras/{camera_id}")
def camera_page(
    camera_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    return _camera_page(request, visitor, db, camera_id)


def parse_points(text: str) -> list[list[float]]:
    """Corners typed or drawn as JSON (``[[x, y], ...]``) or as ``x,y; x,y; ...``."""
    text = text.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
            return [[float(x), float(y)] for x, y in value]
        except (TypeError, RecursionError) as exc:  # e.g. [1, 2, 3] or [null]: not pairs
            raise ValueError("corners must be [x, y] pairs") from exc
    pairs = [p for p in text.replace("\n", ";").split(";") if p.strip()]
    return [[float(n) for n in pair.split(",")] for pair in pairs]


@router.post("/cameras/{camera_id}/zones")
async def add_zone(
    camera_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        data = ZoneIn(
            name=form.get("name") or "Privacy zone", points=parse_points(form.get("points", ""))
        )
        service.add_zone(db, visitor.actor, camera_id, data)
    except FORM_ERRORS as exc:
        hint = "points: write corners as x,y pairs from 0 to 1, separated by semicolons"
        return _camera_page(
            request,
            visitor,
            db,
            camera_id,
            status=422,
            error=error_message(exc, hint),
            draft={"name": form.get("name", ""), "points": form.get("points", "")},
        )
    return redirect(f"/cameras/{camera_id}?notice=" + quote("Privacy zone saved."))


@router.post("/zones/{zone_id}/delete")
async def delete_zone(
    zone_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    await _form(request, visitor)
    camera_id = service.get_zone(db, visitor.actor, zone_id).camera_id
    service.delete_zone(db, visitor.actor, zone_id)
    return redirect(f"/cameras/{camera_id}?notice=" + quote("Privacy zone removed."))


@router.post("/cameras/{camera_id}/delete")
async def delete_camera(
    camera_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    await _form(request, visitor)
    service.delete_camera(db, visitor.actor, camera_id)
    return redirect("/home?notice=" + quote("Camera removed."))
