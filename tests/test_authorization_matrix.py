"""Every route, every role: who may do what, including on another household's objects.

Each row names a route and the status every role must get.  "owner" is the resident
whose household the path's objects belong to; "neighbour" is another resident.  A
test fails when the app has a route that is missing from this table, so no route can
be added without deciding who may use it.  "login" means: sent to the sign-in page.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from porchlight.accounts.models import ApiToken, WebSession
from porchlight.authz import Role
from porchlight.client import PorchlightClient
from porchlight.web.context import SESSION_COOKIE
from tests.conftest import PASSWORD, Person, World
from tests.feed.factories import feed_ids
from tests.transparency.factories import transparency_ids

ROLES = (
    "public",
    "owner",
    "neighbour",
    "officer",
    "supervisor",
    "moderator",
    "legal",
    "auditor",
    "admin",
)
ROLE_OF = {
    "owner": Role.RESIDENT,
    "neighbour": Role.RESIDENT,
    "officer": Role.OFFICER,
    "supervisor": Role.SUPERVISOR,
    "moderator": Role.MODERATOR,
    "legal": Role.LEGAL_REVIEWER,
    "auditor": Role.AUDITOR,
    "admin": Role.ADMIN,
}

L = "login"
ALL_200 = (200,) * 9
SIGNED_IN_200 = (401,) + (200,) * 8
ADMIN_ONLY = (401,) + (403,) * 7
OWNER_ONLY = (401, "ok", 404, 404, 404, 404, 404, 404, 404)
PAGE_ADMIN_ONLY = (L,) + (403,) * 7
PAGE_OWNER_ONLY = (L, "ok", 404, 404, 404, 404, 404, 404, 404)


RESIDENTS_200 = (401, 200, 200, *(403,) * 6)
FEED_POST = {
    "category": "lost_pet",
    "title": "Grey cat missing",
    "body": "Our grey tabby has been missing since Tuesday; she is shy but friendly.",
}


def moderators_only(ok: int) -> tuple[Any, ...]:
    return (401, *(403,) * 4, ok, *(403,) * 3)


def feed_item(owner: Any, neighbour: Any, moderator: Any) -> tuple[Any, ...]:
    """A feed post's route: other staff get 404, as if the post did not exist."""
    return (401, owner, neighbour, 404, 404, moderator, 404, 404, 404)


def page_feed_item(owner: Any, neighbour: Any, moderator: Any) -> tuple[Any, ...]:
    return (L, *feed_item(owner, neighbour, moderator)[1:])


AGENCY_200 = (401, 403, 403, 200, 200, 403, 403, 403, 403)


def AGENCY_OK(ok: int) -> tuple[Any, ...]:
    return (401, 403, 403, ok, ok, 403, 403, 403, 403)


def AGENCY_HIDDEN(officer: int, supervisor: int) -> tuple[Any, ...]:
    return (401, 404, 404, officer, supervisor, 404, 404, 404, 404)


def RESIDENTS(ok: int) -> tuple[Any, ...]:
    return (401, ok, ok, 403, 403, 403, 403, 403, 403)


def PAGE_RESIDENTS(ok: int) -> tuple[Any, ...]:
    return (L, ok, ok, 403, 403, 403, 403, 403, 403)


def PAGE_AGENCY_OK(ok: int) -> tuple[Any, ...]:
    return (L, 403, 403, ok, ok, 403, 403, 403, 403)


def PAGE_AGENCY_HIDDEN(officer: Any, supervisor: Any) -> tuple[Any, ...]:
    return (L, 404, 404, officer, supervisor, 404, 404, 404, 404)


def owner_only(ok: int) -> tuple[Any, ...]:
    return tuple(ok if x == "ok" else x for x in OWNER_ONLY)


def page_owner_only(ok: int) -> tuple[Any, ...]:
    return tuple(ok if x == "ok" else x for x in PAGE_OWNER_ONLY)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: tuple[Any, ...]
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    # "vault": the owner needs a clip and an upload; a named body is built per run.
    needs: str = ""
    body: str = ""
    content: bytes | None = None


