"""The accounts service on the real database: sign-in, lockout, tokens, sessions, users."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from porchlight.accounts import service as accounts_service
from porchlight.accounts.models import ApiToken, User, WebSession
from porchlight.accounts.passwords import Passwords
from porchlight.accounts.ratelimit import SlidingWindowLimiter
from porchlight.accounts.schemas import TokenIn, UserIn, UserPatch
from porchlight.accounts.service import SYSTEM, AccountRules, Accounts
from porchlight.authz import ROLE_SCOPES, Actor, Role, Scope
from porchlight.db import transaction, utcnow
from porchlight.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from porchlight.homes.models import Camera
from porchlight.web.deps import actor_for
from tests.conftest import PASSWORD, Person, World

CLIENT = "203.0.113.7"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shift_time(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the accounts service's idea of "now" forward."""

    def shift(delta: timedelta) -> None:
        monkeypatch.setattr(accounts_service, "utcnow", lambda: utcnow() + delta)

    return shift


def _strict(
    accounts: Accounts, *, max_failures: int = 3, limiter: SlidingWindowLimiter | None = None
) -> Accounts:
    return Accounts(
        accounts.passwords,
        AccountRules(max_failures=max_failures, lockout_minutes=15),
        limiter or SlidingWindowLimiter(1000, 60.0),
    )


def _login(
    world: World, accounts: Accounts, email: str, password: str, client: str = CLIENT
) -> User:
    """One sign-in as a request does it: a transaction that rolls back on refusal."""
    with transaction(world.sessions) as db:
        return accounts.authenticate(db, email, password, client)


def _stored_user(world: World, user_id: str) -> User:
    with world.sessions() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def _actor(world: World, person: Person, scopes: frozenset[Scope] | None = None) -> Actor:
    with world.sessions() as db:
        return actor_for(db, person.user, scopes)


# -- sign-in ------------------------------------------------------------------------


