"""Households, settings, cameras and privacy zones through the HTTP API."""

from __future__ import annotations

from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.homes.models import Camera, Household, HouseholdMember, PrivacyZone, SettingChange
from tests.conftest import Person, World

PROBLEM = "application/problem+json"
HOME = {
    "name": "Blue house",
    "address": "221 Elm Street, Portland",
    "lat": 45.5231,
    "lng": -122.6765,
}
SQUARE = [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]]
BOW_TIE = [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def rows(world: World, model: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    with world.sessions() as db:
        return db.scalar(stmt) or 0


@pytest.fixture
def owner(world: World) -> Person:
    return world.person(Role.RESIDENT)


def settings_url(person: Person) -> str:
    return f"/api/v1/households/{person.household_id}/settings"


# -- households ---------------------------------------------------------------------


def test_create_household(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    response = client.post("/api/v1/households", json=HOME, headers=person.headers)
    assert response.status_code == 201, response.text
    home = response.json()
    assert home["name"] == "Blue house"
    assert home["address"] == "221 Elm Street, Portland"
    assert home["your_role"] == "owner"
    assert h3.is_valid_cell(home["h3_cell"])
    assert h3.get_resolution(home["h3_cell"]) == 9
    assert home["h3_cell"] == h3.latlng_to_cell(HOME["lat"], HOME["lng"], 9)
    assert h3.get_resolution(home["public_cell"]) < 9
    assert home["public_cell"] == h3.cell_to_parent(
        home["h3_cell"], h3.get_resolution(home["public_cell"])
    )

    assert client.get("/api/v1/me", headers=person.headers).json()["household_ids"] == [home["id"]]
    listed = client.get("/api/v1/households", headers=person.headers).json()
    assert [h["id"] for h in listed] == [home["id"]]
    assert client.get(f"/api/v1/households/{home['id']}", headers=person.headers).json() == home


def test_new_household_defaults(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    home = client.post("/api/v1/households", json=HOME, headers=person.headers).json()
    expected = {
        "retention_days": 30,
        "e2e_enabled": False,
        "police_requests_enabled": True,
        "share_blur_default": True,
        "share_audio_default": False,
        "audio_recording_enabled": False,
    }
    assert home["settings"] == expected
    settings = client.get(f"/api/v1/households/{home['id']}/settings", headers=person.headers)
    assert settings.json() == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lat": -90.5}, "lat"),
        ({"lng": -181}, "lng"),
        ({"lng": 180.01}, "lng"),
        ({"lat": "NaN"}, "lat"),
        ({"lng": "nan"}, "lng"),
        ({"lat": "Infinity"}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"lat": None}, "lat"),
    ],
)
def test_coordinates_out_of_range_are_422_naming_the_field(
    world: World, client: TestClient, change: dict[str, Any], field: str
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    response = client.post("/api/v1/households", json=HOME | change, headers=person.headers)
    assert fields(assert_problem(response, 422)) == {field}
    assert rows(world, Household) == 0


@pytest.mark.parametrize(
    ("change", "field"), [({"lat": 91}, "lat"), ({"lng": -181}, "lng"), ({"lat": "NaN"}, "lat")]
)
def test_moving_a_household_out_of_range_is_422(
    owner: Person, client: TestClient, world: World, change: dict[str, Any], field: str
) -> None:
    url = f"/api/v1/households/{owner.household_id}"
    before = client.get(url, headers=owner.headers).json()
    response = client.patch(url, json={"name": "Moved"} | change, headers=owner.headers)
    assert fields(assert_problem(response, 422)) == {field}
    assert client.get(url, headers=owner.headers).json() == before


def test_moving_a_household_moves_its_cell(owner: Person, client: TestClient) -> None:
    url = f"/api/v1/households/{owner.household_id}"
    before = client.get(url, headers=owner.headers).json()
    moved = client.patch(url, json={"lat": 40.7128, "lng": -74.006}, headers=owner.headers)
    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert after["h3_cell"] == h3.latlng_to_cell(40.7128, -74.006, 9)
    assert after["public_cell"] != before["public_cell"]
    assert after["name"] == before["name"]


def test_unknown_household_field_is_422(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    response = client.post(
        "/api/v1/households", json=HOME | {"owner_id": "x"}, headers=person.headers
    )
    assert fields(assert_problem(response, 422)) == {"owner_id"}
    assert rows(world, Household) == 0


def test_malformed_json_saves_nothing(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    response = client.post(
        "/api/v1/households",
        content=b'{"name": "Blue house", "lat": 45.5,',
        headers=person.headers | {"Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    assert rows(world, Household) == 0


def test_deleting_a_household_removes_its_cameras_and_zones(
    owner: Person, world: World, client: TestClient
) -> None:
    neighbour = world.person(Role.RESIDENT)
    camera = client.post(
        f"/api/v1/households/{owner.household_id}/cameras",
        json={"name": "Garden", "kind": "outdoor"},
        headers=owner.headers,
    ).json()
    client.post(
        f"/api/v1/cameras/{camera['id']}/zones", json={"points": SQUARE}, headers=owner.headers
    )
    client.patch(settings_url(owner), json={"retention_days": 5}, headers=owner.headers)
    assert rows(world, Camera, household_id=owner.household_id) == 2
    assert rows(world, PrivacyZone) == 3

    url = f"/api/v1/households/{owner.household_id}"
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert_problem(client.get(url, headers=owner.headers), 404)
    assert rows(world, Household, id=owner.household_id) == 0
    assert rows(world, Camera, household_id=owner.household_id) == 0
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 0
    assert rows(world, PrivacyZone, camera_id=camera["id"]) == 0
    assert rows(world, HouseholdMember, household_id=owner.household_id) == 0
    assert rows(world, SettingChange, household_id=owner.household_id) == 0
    assert client.get("/api/v1/households", headers=owner.headers).json() == []
    # The neighbour keeps everything.
    assert rows(world, Camera, household_id=neighbour.household_id) == 1
    assert rows(world, PrivacyZone, camera_id=neighbour.camera_id) == 1


# -- settings -----------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 181, -1, 1.5, "thirty"])
def test_retention_out_of_range_is_422_naming_retention_days(
    owner: Person, client: TestClient, days: Any
) -> None:
    response = client.patch(
        settings_url(owner), json={"retention_days": days}, headers=owner.headers
    )
    assert fields(assert_problem(response, 422)) == {"retention_days"}
    assert client.get(settings_url(owner), headers=owner.headers).json()["retention_days"] == 30


@pytest.mark.parametrize("days", [1, 180])
def test_retention_at_the_edges_is_accepted(owner: Person, client: TestClient, days: int) -> None:
    response = client.patch(
        settings_url(owner), json={"retention_days": days}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["retention_days"] == days


@pytest.mark.parametrize("name", ["retention_days", "e2e_enabled", "police_requests_enabled"])
def test_a_null_setting_is_422_naming_it(owner: Person, client: TestClient, name: str) -> None:
    response = client.patch(settings_url(owner), json={name: None}, headers=owner.headers)
    assert fields(assert_problem(response, 422)) == {name}


def test_a_settings_patch_failing_half_way_saves_nothing(
    owner: Person, world: World, client: TestClient
) -> None:
    # The retention change is valid and applied first; the null that follows is not.
    response = client.patch(
        settings_url(owner),
        json={"retention_days": 10, "audio_recording_enabled": True, "e2e_enabled": None},
        headers=owner.headers,
    )
    assert fields(assert_problem(response, 422)) == {"e2e_enabled"}
    settings = client.get(settings_url(owner), headers=owner.headers).json()
    assert settings["retention_days"] == 30
    assert settings["audio_recording_enabled"] is False
    history = client.get(settings_url(owner) + "/history", headers=owner.headers).json()
    assert history == []
    assert rows(world, SettingChange) == 0


def test_unknown_setting_is_422(owner: Person, client: TestClient) -> None:
    response = client.patch(
        settings_url(owner), json={"face_recognition": True}, headers=owner.headers
    )
    assert fields(assert_problem(response, 422)) == {"face_recognition"}


def test_settings_changes_appear_in_the_history(owner: Person, client: TestClient) -> None:
    response = client.patch(
        settings_url(owner),
        json={"police_requests_enabled": False, "audio_recording_enabled": True},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["police_requests_enabled"] is False
    assert response.json()["audio_recording_enabled"] is True
    client.patch(settings_url(owner), json={"retention_days": 90}, headers=owner.headers)
    # Setting a value to what it already is records nothing.
    client.patch(settings_url(owner), json={"retention_days": 90}, headers=owner.headers)

    history = client.get(settings_url(owner) + "/history", headers=owner.headers)
    assert history.status_code == 200
    entries = history.json()
    assert {(e["setting"], e["old_value"], e["new_value"]) for e in entries} == {
        ("police_requests_enabled", "true", "false"),
        ("audio_recording_enabled", "false", "true"),
        ("retention_days", "30", "90"),
    }
    assert len(entries) == 3
    assert {e["user_id"] for e in entries} == {owner.user.id}
    assert all(e["created_at"] for e in entries)


# -- cameras ------------------------------------------------------------------------


def cameras_url(person: Person) -> str:
    return f"/api/v1/households/{person.household_id}/cameras"


def test_add_a_camera(owner: Person, client: TestClient) -> None:
    response = client.post(
        cameras_url(owner),
        json={"name": "Garden", "kind": "outdoor", "position": "above the shed"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    camera = response.json()
    assert camera["household_id"] == owner.household_id
    assert (camera["name"], camera["kind"], camera["position"]) == (
        "Garden",
        "outdoor",
        "above the shed",
    )
    assert camera["people_only"] is False
    assert camera["zones"] == []
    names = [c["name"] for c in client.get(cameras_url(owner), headers=owner.headers).json()]
    assert sorted(names) == ["Front door", "Garden"]


@pytest.mark.parametrize("kind", ["doorbell", "outdoor", "indoor"])
def test_each_camera_kind_is_accepted(owner: Person, client: TestClient, kind: str) -> None:
    response = client.post(
        cameras_url(owner), json={"name": kind, "kind": kind}, headers=owner.headers
    )
    assert response.status_code == 201
    assert response.json()["kind"] == kind


@pytest.mark.parametrize("kind", ["drone", "Doorbell", "", None])
def test_other_camera_kinds_are_422(
    owner: Person, world: World, client: TestClient, kind: Any
) -> None:
    response = client.post(
        cameras_url(owner), json={"name": "X", "kind": kind}, headers=owner.headers
    )
    assert fields(assert_problem(response, 422)) == {"kind"}
    assert rows(world, Camera, household_id=owner.household_id) == 1


def test_duplicate_camera_name_is_409(owner: Person, world: World, client: TestClient) -> None:
    response = client.post(
        cameras_url(owner), json={"name": "Front door", "kind": "indoor"}, headers=owner.headers
    )
    assert fields(assert_problem(response, 409)) == {"name"}
    assert rows(world, Camera, household_id=owner.household_id) == 1


def test_same_camera_name_in_another_household_is_fine(
    owner: Person, world: World, client: TestClient
) -> None:
    other = world.person(Role.RESIDENT)
    client.delete(f"/api/v1/cameras/{other.camera_id}", headers=other.headers)
    response = client.post(
        cameras_url(other), json={"name": "Front door", "kind": "doorbell"}, headers=other.headers
    )
    assert response.status_code == 201, response.text
    assert rows(world, Camera, name="Front door") == 2


def test_patch_a_camera(owner: Person, client: TestClient) -> None:
    url = f"/api/v1/cameras/{owner.camera_id}"
    response = client.patch(
        url, json={"name": "Porch", "kind": "outdoor", "people_only": True}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    camera = client.get(url, headers=owner.headers).json()
    assert (camera["name"], camera["kind"], camera["people_only"]) == ("Porch", "outdoor", True)
    assert camera["position"] == ""
    assert len(camera["zones"]) == 1


def test_renaming_a_camera_onto_another_is_409(owner: Person, client: TestClient) -> None:
    client.post(
        cameras_url(owner), json={"name": "Garden", "kind": "outdoor"}, headers=owner.headers
    )
    url = f"/api/v1/cameras/{owner.camera_id}"
    assert_problem(client.patch(url, json={"name": "Garden"}, headers=owner.headers), 409)
    assert client.get(url, headers=owner.headers).json()["name"] == "Front door"


def test_a_camera_patch_failing_half_way_saves_nothing(owner: Person, client: TestClient) -> None:
    url = f"/api/v1/cameras/{owner.camera_id}"
    response = client.patch(
        url,
        json={"name": "Renamed", "position": "gate", "people_only": None},
        headers=owner.headers,
    )
    assert fields(assert_problem(response, 422)) == {"people_only"}
    camera = client.get(url, headers=owner.headers).json()
    assert (camera["name"], camera["position"]) == ("Front door", "")


def test_delete_a_camera_removes_its_zones(owner: Person, world: World, client: TestClient) -> None:
    url = f"/api/v1/cameras/{owner.camera_id}"
    client.post(url + "/zones", json={"points": SQUARE}, headers=owner.headers)
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 2
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert_problem(client.get(url, headers=owner.headers), 404)
    assert rows(world, Camera, id=owner.camera_id) == 0
    assert rows(world, PrivacyZone, camera_id=owner.camera_id) == 0
    assert_problem(client.delete(f"/api/v1/zones/{owner.zone_id}", headers=owner.headers), 404)


# -- privacy zones ------------------------------------------------------------------


def zones_url(person: Person) -> str:
    return f"/api/v1/cameras/{person.camera_id}/zones"


def test_add_a_zone(owner: Person, client: TestClient) -> None:
    response = client.post(
        zones_url(owner),
        json={"name": "Neighbour's window", "points": SQUARE},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    zone = response.json()
    assert zone["points"] == SQUARE
    assert zone["camera_id"] == owner.camera_id
    listed = client.get(zones_url(owner), headers=owner.headers).json()
    assert {z["name"] for z in listed} == {"Privacy zone", "Neighbour's window"}


def test_a_zone_covering_the_whole_frame_is_accepted(owner: Person, client: TestClient) -> None:
    whole = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    response = client.post(zones_url(owner), json={"points": whole}, headers=owner.headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "points",
    [
        BOW_TIE,
        [[0.1, 0.1], [0.5, 0.5]],
        [[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]],
        [[0.1, 0.1], [1.5, 0.1], [0.5, 0.5]],
        [[0.1, 0.1], [-0.1, 0.1], [0.5, 0.5]],
        [[0.1, 0.1], [0.5, 0.1, 0.3], [0.5, 0.5]],
        [[0.1, 0.1], ["NaN", 0.1], [0.5, 0.5]],
        [[0.5 + 0.01 * i, 0.5] for i in range(65)],
        "a square",
        [],
    ],
    ids=[
        "bow-tie",
        "two-points",
        "collinear",
        "outside-right",
        "outside-left",
        "triple",
        "nan",
        "65-points",
        "string",
        "empty",
    ],
)
def test_invalid_zone_is_422_naming_points_and_nothing_is_saved(
    owner: Person, world: World, client: TestClient, points: Any
) -> None:
    before = rows(world, PrivacyZone)
    response = client.post(zones_url(owner), json={"points": points}, headers=owner.headers)
    named = fields(assert_problem(response, 422))
    assert named
    assert all(f == "points" or f.startswith("points.") for f in named), named
    assert rows(world, PrivacyZone) == before


def test_replace_a_zone(owner: Person, world: World, client: TestClient) -> None:
    url = f"/api/v1/zones/{owner.zone_id}"
    response = client.put(url, json={"name": "Hedge", "points": SQUARE}, headers=owner.headers)
    assert response.status_code == 200, response.text
    zones = client.get(zones_url(owner), headers=owner.headers).json()
    assert [(z["id"], z["name"], z["points"]) for z in zones] == [(owner.zone_id, "Hedge", SQUARE)]

    assert_problem(client.put(url, json={"points": BOW_TIE}, headers=owner.headers), 422)
    zones = client.get(zones_url(owner), headers=owner.headers).json()
    assert zones[0]["points"] == SQUARE
    assert rows(world, PrivacyZone) == 1


def test_delete_a_zone(owner: Person, world: World, client: TestClient) -> None:
    url = f"/api/v1/zones/{owner.zone_id}"
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.get(zones_url(owner), headers=owner.headers).json() == []
    assert rows(world, PrivacyZone) == 0
    assert_problem(client.delete(url, headers=owner.headers), 404)


# -- another resident's objects -----------------------------------------------------------


def _state(world: World, owner: Person) -> tuple[Any, ...]:
    with world.sessions() as db:
        home = db.get(Household, owner.household_id)
        camera = db.get(Camera, owner.camera_id)
        zone = db.get(PrivacyZone, owner.zone_id)
        assert home is not None
        assert camera is not None
        assert zone is not None
        return (
            home.name,
            home.lat,
            home.retention_days,
            home.police_requests_enabled,
            camera.name,
            camera.position,
            zone.points,
            rows(world, Camera),
            rows(world, PrivacyZone),
            rows(world, SettingChange),
        )


NEIGHBOUR_REQUESTS = [
    ("GET", "/api/v1/households/{h}", None),
    ("PATCH", "/api/v1/households/{h}", {"name": "Mine now", "lat": 1.0}),
    ("DELETE", "/api/v1/households/{h}", None),
    ("GET", "/api/v1/households/{h}/settings", None),
    ("PATCH", "/api/v1/households/{h}/settings", {"police_requests_enabled": False}),
    ("GET", "/api/v1/households/{h}/settings/history", None),
    ("GET", "/api/v1/households/{h}/cameras", None),
    ("POST", "/api/v1/households/{h}/cameras", {"name": "Spy", "kind": "indoor"}),
    ("GET", "/api/v1/cameras/{c}", None),
    ("PATCH", "/api/v1/cameras/{c}", {"position": "moved"}),
    ("DELETE", "/api/v1/cameras/{c}", None),
    ("GET", "/api/v1/cameras/{c}/zones", None),
    ("POST", "/api/v1/cameras/{c}/zones", {"points": SQUARE}),
    ("PUT", "/api/v1/zones/{z}", {"points": SQUARE}),
    ("DELETE", "/api/v1/zones/{z}", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    NEIGHBOUR_REQUESTS,
    ids=[f"{m} {p}" for m, p, _ in NEIGHBOUR_REQUESTS],
)
def test_another_residents_objects_are_404_and_unchanged(
    owner: Person, world: World, client: TestClient, method: str, path: str, body: Any
) -> None:
    neighbour = world.person(Role.RESIDENT)
    before = _state(world, owner)
    url = path.format(h=owner.household_id, c=owner.camera_id, z=owner.zone_id)
    response = client.request(method, url, json=body, headers=neighbour.headers)
    theirs = assert_problem(response, 404)
    assert _state(world, owner) == before
    # The answer is the same as for an object that does not exist at all.
    missing = path.format(h="0" * 32, c="0" * 32, z="0" * 32)
    nobodys = assert_problem(
        client.request(method, missing, json=body, headers=neighbour.headers), 404
    )
    assert (theirs["type"], theirs["title"], theirs["detail"]) == (
        nobodys["type"],
        nobodys["title"],
        nobodys["detail"],
    )


def test_the_address_is_never_shown_to_another_resident(
    owner: Person, world: World, client: TestClient
) -> None:
    secret_address = "7 Hidden Mews"
    home_url = f"/api/v1/households/{owner.household_id}"
    client.patch(home_url, json={"address": secret_address}, headers=owner.headers)
    assert client.get(home_url, headers=owner.headers).json()["address"] == secret_address
    neighbour = world.person(Role.RESIDENT)
    for url in ("/api/v1/households", "/api/v1/me", home_url, home_url + "/cameras"):
        assert secret_address not in client.get(url, headers=neighbour.headers).text