NEW_USER = {"email": "new@example.org", "display_name": "New", "password": "a-long-passphrase"}
NEW_AGENCY = {"name": "Matrix PD", "jurisdiction": "Matrix", "public_contact": "m@example.org"}
HOUSEHOLD = {"name": "Another", "address": "1 Other St", "lat": 45.47, "lng": -122.65}
ZONE = {"name": "Z", "points": [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9]]}

API: list[Case] = [
    Case("GET", "/healthz", ALL_200),
    Case("GET", "/openapi.json", ALL_200),
    Case("POST", "/api/v1/auth/login", (401,) + (201,) * 8, json={}),
    Case("POST", "/api/v1/auth/logout", (401,) + (204,) * 8),
    Case("GET", "/api/v1/me", SIGNED_IN_200),
    Case("GET", "/api/v1/tokens", SIGNED_IN_200),
    Case("POST", "/api/v1/tokens", (401,) + (201,) * 8, json={"name": "matrix"}),
    Case("DELETE", "/api/v1/tokens/{token_id}", owner_only(204)),
    Case("GET", "/api/v1/agencies", ALL_200),
    Case("POST", "/api/v1/admin/agencies", (*ADMIN_ONLY, 201), json=NEW_AGENCY),
    Case("GET", "/api/v1/admin/users", (*ADMIN_ONLY, 200)),
    Case("POST", "/api/v1/admin/users", (*ADMIN_ONLY, 201), json=NEW_USER),
    Case("GET", "/api/v1/admin/users/{user_id}", (*ADMIN_ONLY, 200)),
    Case(
        "PATCH",
        "/api/v1/admin/users/{user_id}",
        (*ADMIN_ONLY, 200),
        json={"display_name": "Renamed"},
    ),
    Case("GET", "/api/v1/households", SIGNED_IN_200),
    Case(
        "POST", "/api/v1/households", (401, 201, 201, 403, 403, 403, 403, 403, 403), json=HOUSEHOLD
    ),
    Case("GET", "/api/v1/households/{household_id}", owner_only(200)),
    Case("PATCH", "/api/v1/households/{household_id}", owner_only(200), json={"name": "N"}),
    Case("DELETE", "/api/v1/households/{household_id}", owner_only(204)),
    Case("GET", "/api/v1/households/{household_id}/settings", owner_only(200)),
    Case(
        "PATCH",
        "/api/v1/households/{household_id}/settings",
        owner_only(200),
        json={"retention_days": 7},
    ),
    Case("GET", "/api/v1/households/{household_id}/settings/history", owner_only(200)),
    Case("GET", "/api/v1/households/{household_id}/cameras", owner_only(200)),
    Case(
        "POST",
        "/api/v1/households/{household_id}/cameras",
        owner_only(201),
        json={"name": "Garden", "kind": "outdoor"},
    ),
    Case("GET", "/api/v1/cameras/{camera_id}", owner_only(200)),
    Case("PATCH", "/api/v1/cameras/{camera_id}", owner_only(200), json={"position": "gate"}),
    Case("DELETE", "/api/v1/cameras/{camera_id}", owner_only(204)),
    Case("GET", "/api/v1/cameras/{camera_id}/zones", owner_only(200)),
    Case("POST", "/api/v1/cameras/{camera_id}/zones", owner_only(201), json=ZONE),
    Case("PUT", "/api/v1/zones/{zone_id}", owner_only(200), json=ZONE),
    Case("DELETE", "/api/v1/zones/{zone_id}", owner_only(204)),
    Case("GET", "/api/v1/households/{household_id}/vault", owner_only(200)),
    Case("POST", "/api/v1/households/{household_id}/keys", owner_only(201), body="key"),
    Case(
        "GET", "/api/v1/households/{household_id}/keys/recovery", owner_only(200), needs="recovery"
    ),
    Case("POST", "/api/v1/uploads", (401, 201, 404, 404, 404, 404, 404, 404, 404), body="upload"),
    Case("GET", "/api/v1/uploads/{upload_id}", owner_only(200), needs="vault"),
    Case("PUT", "/api/v1/uploads/{upload_id}/{part}", owner_only(200), needs="vault", content=b""),
    Case("POST", "/api/v1/uploads/{upload_id}/complete", owner_only(201), needs="vault"),
    Case("GET", "/api/v1/clips", SIGNED_IN_200),
    Case("GET", "/api/v1/clips/{clip_id}", owner_only(200), needs="vault"),
    Case("GET", "/api/v1/clips/{clip_id}/media", owner_only(200), needs="vault"),
    Case("GET", "/api/v1/clips/{clip_id}/thumbnail", owner_only(200), needs="vault"),
    Case("GET", "/api/v1/clips/{clip_id}/key", owner_only(200), needs="vault"),
    Case("GET", "/api/v1/clips/{clip_id}/ciphertext", owner_only(200), needs="vault"),
    Case("DELETE", "/api/v1/clips/{clip_id}", owner_only(204), needs="vault"),
    Case("GET", "/api/v1/access-log", (401, 200, 200, 403, 403, 403, 403, 403, 403)),
    # The feed: "owner" wrote the post (live, or rejected on appeal routes); "neighbour" lives
    # in its area.  Staff other than moderators may not know a post exists.
    Case("GET", "/api/v1/feed", RESIDENTS_200),
    Case("GET", "/api/v1/feed/mine", RESIDENTS_200),
    Case("GET", "/api/v1/feed/guidelines", ALL_200),
    Case("POST", "/api/v1/feed/posts", (401, 201, 201, *(403,) * 6), json=FEED_POST),
    Case("GET", "/api/v1/feed/posts/{post_id}", feed_item(200, 200, 200)),
    Case("PATCH", "/api/v1/feed/posts/{post_id}", feed_item(200, 403, 403), json={"title": "New"}),
    Case("DELETE", "/api/v1/feed/posts/{post_id}", feed_item(204, 403, 403)),
    # The matrix's post has no clip (tests/feed/test_clips.py streams one): whoever may
    # read the post hears "no clip"; other staff get the same 404 as for the post.
    Case("GET", "/api/v1/feed/posts/{post_id}/clip", feed_item(404, 404, 404)),
    Case(
        "POST",
        "/api/v1/feed/posts/{post_id}/appeal",
        feed_item(201, 404, 403),
        json={"statement": "Please look again."},
    ),
    Case(
        "POST",
        "/api/v1/feed/posts/{post_id}/comments",
        feed_item(201, 201, 403),
        json={"body": "Thanks for letting us know."},
    ),
    Case(
        "POST",
        "/api/v1/feed/posts/{post_id}/reports",
        feed_item(409, 204, 403),
        json={"guideline": "spam"},
    ),
    Case(
        "POST",
        "/api/v1/feed/comments/{comment_id}/reports",
        feed_item(409, 204, 403),
        json={"guideline": "spam"},
    ),
    Case("GET", "/api/v1/moderation/queue", moderators_only(200)),
    Case("GET", "/api/v1/moderation/items/{item_id}", moderators_only(200)),
    Case(
        "POST",
        "/api/v1/moderation/items/{item_id}/decision",
        moderators_only(201),
        json={"outcome": "approve", "note": "Fine as it is."},
    ),
    Case("GET", "/api/v1/moderation/decisions", moderators_only(200)),
    Case("GET", "/api/v1/moderation/stats", ALL_200),
    # The transparency log is public; "My record" is for the members of a household.
    Case("GET", "/log/checkpoint", ALL_200),
    Case("GET", "/log/key", ALL_200),
    Case("GET", "/log/tile/{tile_path:path}", ALL_200),
    Case("GET", "/api/v1/log", ALL_200),
    Case("GET", "/api/v1/log/entries/{index}", ALL_200),
    Case("GET", "/api/v1/log/entries/{index}/proof", ALL_200),
    Case("GET", "/api/v1/log/consistency/{first}/{second}", ALL_200),
    Case("GET", "/api/v1/my-record", RESIDENTS_200),
    Case("GET", "/api/v1/agency/requests", AGENCY_200),
    Case("POST", "/api/v1/agency/requests", AGENCY_OK(201), body="draft"),
    Case("GET", "/api/v1/agency/requests/{request_id}", AGENCY_HIDDEN(200, 200), needs="request"),
    Case(
        "POST",
        "/api/v1/agency/requests/{request_id}/approve",
        AGENCY_HIDDEN(403, 200),
        needs="draft",
    ),
    Case(
        "POST",
        "/api/v1/agency/requests/{request_id}/close",
        AGENCY_HIDDEN(200, 200),
        needs="request",
    ),
    Case("GET", "/api/v1/agency/shares/{share_id}", AGENCY_HIDDEN(200, 200), needs="request"),
    Case("GET", "/api/v1/agency/shares/{share_id}/media", AGENCY_HIDDEN(200, 200), needs="request"),
    Case(
        "GET",
        "/api/v1/agency/shares/{share_id}/download",
        AGENCY_HIDDEN(200, 200),
        needs="request",
    ),
    Case(
        "POST",
        "/api/v1/agency/shares/{share_id}/extend",
        AGENCY_HIDDEN(403, 200),
        needs="request",
        body="extension",
    ),
    Case("GET", "/api/v1/inbox/requests", RESIDENTS(200)),
    Case("GET", "/api/v1/inbox/requests/{request_id}", RESIDENTS(200), needs="request"),
    Case(
        "POST",
        "/api/v1/inbox/requests/{request_id}/response",
        RESIDENTS(200),
        needs="request",
        json={"decision": "decline"},
    ),
    Case("POST", "/api/v1/inbox/shares/{share_id}/revoke", owner_only(200), needs="request"),
    # Only a failed share can be tried again: the owner's ready share answers 409.
    Case("POST", "/api/v1/inbox/shares/{share_id}/retry", owner_only(409), needs="request"),
]

