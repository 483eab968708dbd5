"""Household use cases: homes, cameras, privacy zones and settings.

The only code that writes the homes tables.  Every function asks
:mod:`porchlight.authz` before acting; objects of a household the actor does not
belong to are reported as not found.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from porchlight import geo
from porchlight.authz import Action, Actor, HouseholdRes, can, require
from porchlight.errors import Conflict, InvalidInput, NotFound
from porchlight.homes.models import Camera, Household, HouseholdMember, PrivacyZone, SettingChange
from porchlight.homes.schemas import (
    CameraIn,
    CameraPatch,
    HouseholdIn,
    HouseholdPatch,
    SettingsIn,
    ZoneIn,
)
from porchlight.homes.zones import zone_problem
from porchlight.transparency import service as transparency

OWNER = "owner"


def memberships(db: Session, user_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """The households a user belongs to, and those of them they own."""
    rows = db.execute(
        select(HouseholdMember.household_id, HouseholdMember.role).where(
            HouseholdMember.user_id == user_id
        )
    ).all()
    return (frozenset(r[0] for r in rows), frozenset(r[0] for r in rows if r[1] == OWNER))


def _cell(lat: float, lng: float) -> str:
    try:
        return geo.cell_for(lat, lng)
    except geo.GeoError as exc:
        raise InvalidInput(str(exc), field_loc=["body", "lat"]) from exc


def create_household(db: Session, actor: Actor, data: HouseholdIn) -> Household:
    """Create a household; its creator becomes its owner."""
    require(actor, Action.HOUSEHOLD_CREATE)
    assert actor.user_id is not None
    home = Household(
        name=data.name,
        address=data.address,
        lat=data.lat,
        lng=data.lng,
        h3_cell=_cell(data.lat, data.lng),
    )
    db.add(home)
    db.flush()
    db.add(HouseholdMember(household_id=home.id, user_id=actor.user_id, role=OWNER))
    db.flush()
    return home


def list_households(db: Session, actor: Actor) -> list[Household]:
    """The households the actor belongs to."""
    require(actor, Action.HOUSEHOLD_LIST)
    if not actor.household_ids:
        return []
    stmt = select(Household).where(Household.id.in_(actor.household_ids)).order_by(Household.id)
    return [h for h in db.scalars(stmt) if _readable(actor, h.id)]


def _readable(actor: Actor, household_id: str) -> bool:
    return can(actor, Action.HOUSEHOLD_READ, HouseholdRes(household_id))


def get_household(db: Session, actor: Actor, household_id: str) -> Household:
    """One household the actor belongs to."""
    require(actor, Action.HOUSEHOLD_READ, HouseholdRes(household_id))
    home = db.get(Household, household_id)
    if home is None:
        raise NotFound("No such household.")
    return home


def household_of(db: Session, household_id: str) -> Household:
    """A household for another feature's service, which has already checked access."""
    home = db.get(Household, household_id)
    if home is None:
        raise NotFound("No such household.")
    return home


def households_in_cells(db: Session, cells: set[str]) -> list[Household]:
    """Households indexed in any of ``cells`` (for a request's fan-out, already authorised)."""
    if not cells:
        return []
    return list(db.scalars(select(Household).where(Household.h3_cell.in_(sorted(cells)))))


def retention_by_household(db: Session) -> list[tuple[str, int]]:
    """Every household's footage retention in days (for the retention sweeper)."""
    rows = db.execute(select(Household.id, Household.retention_days)).all()
    return [(r[0], int(r[1])) for r in rows]


def role_in(actor: Actor, household_id: str) -> str:
    """The actor's role in a household: ``owner`` or ``member``."""
    return OWNER if household_id in actor.owner_of else "member"


def update_household(
    db: Session, actor: Actor, household_id: str, patch: HouseholdPatch
) -> Household:
    """Rename or move a household (owners)."""
    require(actor, Action.HOUSEHOLD_UPDATE, HouseholdRes(household_id))
    home = get_household(db, actor, household_id)
    fields = patch.model_dump(exclude_unset=True)
    for name, value in fields.items():
        if value is None:
            raise InvalidInput(f"{name} cannot be null.", field_loc=["body", name])
    for name in ("name", "address"):
        if name in fields:
            setattr(home, name, fields[name])
    if patch.lat is not None or patch.lng is not None:
        lat = patch.lat if patch.lat is not None else home.lat
        lng = patch.lng if patch.lng is not None else home.lng
        home.lat, home.lng, home.h3_cell = lat, lng, _cell(lat, lng)
    return home


def delete_household(db: Session, actor: Actor, household_id: str) -> None:
    """Delete a household with its cameras, zones and settings (owners)."""
    require(actor, Action.HOUSEHOLD_DELETE, HouseholdRes(household_id))
    db.delete(get_household(db, actor, household_id))


SETTING_FIELDS = (
    "retention_days",
    "e2e_enabled",
    "police_requests_enabled",
    "share_blur_default",
    "share_audio_default",
    "audio_recording_enabled",
)


