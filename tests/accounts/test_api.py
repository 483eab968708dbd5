"""The accounts API through HTTP: sign-in, tokens, admin users, problems for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from porchlight.accounts.models import ApiToken, User
from porchlight.authz import ROLE_SCOPES, Role
from tests.conftest import PASSWORD, Person, World

PROBLEM = "application/problem+json"


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem body with the given status; returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def count(world: World, model: Any) -> int:
    with world.sessions() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def new_user(email: str = "new.person@example.org", **extra: Any) -> dict[str, Any]:
    return {"email": email, "display_name": "New Person", "password": PASSWORD, **extra}


@pytest.fixture
def admin(world: World) -> Person:
    return world.person(Role.ADMIN)


# -- sign-in ------------------------------------------------------------------------


def test_login_returns_a_token_that_works_on_me(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT)
    response = login(client, person.email)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["token"].startswith("plt_")
    assert body["expires_at"] is not None

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    mine = me.json()
    assert mine["email"] == person.email
    assert mine["id"] == person.user.id
    assert mine["role"] == "resident"
    assert mine["household_ids"] == [person.household_id]
    assert set(mine["scopes"]) == {s.value for s in ROLE_SCOPES[Role.RESIDENT]}
    assert {"account", "household:read", "household:write"} <= set(mine["scopes"])
    assert "password_hash" not in mine


def test_me_without_a_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_me_with_a_bad_header_is_401(client: TestClient) -> None:
    for header in ("Basic dXNlcjpwYXNz", "Bearer ", "Bearer plt_nonsense"):
        assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_wrong_password_is_a_401_problem(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    body = assert_problem(login(client, person.email, "not-the-password"), 401)
    assert body["type"].endswith("/unauthenticated")
    assert body["title"] == "Unauthenticated"
    assert body["instance"] == "/api/v1/auth/login"
    unknown = assert_problem(login(client, "nobody@example.org"), 401)
    assert unknown["detail"] == body["detail"]
    assert count(world, ApiToken) == 1  # Only the fixture's own token.


def test_lockout_is_a_429_with_retry_after(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    for _ in range(5):  # The settings fixture keeps the default of five failures.
        assert_problem(login(client, person.email, "not-the-password"), 401)
    response = login(client, person.email)
    body = assert_problem(response, 429)
    assert body["type"].endswith("/too-many-requests")
    assert 800 < int(response.headers["retry-after"]) <= 900
    # An admin sees the lock.
    admin = world.person(Role.ADMIN)
    shown = client.get(f"/api/v1/admin/users/{person.user.id}", headers=admin.headers)
    assert shown.json()["locked"] is True


# -- tokens -------------------------------------------------------------------------


def test_token_crud(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    created = client.post(
        "/api/v1/tokens",
        json={"name": "camera agent", "scopes": ["household:read"], "expires_in_days": 7},
        headers=person.headers,
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    secret = issued["token"]
    assert issued["scopes"] == ["household:read"]

    listed = client.get("/api/v1/tokens", headers=person.headers)
    assert listed.status_code == 200
    assert {t["name"] for t in listed.json()} == {"camera agent", "login"}
    assert secret not in listed.text
    assert person.token not in listed.text
    assert all("token" not in t for t in listed.json())

    scoped = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=scoped).json()["scopes"] == ["household:read"]

    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=person.headers).status_code == (
        204
    )
    assert_problem(client.get("/api/v1/me", headers=scoped), 401)
    revoked = client.get("/api/v1/tokens", headers=person.headers).json()
    assert next(t for t in revoked if t["id"] == issued["id"])["revoked_at"] is not None


def test_revoking_another_persons_token_is_404(world: World, client: TestClient) -> None:
    alice = world.person(Role.RESIDENT, home=False)
    bob = world.person(Role.RESIDENT, home=False)
    bobs = client.get("/api/v1/tokens", headers=bob.headers).json()[0]["id"]
    assert_problem(client.delete(f"/api/v1/tokens/{bobs}", headers=alice.headers), 404)
    assert client.get("/api/v1/me", headers=bob.headers).status_code == 200


def test_token_with_a_scope_beyond_the_role_is_422(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    response = client.post(
        "/api/v1/tokens", json={"name": "sneaky", "scopes": ["admin"]}, headers=person.headers
    )
    assert fields(assert_problem(response, 422)) == {"scopes"}
    assert count(world, ApiToken) == 1


def test_logout_revokes_the_calling_token(world: World, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    assert client.post("/api/v1/auth/logout", headers=person.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=person.headers), 401)


# -- admin: users -------------------------------------------------------------------


def test_admin_creates_a_user_who_can_then_sign_in(admin: Person, client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/users", json=new_user("New.Person@Example.org"), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["email"] == "new.person@example.org"
    assert created["role"] == "resident"
    assert created["locked"] is False
    assert "password" not in json.dumps(created)
    assert login(client, "new.person@example.org").status_code == 201


def test_duplicate_email_is_409_naming_email(
    world: World, admin: Person, client: TestClient
) -> None:
    assert client.post(
        "/api/v1/admin/users", json=new_user(), headers=admin.headers
    ).status_code == (201)
    before = count(world, User)
    response = client.post(
        "/api/v1/admin/users", json=new_user("NEW.PERSON@example.org"), headers=admin.headers
    )
    body = assert_problem(response, 409)
    assert fields(body) == {"email"}
    assert count(world, User) == before


def test_weak_password_is_422_naming_password(
    world: World, admin: Person, client: TestClient
) -> None:
    response = client.post(
        "/api/v1/admin/users", json=new_user(password="Password2024"), headers=admin.headers
    )
    assert fields(assert_problem(response, 422)) == {"password"}
    assert count(world, User) == 1


def test_officer_without_agency_is_422_naming_agency_id(
    world: World, admin: Person, client: TestClient
) -> None:
    response = client.post(
        "/api/v1/admin/users", json=new_user(role="officer"), headers=admin.headers
    )
    assert fields(assert_problem(response, 422)) == {"agency_id"}
    assert count(world, User) == 1


def test_unknown_field_is_422_naming_it(world: World, admin: Person, client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/users", json=new_user(nickname="Nick"), headers=admin.headers
    )
    body = assert_problem(response, 422)
    assert fields(body) == {"nickname"}
    assert body["errors"][0]["msg"] == "Unknown field."
    assert "nickname" in body["detail"]
    assert count(world, User) == 1


def test_invalid_values_are_422_naming_each_field(admin: Person, client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/users",
        json={"email": "not-an-email", "display_name": "", "password": PASSWORD, "role": "king"},
        headers=admin.headers,
    )
    assert fields(assert_problem(response, 422)) == {"email", "display_name", "role"}


def test_malformed_json_is_a_400_problem(world: World, admin: Person, client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/users",
        content=b'{"email": "a@example.org", "display_name": ',
        headers=admin.headers | {"Content-Type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert body["type"].endswith("/malformed-json")
    assert count(world, User) == 1


def test_malformed_json_at_login_is_a_400_problem(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_oversized_body_is_a_413_problem_and_nothing_is_saved(
    world: World, admin: Person, client: TestClient
) -> None:
    limit = 1_048_576  # The settings fixture keeps the default max_body_bytes.
    payload = json.dumps(new_user(display_name="x" * limit)).encode()
    assert len(payload) > limit
    response = client.post(
        "/api/v1/admin/users",
        content=payload,
        headers=admin.headers | {"Content-Type": "application/json"},
    )
    body = assert_problem(response, 413)
    assert str(limit) in body["detail"]
    assert count(world, User) == 1


def test_oversized_streamed_body_is_a_413_problem(
    world: World, admin: Person, client: TestClient
) -> None:
    """A body sent in chunks, without a Content-Length, is counted as it arrives."""
    payload = json.dumps(new_user(display_name="x" * 1_100_000)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start : start + 64 * 1024]

    response = client.post(
        "/api/v1/admin/users",
        content=chunks(),
        headers=admin.headers | {"Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert count(world, User) == 1


def test_body_just_under_the_limit_is_read(admin: Person, client: TestClient) -> None:
    # A large but acceptable body reaches validation (display_name is capped at 200).
    payload = json.dumps(new_user(display_name="x" * 1_000_000)).encode()
    response = client.post(
        "/api/v1/admin/users",
        content=payload,
        headers=admin.headers | {"Content-Type": "application/json"},
    )
    assert fields(assert_problem(response, 422)) == {"display_name"}


def test_non_admins_cannot_create_users(world: World, client: TestClient) -> None:
    resident = world.person(Role.RESIDENT, home=False)
    assert_problem(
        client.post("/api/v1/admin/users", json=new_user(), headers=resident.headers), 403
    )
    assert_problem(client.post("/api/v1/admin/users", json=new_user()), 401)
    assert count(world, User) == 1


def test_admin_cannot_demote_themselves_through_the_api(admin: Person, client: TestClient) -> None:
    response = client.patch(
        f"/api/v1/admin/users/{admin.user.id}", json={"role": "resident"}, headers=admin.headers
    )
    assert_problem(response, 422)
    me = client.get("/api/v1/me", headers=admin.headers).json()
    assert me["role"] == "admin"


# -- pagination ---------------------------------------------------------------------


def test_user_pages_walk_every_user_exactly_once(
    world: World, admin: Person, client: TestClient
) -> None:
    for _ in range(6):
        world.person(Role.RESIDENT, home=False)
    with world.sessions() as db:
        everyone = list(db.scalars(select(User.id).order_by(User.id)))
    assert len(everyone) == 7

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/v1/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= 2
        seen += [u["id"] for u in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert seen == everyone


def test_a_user_added_between_pages_is_neither_skipped_nor_repeated(
    world: World, admin: Person, client: TestClient
) -> None:
    for _ in range(3):
        world.person(Role.RESIDENT, home=False)
    first = client.get("/api/v1/admin/users", params={"limit": 2}, headers=admin.headers).json()
    late = world.person(Role.RESIDENT, home=False)
    rest = client.get(
        "/api/v1/admin/users",
        params={"limit": 200, "cursor": first["next_cursor"]},
        headers=admin.headers,
    ).json()
    ids = [u["id"] for u in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert ids[-1] == late.user.id
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor!!", "AAAA", "%%%", "x" * 60])
def test_a_bad_cursor_is_422(admin: Person, client: TestClient, cursor: str) -> None:
    response = client.get(
        "/api/v1/admin/users", params={"cursor": cursor, "limit": 2}, headers=admin.headers
    )
    assert fields(assert_problem(response, 422)) == {"query.cursor"}


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_a_limit_out_of_range_is_422(admin: Person, client: TestClient, limit: int) -> None:
    response = client.get("/api/v1/admin/users", params={"limit": limit}, headers=admin.headers)
    assert fields(assert_problem(response, 422)) == {"query.limit"}


# -- agencies -----------------------------------------------------------------------


def test_agencies_are_public(world: World, client: TestClient) -> None:
    world.agency_id()
    response = client.get("/api/v1/agencies")
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 1
    assert items[0]["jurisdiction"] == "Testville"
    assert items[0]["public_contact"] == "desk@police.example"


def test_admin_registers_an_agency_and_a_duplicate_is_409(
    world: World, admin: Person, client: TestClient
) -> None:
    agency = {"name": "Elm PD", "jurisdiction": "Elm", "public_contact": "desk@elm.example"}
    assert client.post(
        "/api/v1/admin/agencies", json=agency, headers=admin.headers
    ).status_code == (201)
    body = assert_problem(
        client.post("/api/v1/admin/agencies", json=agency, headers=admin.headers), 409
    )
    assert fields(body) == {"name"}
    names = [a["name"] for a in client.get("/api/v1/agencies").json()["items"]]
    assert names == ["Elm PD"]


def test_lockout_does_not_reveal_which_emails_have_accounts(client, world) -> None:  # type: ignore[no-untyped-def]
    """An unknown email locks out after as many failures as a real one, with the same answer."""
    from porchlight.authz import Role

    real = world.person(Role.RESIDENT)
    answers = {}
    for email in (real.email, "nobody-here@example.org"):
        for _ in range(5):
            client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password!"})
        locked = client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-password!"}
        )
        answers[email] = (locked.status_code, locked.json()["detail"])
    assert answers[real.email] == answers["nobody-here@example.org"]
    assert answers[real.email][0] == 429


def test_a_race_past_the_duplicate_check_is_a_409(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """When two requests slip past the service's check, the database rule answers 409."""
    from porchlight.authz import Role
    from porchlight.homes import service

    owner = world.person(Role.RESIDENT)
    monkeypatch.setattr(service, "_check_camera_name", lambda *args: None)
    body = {"name": "Front door", "kind": "doorbell"}
    second = client.post(
        f"/api/v1/households/{owner.household_id}/cameras", json=body, headers=owner.headers
    )
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    cameras = client.get(
        f"/api/v1/households/{owner.household_id}/cameras", headers=owner.headers
    ).json()
    assert [c["name"] for c in cameras] == ["Front door"]