PAGES: list[Case] = [
    Case("GET", "/transparency", ALL_200),
    Case("GET", "/transparency/agencies/{agency_id}", ALL_200),
    Case("GET", "/transparency/jurisdictions/{jurisdiction}", ALL_200),
    Case("GET", "/transparency.csv", ALL_200),
    Case("GET", "/transparency.json", ALL_200),
    Case("GET", "/my-record", (L, 200, 200, *(403,) * 6)),
    Case("GET", "/", ALL_200),
    Case("GET", "/login", (200,) + (303,) * 8),
    Case("POST", "/login", (401,) + (303,) * 8, form={}),
    Case("POST", "/logout", (L,) + (303,) * 8, form={}),
    Case("GET", "/agencies", ALL_200),
    Case("GET", "/account/tokens", (L,) + (200,) * 8),
    Case("POST", "/account/tokens", (L,) + (201,) * 8, form={"name": "page token"}),
    Case("POST", "/account/tokens/{token_id}/revoke", page_owner_only(303), form={}),
    # Two-step sign-in: each person's own, for every signed-in role.
    Case("POST", "/login/code", (401,) + (303,) * 8, form={"code": "000000"}),
    Case("GET", "/account/security", (L,) + (200,) * 8),
    Case("POST", "/account/security/setup", (L,) + (200,) * 8, form={}),
    Case("POST", "/account/security/confirm", (L,) + (409,) * 8, form={"code": "000000"}),
    Case(
        "POST",
        "/account/security/disable",
        (L,) + (409,) * 8,
        form={"password": PASSWORD, "code": "000000"},
    ),
    Case("GET", "/admin", (*PAGE_ADMIN_ONLY, 200)),
    Case("POST", "/admin/users", (*PAGE_ADMIN_ONLY, 303), form=NEW_USER | {"role": "resident"}),
    Case("POST", "/admin/agencies", (*PAGE_ADMIN_ONLY, 303), form=NEW_AGENCY),
    Case("GET", "/home", (L, 200, 200, 403, 403, 403, 403, 403, 403)),
    Case("POST", "/households", (L, 303, 303, 403, 403, 403, 403, 403, 403), form=HOUSEHOLD),
    Case(
        "POST",
        "/households/{household_id}/settings",
        page_owner_only(303),
        form={"retention_days": "9"},
    ),
    Case(
        "POST",
        "/households/{household_id}/cameras",
        page_owner_only(303),
        form={"name": "Side gate", "kind": "outdoor"},
    ),
    Case("GET", "/cameras/{camera_id}", page_owner_only(200)),
    Case(
        "POST",
        "/cameras/{camera_id}/zones",
        page_owner_only(303),
        form={"points": "0.5,0.5; 0.9,0.5; 0.9,0.9"},
    ),
    Case("POST", "/zones/{zone_id}/delete", page_owner_only(303), form={}),
    Case("POST", "/cameras/{camera_id}/delete", page_owner_only(303), form={}),
    Case("GET", "/clips", (L, 200, 200, 403, 403, 403, 403, 403, 403)),
    Case("GET", "/clips/{clip_id}", page_owner_only(200), needs="vault"),
    Case("GET", "/clips/{clip_id}/media", page_owner_only(200), needs="vault"),
    Case("GET", "/clips/{clip_id}/thumbnail", page_owner_only(200), needs="vault"),
    Case("POST", "/clips/{clip_id}/delete", page_owner_only(303), form={}, needs="vault"),
    Case("GET", "/access-log", (L, 200, 200, 403, 403, 403, 403, 403, 403)),
    Case("GET", "/feed", (L, 200, 200, *(403,) * 6)),
    Case("POST", "/feed/posts", (L, 303, 303, *(403,) * 6), form=FEED_POST),
    Case("GET", "/feed/posts/{post_id}", page_feed_item(200, 200, 200)),
    Case("GET", "/feed/posts/{post_id}/clip", page_feed_item(404, 404, 404)),
    Case("POST", "/feed/posts/{post_id}/edit", page_feed_item(303, 403, 403), form=FEED_POST),
    Case(
        "POST",
        "/feed/posts/{post_id}/appeal",
        page_feed_item(303, 404, 403),
        form={"statement": "Please look again."},
    ),
    Case("POST", "/feed/posts/{post_id}/delete", page_feed_item(303, 403, 403), form={}),
    Case(
        "POST",
        "/feed/posts/{post_id}/comments",
        page_feed_item(303, 303, 403),
        form={"body": "Thanks for letting us know."},
    ),
    Case(
        "POST",
        "/feed/posts/{post_id}/report",
        page_feed_item(422, 303, 403),
        form={"guideline": "spam"},
    ),
    Case(
        "POST",
        "/feed/comments/{comment_id}/report",
        page_feed_item(422, 303, 403),
        form={"guideline": "spam"},
    ),
    Case("GET", "/moderation", (L, *(403,) * 4, 200, *(403,) * 3)),
    Case(
        "POST",
        "/moderation/items/{item_id}/decision",
        (L, *(403,) * 4, 303, *(403,) * 3),
        form={"outcome": "approve", "note": "Fine as it is."},
    ),
    Case("GET", "/inbox", PAGE_RESIDENTS(200)),
    Case("GET", "/inbox/{request_id}", PAGE_RESIDENTS(200), needs="request"),
    Case(
        "POST",
        "/inbox/{request_id}/response",
        PAGE_RESIDENTS(303),
        needs="request",
        form={"decision": "decline"},
    ),
    Case("POST", "/inbox/shares/{share_id}/revoke", page_owner_only(303), needs="request", form={}),
    Case("POST", "/inbox/shares/{share_id}/retry", page_owner_only(409), needs="request", form={}),
    Case("GET", "/agency/requests", PAGE_AGENCY_OK(200)),
    Case("POST", "/agency/requests", PAGE_AGENCY_OK(303), body="draft_form", form={}),
    Case("GET", "/agency/requests/{request_id}", PAGE_AGENCY_HIDDEN(200, 200), needs="request"),
    Case(
        "POST",
        "/agency/requests/{request_id}/approve",
        PAGE_AGENCY_HIDDEN(403, 303),
        needs="draft",
        form={},
    ),
    Case(
        "POST",
        "/agency/requests/{request_id}/close",
        PAGE_AGENCY_HIDDEN(303, 303),
        needs="request",
        form={},
    ),
    Case("GET", "/agency/shares/{share_id}", PAGE_AGENCY_HIDDEN(200, 200), needs="request"),
    Case("GET", "/agency/shares/{share_id}/media", PAGE_AGENCY_HIDDEN(200, 200), needs="request"),
    Case(
        "GET", "/agency/shares/{share_id}/download", PAGE_AGENCY_HIDDEN(200, 200), needs="request"
    ),
]