def test_authenticate_with_the_right_password(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    user = _login(world, accounts, person.email, PASSWORD)
    assert user.id == person.user.id


def test_authenticate_ignores_email_case_and_spaces(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    user = _login(world, accounts, f"  {person.email.upper()} ", PASSWORD)
    assert user.id == person.user.id


def test_wrong_password_is_refused(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with pytest.raises(Unauthenticated) as caught:
        _login(world, accounts, person.email, PASSWORD + "x")
    assert caught.value.status == 401


def test_unknown_email_is_refused_like_a_wrong_password(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with pytest.raises(Unauthenticated) as wrong_password:
        _login(world, accounts, person.email, "not-the-password")
    with pytest.raises(Unauthenticated) as unknown:
        _login(world, accounts, "nobody@example.org", PASSWORD)
    # The answer must not tell which of the two was wrong.
    assert unknown.value.detail == wrong_password.value.detail


def test_deactivated_account_cannot_sign_in(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        accounts.update_user(db, SYSTEM, person.user.id, UserPatch(is_active=False))
    with pytest.raises(Unauthenticated):
        _login(world, accounts, person.email, PASSWORD)


# -- lockout ------------------------------------------------------------------------


def test_failures_are_counted_although_the_request_rolls_back(
    world: World, accounts: Accounts
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts)
    for expected in (1, 2):
        with pytest.raises(Unauthenticated):
            _login(world, strict, person.email, "not-the-password")
        assert _stored_user(world, person.user.id).failed_logins == expected


def test_account_locks_after_max_failures_even_for_the_right_password(
    world: World, accounts: Accounts
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts, max_failures=3)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            _login(world, strict, person.email, "not-the-password")
    locked = _stored_user(world, person.user.id).locked_until
    assert locked is not None
    assert timedelta(minutes=14) < locked - utcnow() <= timedelta(minutes=15)

    with pytest.raises(TooManyRequests) as caught:
        _login(world, strict, person.email, PASSWORD)
    assert caught.value.status == 429
    assert 800 < int(caught.value.headers["Retry-After"]) <= 900


def test_lockout_ends_after_its_time(
    world: World, accounts: Accounts, shift_time: Callable[[timedelta], None]
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts, max_failures=2)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            _login(world, strict, person.email, "not-the-password")
    with pytest.raises(TooManyRequests):
        _login(world, strict, person.email, PASSWORD)
    shift_time(timedelta(minutes=16))
    assert _login(world, strict, person.email, PASSWORD).id == person.user.id
    assert _stored_user(world, person.user.id).locked_until is None


def test_success_resets_the_failure_count(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts, max_failures=3)
    for _ in range(2):
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                _login(world, strict, person.email, "not-the-password")
        _login(world, strict, person.email, PASSWORD)
        assert _stored_user(world, person.user.id).failed_logins == 0
    # Four failures in all, never three in a row: not locked.
    assert _stored_user(world, person.user.id).locked_until is None


def test_admin_can_clear_a_lockout(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts, max_failures=1)
    with pytest.raises(Unauthenticated):
        _login(world, strict, person.email, "not-the-password")
    with pytest.raises(TooManyRequests):
        _login(world, strict, person.email, PASSWORD)
    with transaction(world.sessions) as db:
        strict.update_user(db, SYSTEM, person.user.id, UserPatch(unlock=True))
    assert _login(world, strict, person.email, PASSWORD).id == person.user.id


def test_unknown_email_locks_like_a_real_one_and_nothing_else(
    world: World, accounts: Accounts
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    strict = _strict(accounts, max_failures=2)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            _login(world, strict, "nobody@example.org", PASSWORD)
    # Locked, exactly as a real account would be: the answer reveals nothing.
    with pytest.raises(TooManyRequests):
        _login(world, strict, "nobody@example.org", PASSWORD)
    assert _login(world, strict, person.email, PASSWORD).id == person.user.id


# -- rate limit per client address --------------------------------------------------------


def test_rate_limit_per_address(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    clock = FakeClock()
    limited = _strict(accounts, max_failures=100, limiter=SlidingWindowLimiter(3, 60.0, clock))
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            _login(world, limited, person.email, "not-the-password")
    # The right password does not get through a rate limit either.
    with pytest.raises(TooManyRequests) as caught:
        _login(world, limited, person.email, PASSWORD)
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 61
    # A refused attempt is not counted against the account.
    assert _stored_user(world, person.user.id).failed_logins == 3

    # Another address is not affected.
    assert _login(world, limited, person.email, PASSWORD, client="198.51.100.1")

    clock.now += 30
    with pytest.raises(TooManyRequests):
        _login(world, limited, person.email, PASSWORD)
    clock.now += 31
    assert _login(world, limited, person.email, PASSWORD).id == person.user.id


def test_limiter_counts_a_sliding_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 10.0, clock)
    assert limiter.hit("a") == 0
    clock.now += 5
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 6  # The first hit leaves the window in 5 s: wait 6.
    clock.now += 5
    assert limiter.hit("a") == 0  # The first has left; the second is still in.
    assert limiter.hit("a") > 0
    assert limiter.hit("b") == 0


# -- password rehash ----------------------------------------------------------------


def test_sign_in_upgrades_a_hash_made_with_older_costs(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    old_hash = _stored_user(world, person.user.id).password_hash
    stronger = Accounts(
        Passwords(memory_kib=2048, time_cost=2), AccountRules(), SlidingWindowLimiter(1000)
    )
    assert stronger.passwords.needs_rehash(old_hash)
    _login(world, stronger, person.email, PASSWORD)
    new_hash = _stored_user(world, person.user.id).password_hash
    assert new_hash != old_hash
    assert "m=2048,t=2" in new_hash
    assert not stronger.passwords.needs_rehash(new_hash)
    assert _login(world, stronger, person.email, PASSWORD).id == person.user.id


# -- API tokens ---------------------------------------------------------------------


def test_token_secret_is_shown_once_and_stored_only_hashed(
    world: World, accounts: Accounts, engine: Engine
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    actor = _actor(world, person)
    with transaction(world.sessions) as db:
        secret, token = accounts.issue_token(db, actor, TokenIn(name="agent"))
    assert secret.startswith("plt_")
    random_part = secret.split("_", 2)[2]
    assert len(random_part) >= 40
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 2  # The login token of the test account, and this one.
    dump = repr(rows)
    for known in (secret, person.token):
        assert known not in dump
        assert known.split("_", 2)[2] not in dump
    with world.sessions() as db:
        found = accounts.token_user(db, secret)
    assert found is not None
    assert found[0].id == person.user.id
    assert found[1].id == token.id


def test_a_tampered_secret_is_refused(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    plt, token_id, random_part = person.token.split("_", 2)
    prefix = f"{plt}_{token_id}"
    with world.sessions() as db:
        assert accounts.token_user(db, person.token) is not None
        assert accounts.token_user(db, f"{prefix}_{random_part[::-1]}") is None
        assert accounts.token_user(db, random_part) is None
        assert accounts.token_user(db, "plt_") is None


def test_token_scopes_default_to_the_role(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        _, token = accounts.issue_token(db, _actor(world, person), TokenIn(name="all"))
        assert set(token.scopes.split()) == {s.value for s in ROLE_SCOPES[Role.RESIDENT]}
        assert {"account", "household:read", "household:write"} <= set(token.scopes.split())


def test_token_cannot_carry_scopes_beyond_the_role(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with pytest.raises(InvalidInput) as caught, transaction(world.sessions) as db:
        accounts.issue_token(db, _actor(world, person), TokenIn(name="x", scopes=[Scope.ADMIN]))
    assert caught.value.errors[0].loc == ["body", "scopes"]
    assert "admin" in caught.value.detail


def test_a_scoped_token_cannot_issue_a_broader_one(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    narrow = _actor(world, person, frozenset({Scope.ACCOUNT, Scope.HOUSEHOLD_READ}))
    with transaction(world.sessions) as db:
        with pytest.raises(InvalidInput, match="household:write"):
            accounts.issue_token(db, narrow, TokenIn(name="x", scopes=[Scope.HOUSEHOLD_WRITE]))
        # Without a list it gets the issuing token's scopes, not the role's.
        _, token = accounts.issue_token(db, narrow, TokenIn(name="y"))
        assert set(token.scopes.split()) == {"account", "household:read"}


def test_a_token_needs_a_scope(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with pytest.raises(InvalidInput, match="at least one"), transaction(world.sessions) as db:
        accounts.issue_token(db, _actor(world, person), TokenIn(name="none", scopes=[]))


def test_token_without_household_write_cannot_add_a_camera(
    world: World, accounts: Accounts, client: TestClient
) -> None:
    person = world.person(Role.RESIDENT)
    with transaction(world.sessions) as db:
        secret, _ = accounts.issue_token(
            db,
            _actor(world, person),
            TokenIn(name="viewer", scopes=[Scope.ACCOUNT, Scope.HOUSEHOLD_READ]),
        )
    headers = {"Authorization": f"Bearer {secret}"}
    # It may read...
    assert (
        client.get(f"/api/v1/households/{person.household_id}", headers=headers).status_code == 200
    )
    # ...but not write.
    response = client.post(
        f"/api/v1/households/{person.household_id}/cameras",
        json={"name": "Garden", "kind": "outdoor"},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "household:write" in response.json()["detail"]
    with world.sessions() as db:
        names = db.scalars(select(Camera.name).where(Camera.household_id == person.household_id))
        assert list(names) == ["Front door"]
    # The full token of the same person may.
    response = client.post(
        f"/api/v1/households/{person.household_id}/cameras",
        json={"name": "Garden", "kind": "outdoor"},
        headers=person.headers,
    )
    assert response.status_code == 201


def test_revoked_token_is_refused(world: World, accounts: Accounts, client: TestClient) -> None:
    person = world.person(Role.RESIDENT, home=False)
    actor = _actor(world, person)
    with transaction(world.sessions) as db:
        secret, token = accounts.issue_token(db, actor, TokenIn(name="laptop"))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with transaction(world.sessions) as db:
        accounts.revoke_token(db, actor, token.id)
        accounts.revoke_token(db, actor, token.id)  # Twice is harmless.
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    # Other tokens of the same person still work.
    assert client.get("/api/v1/me", headers=person.headers).status_code == 200


def test_cannot_revoke_someone_elses_token(world: World, accounts: Accounts) -> None:
    alice = world.person(Role.RESIDENT, home=False)
    bob = world.person(Role.RESIDENT, home=False)
    with world.sessions() as db:
        bobs = db.scalar(select(ApiToken.id).where(ApiToken.user_id == bob.user.id))
    assert bobs is not None
    with pytest.raises(NotFound), transaction(world.sessions) as db:
        accounts.revoke_token(db, _actor(world, alice), bobs)
    with world.sessions() as db:
        assert accounts.token_user(db, bob.token) is not None


def test_expired_token_is_refused(
    world: World, accounts: Accounts, shift_time: Callable[[timedelta], None]
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        secret, token = accounts.issue_token(
            db, _actor(world, person), TokenIn(name="day", expires_in_days=1)
        )
    assert token.expires_at is not None
    with world.sessions() as db:
        assert accounts.token_user(db, secret) is not None
    shift_time(timedelta(days=1, seconds=1))
    with world.sessions() as db:
        assert accounts.token_user(db, secret) is None


def test_expired_token_is_refused_by_the_api(
    world: World, accounts: Accounts, client: TestClient
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        token = db.scalar(select(ApiToken).where(ApiToken.user_id == person.user.id))
        assert token is not None
        token.expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/api/v1/me", headers=person.headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_list_tokens_shows_only_your_own(world: World, accounts: Accounts) -> None:
    alice = world.person(Role.RESIDENT, home=False)
    world.person(Role.RESIDENT, home=False)
    actor = _actor(world, alice)
    time.sleep(0.002)  # Identifiers order rows by the millisecond.
    with transaction(world.sessions) as db:
        accounts.issue_token(db, actor, TokenIn(name="second"))
    with world.sessions() as db:
        tokens = accounts.list_tokens(db, actor)
    assert [t.name for t in tokens] == ["second", "login"]  # Newest first.
    assert {t.user_id for t in tokens} == {alice.user.id}


# -- web sessions -------------------------------------------------------------------


def test_web_session_lasts_its_hours_then_expires(
    world: World, accounts: Accounts, engine: Engine, shift_time: Callable[[timedelta], None]
) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        secret, _ = accounts.start_web_session(db, person.user)
    with engine.connect() as conn:
        assert secret not in repr(conn.execute(text("SELECT * FROM web_sessions")).all())
    with world.sessions() as db:
        found = accounts.web_session(db, secret)
        assert found is not None
        assert found[0].id == person.user.id
        assert accounts.web_session(db, secret + "x") is None
    shift_time(timedelta(hours=accounts.rules.session_hours) - timedelta(minutes=1))
    with world.sessions() as db:
        assert accounts.web_session(db, secret) is not None
    shift_time(timedelta(hours=accounts.rules.session_hours, seconds=1))
    with world.sessions() as db:
        assert accounts.web_session(db, secret) is None


def test_ending_a_web_session_signs_out(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        secret, web = accounts.start_web_session(db, person.user)
    with transaction(world.sessions) as db:
        accounts.end_web_session(db, web.id)
    with world.sessions() as db:
        assert accounts.web_session(db, secret) is None
        assert db.scalar(select(func.count()).select_from(WebSession)) == 0


def test_web_session_of_a_deactivated_account_ends(world: World, accounts: Accounts) -> None:
    person = world.person(Role.RESIDENT, home=False)
    with transaction(world.sessions) as db:
        secret, _ = accounts.start_web_session(db, person.user)
        accounts.update_user(db, SYSTEM, person.user.id, UserPatch(is_active=False))
    with world.sessions() as db:
        assert accounts.web_session(db, secret) is None
        assert accounts.token_user(db, person.token) is None


# -- users --------------------------------------------------------------------------


def _user_in(email: str, **extra: object) -> UserIn:
    return UserIn(email=email, display_name="Someone", password=PASSWORD, **extra)  # type: ignore[arg-type]


def test_create_user_stores_a_lower_case_email_and_a_hash(db: Session, accounts: Accounts) -> None:
    user = accounts.create_user(db, SYSTEM, _user_in("Mixed.Case@Example.ORG"))
    assert user.email == "mixed.case@example.org"
    assert user.role == "resident"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_duplicate_email_is_a_conflict_whatever_its_case(db: Session, accounts: Accounts) -> None:
    accounts.create_user(db, SYSTEM, _user_in("sam@example.org"))
    for email in ("sam@example.org", "SAM@example.org", "Sam@Example.Org"):
        with pytest.raises(Conflict) as caught:
            accounts.create_user(db, SYSTEM, _user_in(email))
        assert caught.value.status == 409
        assert caught.value.errors[0].loc == ["body", "email"]
    assert accounts.count_users(db) == 1


def test_create_user_refuses_a_weak_password(db: Session, accounts: Accounts) -> None:
    weak = UserIn(email="weak@example.org", display_name="W", password="password123")
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(db, SYSTEM, weak)
    assert caught.value.errors[0].loc == ["body", "password"]
    assert accounts.count_users(db) == 0


def test_officers_need_an_existing_agency(world: World, accounts: Accounts) -> None:
    with transaction(world.sessions) as db:
        with pytest.raises(InvalidInput) as caught:
            accounts.create_user(db, SYSTEM, _user_in("o1@example.org", role=Role.OFFICER))
        assert caught.value.errors[0].loc == ["body", "agency_id"]
        with pytest.raises(InvalidInput):
            accounts.create_user(
                db, SYSTEM, _user_in("o2@example.org", role=Role.SUPERVISOR, agency_id="0" * 32)
            )
        assert accounts.count_users(db) == 0
    agency_id = world.agency_id()
    with transaction(world.sessions) as db:
        officer = accounts.create_user(
            db, SYSTEM, _user_in("o3@example.org", role=Role.OFFICER, agency_id=agency_id)
        )
        assert officer.agency_id == agency_id


def test_only_agency_roles_belong_to_an_agency(world: World, accounts: Accounts) -> None:
    agency_id = world.agency_id()
    with pytest.raises(InvalidInput) as caught, transaction(world.sessions) as db:
        accounts.create_user(db, SYSTEM, _user_in("r@example.org", agency_id=agency_id))
    assert caught.value.errors[0].loc == ["body", "agency_id"]


def test_only_admins_create_users(world: World, accounts: Accounts) -> None:
    resident = world.person(Role.RESIDENT, home=False)
    with pytest.raises(Forbidden), transaction(world.sessions) as db:
        accounts.create_user(db, _actor(world, resident), _user_in("x@example.org"))


def test_admin_cannot_demote_or_deactivate_themselves(world: World, accounts: Accounts) -> None:
    admin = world.person(Role.ADMIN)
    actor = _actor(world, admin)
    for patch in (UserPatch(role=Role.RESIDENT), UserPatch(is_active=False)):
        with pytest.raises(InvalidInput, match="yourself"), transaction(world.sessions) as db:
            accounts.update_user(db, actor, admin.user.id, patch)
    stored = _stored_user(world, admin.user.id)
    assert stored.role == "admin"
    assert stored.is_active is True
    # Renaming yourself is fine.
    with transaction(world.sessions) as db:
        accounts.update_user(db, actor, admin.user.id, UserPatch(display_name="Boss"))
    assert _stored_user(world, admin.user.id).display_name == "Boss"


def test_admin_can_demote_another_admin(world: World, accounts: Accounts) -> None:
    admin = world.person(Role.ADMIN)
    other = world.person(Role.ADMIN)
    with transaction(world.sessions) as db:
        accounts.update_user(db, _actor(world, admin), other.user.id, UserPatch(role=Role.AUDITOR))
    assert _stored_user(world, other.user.id).role == "auditor"


def test_leaving_an_agency_role_clears_the_agency(world: World, accounts: Accounts) -> None:
    officer = world.person(Role.OFFICER)
    assert officer.user.agency_id is not None
    with transaction(world.sessions) as db:
        accounts.update_user(db, SYSTEM, officer.user.id, UserPatch(role=Role.MODERATOR))
    stored = _stored_user(world, officer.user.id)
    assert stored.role == "moderator"
    assert stored.agency_id is None


def test_list_users_pages_in_creation_order(world: World, accounts: Accounts) -> None:
    people = [world.person(Role.RESIDENT, home=False) for _ in range(5)]
    seen: list[str] = []
    cursor = None
    with world.sessions() as db:
        while True:
            page = accounts.list_users(db, SYSTEM, cursor, 2)
            assert len(page.items) <= 2
            seen += [u.id for u in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == sorted(p.user.id for p in people)
