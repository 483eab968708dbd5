"""The homes service on the real database: households, settings, cameras and zones."""

from __future__ import annotations

import time
from typing import Any

import h3
import pytest
from sqlalchemy import func, select

from porchlight.authz import Actor, Role
from porchlight.db import transaction
from porchlight.errors import Conflict, Forbidden, InvalidInput, NotFound
from porchlight.homes import service
from porchlight.homes.models import Camera, Household, HouseholdMember, PrivacyZone, SettingChange
from porchlight.homes.schemas import (
    CameraIn,
    CameraKind,
    CameraPatch,
    HouseholdIn,
    HouseholdPatch,
    SettingsIn,
    ZoneIn,
)
from porchlight.web.deps import actor_for
from tests.conftest import Person, World

SQUARE = [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]]
BOW_TIE = [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]


def actor(world: World, person: Person) -> Actor:
    with world.sessions() as db:
        return actor_for(db, person.user, None)


def rows(world: World, model: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    with world.sessions() as db:
        return db.scalar(stmt) or 0


def household(world: World, household_id: str | None) -> Household:
    with world.sessions() as db:
        home = db.get(Household, household_id)
        assert home is not None
        return home


# -- households ---------------------------------------------------------------------


def test_create_household_indexes_it_and_makes_the_creator_owner(world: World) -> None:
    person = world.person(Role.RESIDENT, home=False)
    me = actor(world, person)
    with transaction(world.sessions) as db:
        home = service.create_household(
            db, me, HouseholdIn(name="Maple", address="3 Maple Row", lat=51.5007, lng=-0.1246)
        )
        assert h3.get_resolution(home.h3_cell) == 9
        assert home.h3_cell == h3.latlng_to_cell(51.5007, -0.1246, 9)
        home_id = home.id
    with world.sessions() as db:
        members, owned = service.memberships(db, person.user.id)
    assert members == owned == frozenset({home_id})


def test_a_household_starts_with_privacy_respecting_defaults(world: World) -> None:
    person = world.person(Role.RESIDENT)
    home = household(world, person.household_id)
    assert home.retention_days == 30
    assert home.e2e_enabled is False
    assert home.police_requests_enabled is True
    assert home.share_blur_default is True
    assert home.share_audio_default is False
    assert home.audio_recording_enabled is False


def test_only_residents_create_households(world: World) -> None:
    for role in (Role.OFFICER, Role.ADMIN, Role.MODERATOR):
        person = world.person(role)
        with pytest.raises(Forbidden), transaction(world.sessions) as db:
            service.create_household(
                db, actor(world, person), HouseholdIn(name="X", address="1 X St", lat=0, lng=0)
            )
    assert rows(world, Household) == 0


def test_list_households_shows_only_your_own(world: World) -> None:
    alice = world.person(Role.RESIDENT)
    world.person(Role.RESIDENT)
    with world.sessions() as db:
        homes = service.list_households(db, actor(world, alice))
        assert [h.id for h in homes] == [alice.household_id]
        admin = world.person(Role.ADMIN)
        assert service.list_households(db, actor(world, admin)) == []


def test_moving_a_household_recomputes_its_cell(world: World) -> None:
    person = world.person(Role.RESIDENT)
    before = household(world, person.household_id).h3_cell
    with transaction(world.sessions) as db:
        service.update_household(
            db, actor(world, person), str(person.household_id), HouseholdPatch(lat=40.7128)
        )
    after = household(world, person.household_id)
    assert after.lat == 40.7128
    assert after.lng == -122.65  # Unchanged.
    assert after.h3_cell == h3.latlng_to_cell(40.7128, -122.65, 9) != before


def test_another_households_objects_are_not_found(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    neighbour = actor(world, world.person(Role.RESIDENT))
    with world.sessions() as db:
        with pytest.raises(NotFound) as theirs:
            service.get_household(db, neighbour, str(owner.household_id))
        with pytest.raises(NotFound) as nobodys:
            service.get_household(db, neighbour, "0" * 32)
        # The answer is the same whether the household exists or not.
        assert theirs.value.detail == nobodys.value.detail
        with pytest.raises(NotFound) as theirs:
            service.get_camera(db, neighbour, str(owner.camera_id))
        with pytest.raises(NotFound) as nobodys:
            service.get_camera(db, neighbour, "0" * 32)
        assert theirs.value.detail == nobodys.value.detail
        with pytest.raises(NotFound) as theirs:
            service.get_zone(db, neighbour, str(owner.zone_id))
        with pytest.raises(NotFound) as nobodys:
            service.get_zone(db, neighbour, "0" * 32)
        assert theirs.value.detail == nobodys.value.detail


def test_delete_household_removes_everything_in_it(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    other = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with transaction(world.sessions) as db:
        service.update_settings(db, me, str(owner.household_id), SettingsIn(retention_days=9))
        service.add_camera(
            db, me, str(owner.household_id), CameraIn(name="Yard", kind=CameraKind.OUTDOOR)
        )
    with transaction(world.sessions) as db:
        service.delete_household(db, me, str(owner.household_id))
    assert rows(world, Household, id=owner.household_id) == 0
    assert rows(world, Camera, household_id=owner.household_id) == 0
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 0
    assert rows(world, HouseholdMember, household_id=owner.household_id) == 0
    assert rows(world, SettingChange, household_id=owner.household_id) == 0
    # The neighbour's household is untouched.
    assert rows(world, Camera, household_id=other.household_id) == 1
    assert rows(world, PrivacyZone) == 1


# -- settings -----------------------------------------------------------------------


def test_each_settings_change_is_recorded_with_who_and_what(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    home_id = str(owner.household_id)
    with transaction(world.sessions) as db:
        service.update_settings(
            db, me, home_id, SettingsIn(retention_days=7, audio_recording_enabled=True)
        )
    time.sleep(0.002)  # Identifiers order rows by the millisecond.
    with transaction(world.sessions) as db:
        service.update_settings(db, me, home_id, SettingsIn(police_requests_enabled=False))
    with world.sessions() as db:
        recorded = service.setting_changes(db, me, home_id)
    assert {c.user_id for c in recorded} == {owner.user.id}
    changes = [(c.setting, c.old_value, c.new_value) for c in recorded]
    # Newest first; the two changes of one request share a moment, in no set order.
    assert changes[0] == ("police_requests_enabled", "true", "false")
    assert sorted(changes[1:]) == [
        ("audio_recording_enabled", "false", "true"),
        ("retention_days", "30", "7"),
    ]


def test_setting_a_value_it_already_has_records_nothing(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    with transaction(world.sessions) as db:
        service.update_settings(
            db, actor(world, owner), str(owner.household_id), SettingsIn(retention_days=30)
        )
    assert rows(world, SettingChange) == 0


def test_a_null_setting_is_refused_and_nothing_half_saved(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    # retention_days is applied first, then e2e_enabled fails: both must be undone.
    data = SettingsIn(retention_days=10, e2e_enabled=None)
    assert "e2e_enabled" in data.model_fields_set
    with pytest.raises(InvalidInput) as caught, transaction(world.sessions) as db:
        service.update_settings(db, actor(world, owner), str(owner.household_id), data)
    assert caught.value.errors[0].loc == ["body", "e2e_enabled"]
    assert household(world, owner.household_id).retention_days == 30
    assert rows(world, SettingChange) == 0


def test_settings_are_the_owners_alone(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    helper = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        db.add(
            HouseholdMember(household_id=owner.household_id, user_id=helper.user.id, role="member")
        )
    them = actor(world, helper)
    home_id = str(owner.household_id)
    # A member may see the household and look after its cameras...
    with transaction(world.sessions) as db:
        assert service.get_household(db, them, home_id).id == home_id
        assert service.role_in(them, home_id) == "member"
        service.add_camera(db, them, home_id, CameraIn(name="Porch", kind=CameraKind.OUTDOOR))
    # ...but not decide who can reach the footage, nor delete the household.
    with pytest.raises(Forbidden), transaction(world.sessions) as db:
        service.update_settings(db, them, home_id, SettingsIn(police_requests_enabled=False))
    with pytest.raises(Forbidden), transaction(world.sessions) as db:
        service.delete_household(db, them, home_id)
    assert household(world, owner.household_id).police_requests_enabled is True


# -- cameras ------------------------------------------------------------------------


def test_camera_names_are_unique_within_a_household(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with pytest.raises(Conflict) as caught, transaction(world.sessions) as db:
        service.add_camera(
            db, me, str(owner.household_id), CameraIn(name=" Front door ", kind=CameraKind.INDOOR)
        )
    assert caught.value.errors[0].loc == ["body", "name"]
    assert rows(world, Camera, household_id=owner.household_id) == 1


def test_the_same_camera_name_is_fine_in_another_household(world: World) -> None:
    world.person(Role.RESIDENT)  # Has a "Front door" camera.
    other = world.person(Role.RESIDENT, home=False)
    me = actor(world, other)
    with transaction(world.sessions) as db:
        home = service.create_household(
            db, me, HouseholdIn(name="Mine", address="9 Elm St", lat=45.0, lng=-122.0)
        )
        me = actor_for(db, other.user, None)
        camera = service.add_camera(
            db, me, home.id, CameraIn(name="Front door", kind=CameraKind.DOORBELL)
        )
        assert camera.household_id == home.id
    assert rows(world, Camera, name="Front door") == 2


def test_renaming_a_camera_onto_another_name_is_a_conflict(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with transaction(world.sessions) as db:
        yard = service.add_camera(
            db, me, str(owner.household_id), CameraIn(name="Yard", kind=CameraKind.OUTDOOR)
        )
    with pytest.raises(Conflict), transaction(world.sessions) as db:
        service.update_camera(db, me, yard.id, CameraPatch(name="Front door"))
    with transaction(world.sessions) as db:
        # Keeping its own name is not a clash.
        service.update_camera(db, me, yard.id, CameraPatch(name="Yard", position="back fence"))
    with world.sessions() as db:
        stored = db.get(Camera, yard.id)
        assert stored is not None
        assert (stored.name, stored.position) == ("Yard", "back fence")


def test_a_camera_patch_failing_half_way_saves_nothing(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    # name is applied first, then people_only fails: the rename must be undone.
    patch = CameraPatch(name="Renamed", people_only=None)
    assert "people_only" in patch.model_fields_set
    with pytest.raises(InvalidInput) as caught, transaction(world.sessions) as db:
        service.update_camera(db, actor(world, owner), str(owner.camera_id), patch)
    assert caught.value.errors[0].loc == ["body", "people_only"]
    with world.sessions() as db:
        stored = db.get(Camera, owner.camera_id)
        assert stored is not None
        assert stored.name == "Front door"


def test_deleting_a_camera_removes_its_zones(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with transaction(world.sessions) as db:
        service.add_zone(db, me, str(owner.camera_id), ZoneIn(points=SQUARE))
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 2
    with transaction(world.sessions) as db:
        service.delete_camera(db, me, str(owner.camera_id))
    assert rows(world, Camera, id=owner.camera_id) == 0
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 0


# -- privacy zones ------------------------------------------------------------------


def test_a_self_intersecting_zone_is_refused_and_not_saved(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    before = rows(world, PrivacyZone)
    with pytest.raises(InvalidInput) as caught, transaction(world.sessions) as db:
        service.add_zone(db, actor(world, owner), str(owner.camera_id), ZoneIn(points=BOW_TIE))
    assert caught.value.errors[0].loc == ["body", "points"]
    assert rows(world, PrivacyZone) == before


def test_replacing_a_zone_redraws_it(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with transaction(world.sessions) as db:
        service.replace_zone(db, me, str(owner.zone_id), ZoneIn(name="Hedge", points=SQUARE))
    with world.sessions() as db:
        zone = db.get(PrivacyZone, owner.zone_id)
        assert zone is not None
        assert (zone.name, zone.points) == ("Hedge", SQUARE)
    with pytest.raises(InvalidInput), transaction(world.sessions) as db:
        service.replace_zone(db, me, str(owner.zone_id), ZoneIn(points=BOW_TIE))
    with world.sessions() as db:
        zone = db.get(PrivacyZone, owner.zone_id)
        assert zone is not None
        assert zone.points == SQUARE


def test_many_zones_on_one_camera(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    me = actor(world, owner)
    with transaction(world.sessions) as db:
        for i in range(10):
            x = i / 10
            service.add_zone(
                db,
                me,
                str(owner.camera_id),
                ZoneIn(
                    name=f"Strip {i}", points=[[x, 0.0], [x + 0.1, 0.0], [x + 0.1, 1.0], [x, 1.0]]
                ),
            )
        service.add_zone(
            db,
            me,
            str(owner.camera_id),
            ZoneIn(name="All", points=[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
        )
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 12


def test_deleting_a_zone_leaves_the_camera(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    with transaction(world.sessions) as db:
        service.delete_zone(db, actor(world, owner), str(owner.zone_id))
    assert rows(world, PrivacyZone, id=owner.zone_id) == 0
    assert rows(world, Camera, id=owner.camera_id) == 1