CASES = [
    pytest.param(c, role, i, id=f"{c.method} {c.path} as {role}")
    for c in API + PAGES
    for i, role in enumerate(ROLES)
]


def _people(world: World) -> dict[str, Person]:
    people = {"owner": world.person(Role.RESIDENT), "neighbour": world.person(Role.RESIDENT)}
    for name in ROLES[3:]:
        people[name] = world.person(ROLE_OF[name])
    return people


def _path(template: str, owner: Person, owner_token_id: str, extra: dict[str, str]) -> str:
    return template.format(
        household_id=owner.household_id,
        camera_id=owner.camera_id,
        zone_id=owner.zone_id,
        user_id=owner.user.id,
        token_id=owner_token_id,
        part="media",
        **extra,
    )


def _request_setup(
    client: TestClient,
    owner: Person,
    people: dict[str, Person],
    case: Case,
    found: dict[str, Any],
    tmp: Path,
) -> None:
    """A request by the matrix's officer: a draft, or approved with the owner's share."""
    from tests.requests.test_flow import WINDOW, draft_body
    from tests.vault.conftest import make_mp4

    body = draft_body(f"M-{uuid.uuid4().hex[:8].upper()}")
    found["draft"] = body
    found["draft_form"] = {k: v for k, v in body.items() if k != "area"} | {
        "lat": "45.47",
        "lng": "-122.65",
        "radius_m": "300",
        "incident_at": body["incident_at"][:16],
        "window_start": body["window_start"][:16],
        "window_end": body["window_end"][:16],
    }
    found["extension"] = {"reason": "The case is going to court; keep it a month.", "days": 30}
    if case.needs not in ("request", "draft"):
        return
    officer, supervisor = people["officer"], people["supervisor"]
    made = client.post("/api/v1/agency/requests", json=body, headers=officer.headers)
    assert made.status_code == 201, made.text
    found["request_id"] = made.json()["id"]
    if case.needs == "draft":
        return
    assert (
        client.post(
            f"/api/v1/agency/requests/{found['request_id']}/approve", headers=supervisor.headers
        ).status_code
        == 200
    )
    start = WINDOW[0] + timedelta(minutes=30)
    assert owner.camera_id is not None
    clip = PorchlightClient(token=owner.token, http=client).upload_clip(
        owner.camera_id,
        make_mp4(tmp / "event.mp4"),
        started_at=start,
        ended_at=start + timedelta(seconds=2),
        labels=[],
        idempotency_key=uuid.uuid4().hex,
    )
    shared = client.post(
        f"/api/v1/inbox/requests/{found['request_id']}/response",
        json={"decision": "share", "clip_ids": [clip["id"]]},
        headers=owner.headers,
    )
    assert shared.status_code == 200, shared.text
    found["share_id"] = shared.json()[0]["id"]


