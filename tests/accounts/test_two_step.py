"""Two-step sign-in: a stolen password alone opens nothing.

The codes are checked against RFC 6238's own test vectors; the flows are driven the way
a person would: set up from the security page with a code from an authenticator app,
sign in with the password and then the code, use a recovery code once, turn it off."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from porchlight.accounts import twofactor
from porchlight.accounts.models import User, WebSession
from porchlight.app import create_app
from porchlight.authz import Role
from porchlight.settings import Settings
from porchlight.web.context import SESSION_COOKIE
from tests.conftest import PASSWORD, Person, World
from tests.web.test_pages import _csrf, sign_in

# RFC 6238 appendix B: the SHA-1 secret and (time, 8-digit code) pairs.
RFC_SECRET = b"12345678901234567890"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix", "code"), RFC_VECTORS)
def test_codes_match_rfc_6238(unix: int, code: str) -> None:
    assert twofactor.code_at(RFC_SECRET, twofactor.step_of(unix), digits=8) == code


def test_a_code_is_accepted_near_now_and_only_once() -> None:
    now = 1_800_000_000.0
    step = twofactor.step_of(now)
    code = twofactor.code_at(RFC_SECRET, step)
    assert twofactor.matching_step(RFC_SECRET, code, now, None) == step
    assert twofactor.matching_step(RFC_SECRET, code, now + 30, None) == step  # drift
    assert twofactor.matching_step(RFC_SECRET, code, now + 90, None) is None  # too late
    assert twofactor.matching_step(RFC_SECRET, code, now, step) is None  # replayed
    assert twofactor.matching_step(RFC_SECRET, "12 34 5", now, None) is None


def test_the_qr_code_carries_the_setup_address() -> None:
    uri = twofactor.setup_uri(RFC_SECRET, "ada@example.org")
    assert uri.startswith("otpauth://totp/Porchlight%3Aada%40example.org?secret=")
    assert f"secret={base64.b32encode(RFC_SECRET).decode().rstrip('=')}" in uri
    svg = twofactor.qr_svg(uri)
    assert svg.startswith("<svg")
    assert "<script" not in svg


def _code(client_secret: str, offset_steps: int = 1) -> str:
    """The app's code; by default the next one (the current one was spent on setup,
    and a code is accepted once; one step of drift is allowed)."""
    secret = base64.b32decode(client_secret + "=" * (-len(client_secret) % 8))
    return twofactor.code_at(secret, twofactor.step_of(time.time()) + offset_steps)


def _turn_on(client: TestClient, person: Person) -> tuple[str, list[str]]:
    """What a person does on the security page; returns the key and recovery codes."""
    sign_in(client, person, "/account/security")
    page = client.get("/account/security")
    assert "Two-step sign-in is <strong>off</strong>" in page.text
    setup = client.post("/account/security/setup", data={"csrf_token": _csrf(page.text)})
    assert setup.status_code == 200
    assert '<figure class="qr"><svg' in setup.text
    key = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', setup.text)
    assert key is not None
    wrong = client.post(
        "/account/security/confirm", data={"csrf_token": _csrf(setup.text), "code": "000000"}
    )
    assert wrong.status_code == 422
    assert "not the code your app shows now" in wrong.text
    done = client.post(
        "/account/security/confirm",
        data={"csrf_token": _csrf(wrong.text), "code": _code(key.group(1), 0)},
    )
    assert done.status_code == 201, done.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert len(codes) == 10
    client.cookies.clear()
    return key.group(1), codes


def _password_step(client: TestClient, person: Person) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )


def _code_step(client: TestClient, page: Any, code: str) -> Any:
    return client.post(
        "/login/code",
        data={"code": code, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )


def test_signing_in_needs_the_code_after_the_password(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    key, _ = _turn_on(client, person)
    first = _password_step(client, person)
    assert first.status_code == 200  # not signed in yet: the code page
    assert "Your code" in first.text
    assert SESSION_COOKIE not in first.cookies
    wrong = _code_step(client, first, "123456" if _code(key) != "123456" else "654321")
    assert wrong.status_code == 401
    assert "The code is wrong" in wrong.text
    code = _code(key)
    ok = _code_step(client, wrong, code)
    assert ok.status_code == 303
    assert SESSION_COOKIE in ok.cookies
    # The same code, seen over a shoulder, does not sign anyone in again.
    client.cookies.clear()
    again = _code_step(client, _password_step(client, person), code)
    assert again.status_code == 401


def test_a_code_without_the_password_step_is_refused(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    key, _ = _turn_on(client, person)
    page = client.get("/login")
    client.cookies.set("porchlight_second_step", f"{person.user.id}.9999999999.00")
    forged = client.post(
        "/login/code",
        data={"code": _code(key), "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert forged.status_code == 401
    assert "enter your password again" in forged.text


def test_recovery_codes_work_once(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    _, codes = _turn_on(client, person)
    used = _code_step(client, _password_step(client, person), codes[0].upper())
    assert used.status_code == 303
    client.cookies.clear()
    reused = _code_step(client, _password_step(client, person), codes[0])
    assert reused.status_code == 401
    with world.sessions() as db:
        user = db.get(User, person.user.id)
        assert user is not None
        assert len(user.recovery_digests) == 9
        assert all(codes[1] not in d for d in user.recovery_digests)  # digests only


def test_wrong_codes_lock_the_account_like_wrong_passwords(
    client: TestClient, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    _turn_on(client, person)
    page = _password_step(client, person)
    for _ in range(5):
        page = _code_step(client, page, "000000")
        assert page.status_code == 401
    page = _code_step(client, page, "000000")
    assert page.status_code == 429
    assert "locked" in page.text
    # The right password does not clear the count while the code is still missing.
    again = _password_step(client, person)
    assert again.status_code == 429


def test_api_login_asks_for_the_code(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    key, _ = _turn_on(client, person)
    body = {"email": person.email, "password": PASSWORD}
    missing = client.post("/api/v1/auth/login", json=body)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("/second-step-required")
    wrong = client.post("/api/v1/auth/login", json=body | {"code": "000000"})
    assert wrong.status_code == 401
    ok = client.post("/api/v1/auth/login", json=body | {"code": _code(key)})
    assert ok.status_code == 201, ok.text
    assert ok.json()["token"].startswith("plt_")


def test_turning_it_off_needs_the_password_and_a_code(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    key, codes = _turn_on(client, person)
    signed = _code_step(client, _password_step(client, person), _code(key))
    assert signed.status_code == 303
    page = client.get("/account/security")
    assert "Two-step sign-in is <strong>on</strong>" in page.text
    refused = client.post(
        "/account/security/disable",
        data={"csrf_token": _csrf(page.text), "password": "not-my-password", "code": "1"},
    )
    assert refused.status_code == 422
    off = client.post(
        "/account/security/disable",
        data={"csrf_token": _csrf(page.text), "password": PASSWORD, "code": codes[3]},
    )
    assert off.status_code == 200, off.text
    assert "Two-step sign-in is off." in off.text
    client.cookies.clear()
    assert sign_in(client, person) == "/home"  # the password alone again


def test_the_secret_is_stored_sealed(client: TestClient, world: World) -> None:
    person = world.person(Role.RESIDENT)
    key, _ = _turn_on(client, person)
    raw = base64.b32decode(key + "=" * (-len(key) % 8))
    with world.sessions() as db:
        user = db.scalar(select(User).where(User.id == person.user.id))
        assert user is not None
        assert user.totp_secret is not None
        assert raw not in user.totp_secret
        assert db.scalar(select(WebSession).where(WebSession.user_id == user.id)) is not None


def test_staff_must_set_it_up_before_anything_else(
    settings: Settings, engine: Engine, world: World
) -> None:
    required = settings.model_copy(update={"two_step_for_staff": True})
    assert required.staff_need_two_step
    assert Settings(environment="demo", _env_file=None).staff_need_two_step is False  # type: ignore[call-arg]
    officer, resident = world.person(Role.OFFICER), world.person(Role.RESIDENT)
    with TestClient(create_app(required, engine), base_url="https://testserver") as client:
        # The API refuses the officer's token, and a new token, with a clear problem.
        refused = client.get("/api/v1/me", headers=officer.headers)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/two-step-setup-required")
        login = client.post(
            "/api/v1/auth/login", json={"email": officer.email, "password": PASSWORD}
        )
        assert login.status_code == 403
        assert client.get("/api/v1/me", headers=resident.headers).status_code == 200
        # Pages send the officer to set it up; nothing else opens until then.
        landing = sign_in(client, officer)
        sent = client.get(landing, follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"].startswith("/account/security?notice=")
        agency = client.get("/agency/requests", follow_redirects=False)
        assert agency.headers["location"].startswith("/account/security")
        client.cookies.clear()
        _turn_on(client, officer)
        assert client.get("/api/v1/me", headers=officer.headers).status_code == 200


def test_an_admin_can_reset_it_for_someone_who_lost_everything(
    client: TestClient, world: World
) -> None:
    from porchlight.transparency.models import LogEvent

    person, admin = world.person(Role.RESIDENT), world.person(Role.ADMIN)
    _turn_on(client, person)
    url = f"/api/v1/admin/users/{person.user.id}"
    assert client.get(url, headers=admin.headers).json()["two_step"] is True
    other = world.person(Role.MODERATOR)
    refused = client.patch(url, json={"reset_two_step": True}, headers=other.headers)
    assert refused.status_code == 403
    reset = client.patch(url, json={"reset_two_step": True}, headers=admin.headers)
    assert reset.status_code == 200, reset.text
    assert reset.json()["two_step"] is False
    assert sign_in(client, person) == "/home"  # the password alone, until set up again
    with world.sessions() as db:
        events = db.scalars(select(LogEvent).where(LogEvent.event == "admin:two_step:reset"))
        [event] = list(events)
        assert person.user.id not in str(event.__dict__)