def update_settings(
    db: Session,
    actor: Actor,
    household_id: str,
    data: SettingsIn,
    *,
    _end_to_end_key_registered: bool = False,
) -> Household:
    """Change household settings (owners); every change is recorded with who made it.

    End-to-end mode is turned on only by the vault, when a household key is registered.
    """
    require(actor, Action.SETTINGS_UPDATE, HouseholdRes(household_id))
    home = get_household(db, actor, household_id)
    if data.e2e_enabled and not home.e2e_enabled and not _end_to_end_key_registered:
        # Turning it on without a key would leave clips with no key anyone holds.
        raise InvalidInput(
            "End-to-end mode starts when you register your household's key: run "
            "`porchlight keys init` on your own computer.",
            field_loc=["body", "e2e_enabled"],
        )
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidInput(f"{name} cannot be null.", field_loc=["body", name])
        old = getattr(home, name)
        if old == value:
            continue
        setattr(home, name, value)
        db.add(
            SettingChange(
                household_id=home.id,
                user_id=actor.user_id,
                setting=name,
                old_value=str(old).lower(),
                new_value=str(value).lower(),
            )
        )
        transparency.record(
            db,
            "owner:setting:changed",
            household_id=home.id,
            detail={"setting": name, "old": str(old).lower(), "new": str(value).lower()},
        )
    db.flush()
    return home


def setting_changes(db: Session, actor: Actor, household_id: str) -> list[SettingChange]:
    """Every recorded change of the household's settings, newest first."""
    require(actor, Action.HOUSEHOLD_READ, HouseholdRes(household_id))
    stmt = select(SettingChange).where(SettingChange.household_id == household_id)
    return list(db.scalars(stmt.order_by(SettingChange.id.desc())))


# -- cameras -------------------------------------------------------------------------


def list_cameras(db: Session, actor: Actor, household_id: str) -> list[Camera]:
    """A household's cameras."""
    return list(get_household(db, actor, household_id).cameras)


def _check_camera_name(db: Session, household_id: str, name: str, skip: str | None) -> None:
    stmt = select(Camera.id).where(Camera.household_id == household_id, Camera.name == name)
    found = db.scalar(stmt)
    if found is not None and found != skip:
        raise Conflict(
            "This household already has a camera with that name.", field_loc=["body", "name"]
        )


def add_camera(db: Session, actor: Actor, household_id: str, data: CameraIn) -> Camera:
    """Add a camera to a household (members)."""
    require(actor, Action.CAMERA_WRITE, HouseholdRes(household_id))
    get_household(db, actor, household_id)
    _check_camera_name(db, household_id, data.name, None)
    camera = Camera(
        household_id=household_id,
        name=data.name,
        kind=data.kind.value,
        position=data.position,
        people_only=data.people_only,
    )
    db.add(camera)
    db.flush()
    return camera


def get_camera(db: Session, actor: Actor, camera_id: str) -> Camera:
    """One camera of a household the actor belongs to."""
    camera = db.get(Camera, camera_id)
    if camera is None:
        raise NotFound("No such camera.")
    try:
        require(actor, Action.HOUSEHOLD_READ, HouseholdRes(camera.household_id))
    except NotFound:
        raise NotFound("No such camera.") from None
    return camera


def update_camera(db: Session, actor: Actor, camera_id: str, patch: CameraPatch) -> Camera:
    """Rename or reconfigure a camera (members)."""
    camera = get_camera(db, actor, camera_id)
    require(actor, Action.CAMERA_WRITE, HouseholdRes(camera.household_id))
    fields = patch.model_dump(exclude_unset=True)
    if fields.get("name"):
        _check_camera_name(db, camera.household_id, fields["name"], camera.id)
    for name, value in fields.items():
        if value is None:
            raise InvalidInput(f"{name} cannot be null.", field_loc=["body", name])
        setattr(camera, name, value.value if name == "kind" else value)
    db.flush()
    return camera


def delete_camera(db: Session, actor: Actor, camera_id: str) -> None:
    """Remove a camera and its zones (members)."""
    camera = get_camera(db, actor, camera_id)
    require(actor, Action.CAMERA_WRITE, HouseholdRes(camera.household_id))
    db.delete(camera)


# -- privacy zones ---------------------------------------------------------------------


def _valid_points(data: ZoneIn) -> list[list[float]]:
    points = [[float(x), float(y)] for x, y in data.points]
    problem = zone_problem(points)
    if problem:
        raise InvalidInput(problem, field_loc=["body", "points"])
    return points


def add_zone(db: Session, actor: Actor, camera_id: str, data: ZoneIn) -> PrivacyZone:
    """Add a privacy zone to a camera (members)."""
    camera = get_camera(db, actor, camera_id)
    require(actor, Action.CAMERA_WRITE, HouseholdRes(camera.household_id))
    zone = PrivacyZone(camera_id=camera.id, name=data.name, points=_valid_points(data))
    db.add(zone)
    db.flush()
    return zone


def get_zone(db: Session, actor: Actor, zone_id: str) -> PrivacyZone:
    """One privacy zone of a camera the actor may see."""
    zone = db.get(PrivacyZone, zone_id)
    if zone is None:
        raise NotFound("No such privacy zone.")
    try:
        get_camera(db, actor, zone.camera_id)
    except NotFound:
        raise NotFound("No such privacy zone.") from None
    return zone


def replace_zone(db: Session, actor: Actor, zone_id: str, data: ZoneIn) -> PrivacyZone:
    """Redraw a privacy zone (members)."""
    zone = get_zone(db, actor, zone_id)
    require(actor, Action.CAMERA_WRITE, HouseholdRes(zone.camera.household_id))
    zone.name, zone.points = data.name, _valid_points(data)
    db.flush()
    return zone


def delete_zone(db: Session, actor: Actor, zone_id: str) -> None:
    """Remove a privacy zone (members)."""
    zone = get_zone(db, actor, zone_id)
    require(actor, Action.CAMERA_WRITE, HouseholdRes(zone.camera.household_id))
    db.delete(zone)