def _vault_setup(
    client: TestClient, owner: Person, case: Case, tmp: Path, people: dict[str, Person]
) -> dict[str, Any]:
    """The owner's clip (with thumbnail) and a fully sent upload; and request bodies."""
    from porchlight.client import encrypt_part
    from porchlight.crypto import encrypt_with_passphrase, generate_identity, parse_recipient

    found: dict[str, Any] = {}
    video = tmp / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"v" * 300)
    thumb = tmp / "t.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"t" * 100)
    vault_recipient = parse_recipient(str(client.app.state.web.vault.recipient))  # type: ignore[attr-defined]
    part = encrypt_part(video, {"vault": vault_recipient}, tmp)
    start = datetime.now(UTC) - timedelta(minutes=3)
    upload_body = {
        "camera_id": owner.camera_id,
        "idempotency_key": uuid.uuid4().hex,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=2)).isoformat(),
        "media": part.announce(),
    }
    found["upload"] = upload_body
    key = generate_identity()
    found["key"] = {"recipient": str(key.recipient)}
    if case.needs == "recovery":
        backup = encrypt_with_passphrase(b"secret", "phrase", work_factor=10)
        made = client.post(
            f"/api/v1/households/{owner.household_id}/keys",
            headers=owner.headers,
            json=found["key"] | {"recovery": base64.b64encode(backup).decode()},
        )
        assert made.status_code == 201
    if case.body in ("draft", "draft_form") or case.needs in ("request", "draft"):
        _request_setup(client, owner, people, case, found, tmp)
    if case.needs == "vault":
        from tests.vault.conftest import upload

        found["clip_id"] = upload(client, owner, video, thumb, key=uuid.uuid4().hex)["id"]
        made = client.post("/api/v1/uploads", json=upload_body, headers=owner.headers).json()
        client.put(
            f"/api/v1/uploads/{made['id']}/media",
            content=part.path.read_bytes(),
            headers=owner.headers | {"Upload-Offset": "0"},
        )
        found["upload_id"] = made["id"]
        found["received"] = part.size
    return found


