"""JSON routes for households, their settings, cameras and privacy zones."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from porchlight import geo
from porchlight.authz import Actor
from porchlight.homes import service
from porchlight.homes.models import Camera, Household, PrivacyZone
from porchlight.homes.schemas import (
    CameraIn,
    CameraKind,
    CameraOut,
    CameraPatch,
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    SettingChangeOut,
    SettingsIn,
    SettingsOut,
    ZoneIn,
    ZoneOut,
)
from porchlight.web.deps import API_ACTOR, DB

router = APIRouter(prefix="/api/v1", tags=["homes"])


def settings_out(home: Household) -> SettingsOut:
    return SettingsOut(**{name: getattr(home, name) for name in service.SETTING_FIELDS})


def household_out(home: Household, role: str) -> HouseholdOut:
    return HouseholdOut(
        id=home.id,
        name=home.name,
        address=home.address,
        lat=home.lat,
        lng=home.lng,
        h3_cell=home.h3_cell,
        public_cell=geo.coarsen(home.h3_cell),
        your_role=role,
        settings=settings_out(home),
        created_at=home.created_at,
    )


def zone_out(zone: PrivacyZone) -> ZoneOut:
    return ZoneOut(
        id=zone.id,
        camera_id=zone.camera_id,
        name=zone.name,
        points=zone.points,
        created_at=zone.created_at,
    )


def camera_out(camera: Camera) -> CameraOut:
    return CameraOut(
        id=camera.id,
        household_id=camera.household_id,
        name=camera.name,
        kind=CameraKind(camera.kind),
        position=camera.position,
        people_only=camera.people_only,
        record_audio=camera.household.audio_recording_enabled,
        zones=[zone_out(z) for z in camera.zones],
        created_at=camera.created_at,
    )


@router.get("/households", response_model=list[HouseholdOut])
def list_households(actor: Actor = API_ACTOR, db: Session = DB) -> list[HouseholdOut]:
    """The households you belong to."""
    return [
        household_out(h, service.role_in(actor, h.id)) for h in service.list_households(db, actor)
    ]


@router.post("/households", response_model=HouseholdOut, status_code=201)
def create_household(body: HouseholdIn, actor: Actor = API_ACTOR, db: Session = DB) -> HouseholdOut:
    """Create a household; you become its owner.  The address stays private to members."""
    return household_out(service.create_household(db, actor, body), service.OWNER)


@router.get("/households/{household_id}", response_model=HouseholdOut)
def get_household(household_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> HouseholdOut:
    """One of your households."""
    return household_out(
        service.get_household(db, actor, household_id), service.role_in(actor, household_id)
    )


@router.patch("/households/{household_id}", response_model=HouseholdOut)
def update_household(
    household_id: str, body: HouseholdPatch, actor: Actor = API_ACTOR, db: Session = DB
) -> HouseholdOut:
    """Rename or move a household (owners)."""
    home = service.update_household(db, actor, household_id, body)
    return household_out(home, service.role_in(actor, household_id))


@router.delete("/households/{household_id}", status_code=204)
def delete_household(household_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> Response:
    """Delete a household with its cameras and zones (owners)."""
    service.delete_household(db, actor, household_id)
    return Response(status_code=204)


@router.get("/households/{household_id}/settings", response_model=SettingsOut)
def get_settings(household_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> SettingsOut:
    """A household's settings: retention, encryption, police requests, sharing defaults."""
    return settings_out(service.get_household(db, actor, household_id))


@router.patch("/households/{household_id}/settings", response_model=SettingsOut)
def update_settings(
    household_id: str, body: SettingsIn, actor: Actor = API_ACTOR, db: Session = DB
) -> SettingsOut:
    """Change settings (owners); each change is recorded."""
    return settings_out(service.update_settings(db, actor, household_id, body))


@router.get("/households/{household_id}/settings/history", response_model=list[SettingChangeOut])
def settings_history(
    household_id: str, actor: Actor = API_ACTOR, db: Session = DB
) -> list[SettingChangeOut]:
    """Every recorded settings change, newest first: who opted in to what, and when."""
    changes = service.setting_changes(db, actor, household_id)
    return [SettingChangeOut.model_validate(c, from_attributes=True) for c in changes]


@router.get("/households/{household_id}/cameras", response_model=list[CameraOut])
def list_cameras(household_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> list[CameraOut]:
    """A household's cameras with their privacy zones."""
    return [camera_out(c) for c in service.list_cameras(db, actor, household_id)]


@router.post("/households/{household_id}/cameras", response_model=CameraOut, status_code=201)
def add_camera(
    household_id: str, body: CameraIn, actor: Actor = API_ACTOR, db: Session = DB
) -> CameraOut:
    """Add a camera (members)."""
    return camera_out(service.add_camera(db, actor, household_id, body))


@router.get("/cameras/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> CameraOut:
    """One camera with its privacy zones."""
    return camera_out(service.get_camera(db, actor, camera_id))


@router.patch("/cameras/{camera_id}", response_model=CameraOut)
def update_camera(
    camera_id: str, body: CameraPatch, actor: Actor = API_ACTOR, db: Session = DB
) -> CameraOut:
    """Rename or reconfigure a camera (members)."""
    return camera_out(service.update_camera(db, actor, camera_id, body))


@router.delete("/cameras/{camera_id}", status_code=204)
def delete_camera(camera_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> Response:
    """Remove a camera and its zones (members)."""
    service.delete_camera(db, actor, camera_id)
    return Response(status_code=204)


@router.get("/cameras/{camera_id}/zones", response_model=list[ZoneOut])
def list_zones(camera_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> list[ZoneOut]:
    """A camera's privacy zones."""
    return [zone_out(z) for z in service.get_camera(db, actor, camera_id).zones]


@router.post("/cameras/{camera_id}/zones", response_model=ZoneOut, status_code=201)
def add_zone(camera_id: str, body: ZoneIn, actor: Actor = API_ACTOR, db: Session = DB) -> ZoneOut:
    """Add a privacy zone: a polygon in frame coordinates from 0 to 1 (members)."""
    return zone_out(service.add_zone(db, actor, camera_id, body))


@router.put("/zones/{zone_id}", response_model=ZoneOut)
def replace_zone(zone_id: str, body: ZoneIn, actor: Actor = API_ACTOR, db: Session = DB) -> ZoneOut:
    """Redraw a privacy zone (members)."""
    return zone_out(service.replace_zone(db, actor, zone_id, body))


@router.delete("/zones/{zone_id}", status_code=204)
def delete_zone(zone_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> Response:
    """Remove a privacy zone (members)."""
    service.delete_zone(db, actor, zone_id)
    return Response(status_code=204)
