"""Server-rendered pages without a browser: sessions, CSRF, redirects, headers, errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.homes.models import Camera, PrivacyZone
from porchlight.web.context import SESSION_COOKIE
from tests.conftest import PASSWORD, Person, World


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, person: Person, next_url: str = "/home") -> str:
    page = client.get(f"/login?next={next_url}")
    response = client.post(
        "/login",
        data={
            "email": person.email,
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "next": next_url,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_session_cookie_is_secure_httponly_and_lax(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


def test_login_without_the_form_token_is_refused(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    response = client.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "expired" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_form_post_without_csrf_is_refused_and_saves_nothing(
    client: TestClient, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    response = client.post(
        f"/households/{person.household_id}/cameras",
        data={"name": "Sneaky", "kind": "outdoor", "csrf_token": "nope"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    with world.sessions() as db:
        assert db.scalar(select(Camera.id).where(Camera.name == "Sneaky")) is None


def test_sign_in_does_not_redirect_off_site(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    assert sign_in(client, person, "//evil.example/steal") == "/home"


def test_protected_page_sends_visitor_to_sign_in_and_back(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    first = client.get(f"/cameras/{person.camera_id}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/login?next=/cameras/{person.camera_id}"
    assert sign_in(client, person, f"/cameras/{person.camera_id}") == (
        f"/cameras/{person.camera_id}"
    )


def test_dashboard_shows_household_cameras_and_settings(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    page = client.get("/home")
    assert page.status_code == 200
    assert "Test house" in page.text
    assert "Front door" in page.text
    assert "12 Test Lane" in page.text  # members see their own address
    assert 'name="police_requests_enabled" checked' in page.text


def test_settings_form_unticked_box_turns_setting_off(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    csrf = _csrf(client.get("/home").text)
    response = client.post(
        f"/households/{person.household_id}/settings",
        data={"csrf_token": csrf, "retention_days": "14", "share_blur_default": "on"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    settings = client.get(
        f"/api/v1/households/{person.household_id}/settings", headers=person.headers
    ).json()
    assert settings["retention_days"] == 14
    assert settings["police_requests_enabled"] is False
    assert settings["share_blur_default"] is True


def test_invalid_zone_shows_a_readable_error_and_saves_nothing(
    client: TestClient, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    csrf = _csrf(client.get(f"/cameras/{person.camera_id}").text)
    with world.sessions() as db:
        before = db.scalar(select(func.count()).select_from(PrivacyZone))
    response = client.post(
        f"/cameras/{person.camera_id}/zones",
        data={"csrf_token": csrf, "points": "0,0; 1,1; 1,0; 0,1"},
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "cross" in response.text
    garbled = client.post(
        f"/cameras/{person.camera_id}/zones", data={"csrf_token": csrf, "points": "left top; right"}
    )
    assert garbled.status_code == 422
    assert "x,y pairs" in garbled.text
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(PrivacyZone)) == before


def test_pages_carry_security_headers_and_load_nothing_from_elsewhere(
    client: TestClient, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    for path in (
        "/",
        "/login",
        "/home",
        f"/cameras/{person.camera_id}",
        "/agencies",
        "/account/tokens",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
        assert assets, path
        assert all(a.startswith("/") for a in assets), (path, assets)
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


def test_unknown_page_is_html_and_unknown_api_route_is_a_problem(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 404


def test_sign_out_ends_the_session(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    csrf = _csrf(client.get("/home").text)
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    assert client.get("/home", follow_redirects=False).headers["location"].startswith("/login")


def test_new_token_secret_is_shown_once(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(client, person)
    csrf = _csrf(client.get("/account/tokens").text)
    made = client.post(
        "/account/tokens",
        data={"csrf_token": csrf, "name": "garage agent", "scopes": ["household:read"]},
    )
    assert made.status_code == 201
    secret = re.search(r'<code id="new-token">([^<]+)</code>', made.text)
    assert secret
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"}).json()[
        "scopes"
    ] == ["household:read"]
    assert secret.group(1) not in client.get("/account/tokens").text


def test_admin_page_creates_accounts_and_agencies(client: TestClient, world: World) -> None:
    admin = world.person(Role.ADMIN)
    sign_in(client, admin)
    csrf = _csrf(client.get("/admin").text)
    weak = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "email": "w@example.org",
            "display_name": "W",
            "password": "Password123456",
            "role": "resident",
        },
    )
    assert weak.status_code == 422
    assert "common" in weak.text
    made = client.post(
        "/admin/agencies",
        data={
            "csrf_token": csrf,
            "name": "River PD",
            "jurisdiction": "River",
            "public_contact": "x",
            "retention_days": "60",
        },
    )
    assert made.status_code == 200  # followed the redirect back to /admin
    assert "Agency River PD registered." in made.text
    public = client.get("/agencies")
    assert "River PD" in public.text
    assert "60 days" in public.text