def _web_login(world: World, client: TestClient, person: Person) -> str:
    with world.sessions.begin() as db:
        secret, web = world.accounts.start_web_session(db, person.user)
        csrf = web.csrf_token
    client.cookies.set(SESSION_COOKIE, secret, domain="testserver.local")
    return csrf


@pytest.mark.parametrize(("case", "role", "index"), CASES)
def test_route_answers_each_role(
    case: Case, role: str, index: int, world: World, client: TestClient, tmp_path: Path
) -> None:
    people = _people(world)
    owner = people["owner"]
    with world.sessions() as db:
        token_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.user.id))
    assert token_id is not None
    setup = _vault_setup(client, owner, case, tmp_path, people) if (case.needs or case.body) else {}
    ids = {
        k: v for k, v in setup.items() if k in ("clip_id", "upload_id", "request_id", "share_id")
    }
    ids |= feed_ids(world, owner, case.path)
    ids |= transparency_ids(world, client, case.path)
    path = _path(case.path, owner, token_id, ids)
    person = people.get(role)
    expected = case.expect[index]

    if case in PAGES:
        response = _page_request(
            world, client, case, path, person, setup.get(case.body) if case.body else None
        )
    else:
        headers = person.headers if person else {}
        body = setup[case.body] if case.body else case.json
        if case.path == "/api/v1/auth/login":
            body = {"email": person.email if person else "nobody@example.org", "password": PASSWORD}
        if case.content is not None:
            offset = {"Upload-Offset": str(setup["received"])}
            response = client.request(
                case.method, path, content=case.content, headers=headers | offset
            )
        else:
            response = client.request(case.method, path, json=body, headers=headers)

    if expected == L:
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/login")
    else:
        assert response.status_code == expected, response.text
        if expected in (303,):
            assert not response.headers["location"].startswith("/login")
    if response.status_code >= 400 and case in API:
        assert response.headers["content-type"].startswith("application/problem+json")


def _page_request(
    world: World,
    client: TestClient,
    case: Case,
    path: str,
    person: Person | None,
    extra_form: dict[str, Any] | None = None,
) -> Any:
    csrf = _web_login(world, client, person) if person else ""
    if case.path == "/login":
        if case.method == "GET":
            return client.get(path, follow_redirects=False)
        client.cookies.delete(SESSION_COOKIE)
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {
            "email": person.email if person else "nobody@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/home",
        }
        return client.post(path, data=form, follow_redirects=False)
    if case.method == "GET":
        return client.get(path, follow_redirects=False)
    form = extra_form or case.form or {}
    return client.post(path, data=form | {"csrf_token": csrf}, follow_redirects=False)


def iter_routes(routes: list[Any]) -> Any:
    """Every route of the app, looking inside included routers (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from iter_routes(nested.routes)
        else:
            yield route


def test_every_route_is_in_the_matrix(app: Any) -> None:
    listed = {(c.method, c.path) for c in API + PAGES}
    present = set()
    for route in iter_routes(app.routes):
        methods = getattr(route, "methods", None)
        if methods is None:  # the /static mount serves files only
            continue
        for method in methods - {"HEAD", "OPTIONS"}:
            present.add((method, route.path))
    assert len(present) > 40
    assert present - listed == set(), "routes missing from the authorization matrix"
    assert listed - present == set(), "matrix rows for routes that no longer exist"


def test_api_routes_are_documented_in_openapi(app: Any) -> None:
    documented = app.openapi()["paths"]
    for route in iter_routes(app.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1"):
            assert route.path in documented, route.path


def test_web_sessions_are_unaffected_by_bearer_routes(world: World, client: TestClient) -> None:
    """A session cookie alone never authorises an API call (so the API needs no CSRF)."""
    owner = world.person(Role.RESIDENT)
    _web_login(world, client, owner)
    assert client.get("/api/v1/me").status_code == 401
    with world.sessions() as db:
        assert db.scalar(select(WebSession.id)) is not None
