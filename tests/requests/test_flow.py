"""The whole request flow by API: draft, approve, fan-out, answer, view, expire.

Throughout, an agency-facing answer must never carry an owner's identity, address,
location, household or a decline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from porchlight.authz import Role
from porchlight.requests.models import Share
from porchlight.requests.rules import circle
from porchlight.vault.models import VaultObject
from tests.conftest import Person, World
from tests.vault.conftest import api

NOW = datetime.now(UTC)
WINDOW = (NOW - timedelta(hours=3), NOW - timedelta(hours=1))


def draft_body(case: str = "2026-000123", **changes: Any) -> dict[str, Any]:
    body = {
        "case_number": case,
        "incident_type": "package_theft",
        "justification": "A parcel was taken from a porch; a grey car was seen leaving north. "
        "Footage may show the car.",
        "incident_at": (WINDOW[0] + timedelta(minutes=30)).isoformat(),
        "window_start": WINDOW[0].isoformat(),
        "window_end": WINDOW[1].isoformat(),
        "area": circle(-122.65, 45.47, 300),
        "contact": "desk@police.example",
    }
    return body | changes


def move(client: TestClient, person: Person, lat: float, lng: float) -> None:
    assert (
        client.patch(
            f"/api/v1/households/{person.household_id}",
            headers=person.headers,
            json={"lat": lat, "lng": lng},
        ).status_code
        == 200
    )


def clip_in_window(client: TestClient, person: Person, media: Path) -> str:
    start = WINDOW[0] + timedelta(minutes=40)
    assert person.camera_id is not None
    return api(client, person).upload_clip(
        person.camera_id,
        media,
        started_at=start,
        ended_at=start + timedelta(seconds=3),
        labels=["vehicle"],
        idempotency_key=f"w-{person.user.id}",
    )["id"]


@pytest.fixture
def scene(client: TestClient, world: World, mp4: Path) -> dict[str, Any]:
    officer, supervisor = world.person(Role.OFFICER), world.person(Role.SUPERVISOR)
    owner, neighbour, quiet, refuser = (world.person(Role.RESIDENT) for _ in range(4))
    far = world.person(Role.RESIDENT)
    move(client, far, 45.50, -122.60)  # 4 km away: outside the area
    client.patch(
        f"/api/v1/households/{refuser.household_id}/settings",
        headers=refuser.headers,
        json={"police_requests_enabled": False},
    )
    clip_id = clip_in_window(client, owner, mp4)
    return {
        "officer": officer,
        "supervisor": supervisor,
        "owner": owner,
        "neighbour": neighbour,
        "quiet": quiet,
        "refuser": refuser,
        "far": far,
        "clip_id": clip_id,
    }


def _private_values(scene: dict[str, Any]) -> list[str]:
    values = []
    for key in ("owner", "neighbour", "quiet", "refuser", "far"):
        person: Person = scene[key]
        values += [
            person.household_id or "",
            person.user.id,
            person.email,
            "12 Test Lane",
            person.camera_id or "",
        ]
    return values


def assert_no_owner_data(body: Any, scene: dict[str, Any]) -> None:
    text = json.dumps(body)
    for value in _private_values(scene):
        assert value not in text
    assert "declined" not in text.replace("no_answer_or_declined", "")
    assert "45.47," not in text.replace(" ", "")  # no household coordinates


def test_whole_flow(client: TestClient, scene: dict[str, Any], mp4: Path) -> None:
    officer, supervisor, owner = scene["officer"], scene["supervisor"], scene["owner"]
    made = client.post("/api/v1/agency/requests", json=draft_body(), headers=officer.headers)
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    assert made.json()["status"] == "draft"
    # Nothing reaches anyone before approval, and the author cannot approve.
    assert client.get("/api/v1/inbox/requests", headers=owner.headers).json() == []
    assert (
        client.post(
            f"/api/v1/agency/requests/{request_id}/approve", headers=officer.headers
        ).status_code
        == 403
    )
    approved = client.post(
        f"/api/v1/agency/requests/{request_id}/approve", headers=supervisor.headers
    )
    assert approved.status_code == 200
    counts = approved.json()["counts"]
    # owner, neighbour and quiet live in the area; refuser turned requests off; far is outside.
    assert counts == {
        "households_asked": 3,
        "households_shared": 0,
        "no_answer_or_declined": 3,
        "clips_shared": 0,
    }
    assert client.get("/api/v1/inbox/requests", headers=scene["refuser"].headers).json() == []
    assert client.get("/api/v1/inbox/requests", headers=scene["far"].headers).json() == []

    inbox = client.get(f"/api/v1/inbox/requests/{request_id}", headers=owner.headers).json()
    assert inbox["your_clip_ids"] == [scene["clip_id"]]
    assert inbox["agency_retention_days"] == 30
    assert "No onward transfer" in inbox["terms"]
    other = client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=scene["neighbour"].headers,
        json={"decision": "share", "clip_ids": [scene["clip_id"]]},
    )
    assert other.status_code == 422  # someone else's clip
    declined = client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=scene["neighbour"].headers,
        json={"decision": "decline"},
    )
    assert declined.status_code == 200
    shared = client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=owner.headers,
        json={"decision": "share", "clip_ids": [scene["clip_id"]], "original": True},
    )
    assert shared.status_code == 200, shared.text
    share_id = shared.json()[0]["id"]

    view = client.get(f"/api/v1/agency/requests/{request_id}", headers=officer.headers).json()
    assert view["counts"] == {
        "households_asked": 3,
        "households_shared": 1,
        "no_answer_or_declined": 2,
        "clips_shared": 1,
    }
    assert [s["id"] for s in view["shares"]] == [share_id]
    assert_no_owner_data(view, scene)
    assert_no_owner_data(
        client.get("/api/v1/agency/requests", headers=officer.headers).json(), scene
    )
    share = client.get(f"/api/v1/agency/shares/{share_id}", headers=officer.headers).json()
    assert_no_owner_data(share, scene)
    assert share["status"] == "available"

    media = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=officer.headers)
    assert media.content == mp4.read_bytes()
    log = client.get("/api/v1/access-log", headers=owner.headers).json()["items"]
    assert any(e["action"] == "agency view" and "2026-000123" in e["purpose"] for e in log)
    # Opened: the owner can no longer revoke it.
    assert (
        client.post(f"/api/v1/inbox/shares/{share_id}/revoke", headers=owner.headers).status_code
        == 409
    )

    closed = client.post(f"/api/v1/agency/requests/{request_id}/close", headers=officer.headers)
    assert closed.json()["status"] == "closed"


def _share(client: TestClient, scene: dict[str, Any]) -> tuple[str, str]:
    made = client.post(
        "/api/v1/agency/requests", json=draft_body(), headers=scene["officer"].headers
    ).json()
    client.post(
        f"/api/v1/agency/requests/{made['id']}/approve", headers=scene["supervisor"].headers
    )
    shared = client.post(
        f"/api/v1/inbox/requests/{made['id']}/response",
        headers=scene["owner"].headers,
        json={"decision": "share", "clip_ids": [scene["clip_id"]]},
    )
    return made["id"], shared.json()[0]["id"]


def test_revoke_before_viewing_destroys_the_copy(
    client: TestClient, scene: dict[str, Any], world: World
) -> None:
    _, share_id = _share(client, scene)
    revoked = client.post(f"/api/v1/inbox/shares/{share_id}/revoke", headers=scene["owner"].headers)
    assert revoked.json()["status"] == "revoked"
    assert (
        client.get(
            f"/api/v1/agency/shares/{share_id}", headers=scene["officer"].headers
        ).status_code
        == 404
    )
    with world.sessions() as db:
        assert db.scalar(select(VaultObject).where(VaultObject.kind == "share")) is None


def test_expiry_destroys_the_share(client: TestClient, scene: dict[str, Any], world: World) -> None:
    _, share_id = _share(client, scene)
    with world.sessions.begin() as db:
        object_id = db.get(Share, share_id).object_id
        key = db.get(VaultObject, object_id).blob_key
        db.execute(
            update(Share)
            .where(Share.id == share_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    requests = client.app.state.web.requests  # type: ignore[attr-defined]
    with world.sessions() as db:
        assert requests.expire(db) == 1
    gone = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers)
    assert gone.status_code == 410
    assert not requests.vault.blobs.exists(key)
    with world.sessions() as db:
        assert db.get(VaultObject, object_id) is None
    # The owner's own clip is untouched.
    assert (
        client.get(
            f"/api/v1/clips/{scene['clip_id']}/media", headers=scene["owner"].headers
        ).status_code
        == 200
    )


def test_extension_needs_a_supervisor_and_is_capped(
    client: TestClient, scene: dict[str, Any]
) -> None:
    request_id, share_id = _share(client, scene)
    body = {"reason": "Suspect identified; case goes to court next month.", "days": 60}
    assert (
        client.post(
            f"/api/v1/agency/shares/{share_id}/extend", json=body, headers=scene["officer"].headers
        ).status_code
        == 403
    )
    before = client.get(
        f"/api/v1/agency/shares/{share_id}", headers=scene["supervisor"].headers
    ).json()["expires_at"]
    extended = client.post(
        f"/api/v1/agency/shares/{share_id}/extend", json=body, headers=scene["supervisor"].headers
    ).json()
    assert extended["expires_at"] > before
    cap = datetime.now(UTC) + timedelta(days=91)
    assert datetime.fromisoformat(extended["expires_at"]) < cap
    client.post(f"/api/v1/agency/requests/{request_id}/close", headers=scene["officer"].headers)
    assert (
        client.post(
            f"/api/v1/agency/shares/{share_id}/extend",
            json=body,
            headers=scene["supervisor"].headers,
        ).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        (
            {"justification": "We want footage of the protest and everyone at that rally outside."},
            "lawful-activity",
        ),
        ({"incident_type": "protest"}, "incident-type"),
        ({"case_number": "x"}, "case-number-format"),
        ({"window_end": (NOW + timedelta(hours=1)).isoformat()}, "window-future"),
        ({"area": circle(-122.65, 45.47, 2000)}, "area-size"),
    ],
)
def test_rules_answer_a_problem_naming_the_rule(
    client: TestClient, scene: dict[str, Any], changes: dict[str, Any], rule: str
) -> None:
    refused = client.post(
        "/api/v1/agency/requests", json=draft_body(**changes), headers=scene["officer"].headers
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith(f"rule/{rule}")


def test_at_most_two_requests_per_case(client: TestClient, scene: dict[str, Any]) -> None:
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/agency/requests",
                json=draft_body("CASE-7"),
                headers=scene["officer"].headers,
            ).status_code
            == 201
        )
    third = client.post(
        "/api/v1/agency/requests", json=draft_body("CASE-7"), headers=scene["officer"].headers
    )
    assert third.json()["type"].endswith("rule/requests-per-case")


def test_area_cap_counts_all_agencies(client: TestClient, scene: dict[str, Any]) -> None:
    ids = [
        client.post(
            "/api/v1/agency/requests",
            json=draft_body(f"CASE-{n}"),
            headers=scene["officer"].headers,
        ).json()["id"]
        for n in range(4)
    ]
    for request_id in ids[:3]:
        assert (
            client.post(
                f"/api/v1/agency/requests/{request_id}/approve", headers=scene["supervisor"].headers
            ).status_code
            == 200
        )
    fourth = client.post(
        f"/api/v1/agency/requests/{ids[3]}/approve", headers=scene["supervisor"].headers
    )
    assert fourth.status_code == 429
    assert fourth.json()["type"].endswith("rule/requests-per-area")


def test_incomplete_agency_record_cannot_ask(client: TestClient, world: World) -> None:
    from porchlight.accounts.models import Agency

    officer = world.person(Role.OFFICER)
    with world.sessions.begin() as db:
        db.get(Agency, officer.user.agency_id).policy_url = None
    refused = client.post("/api/v1/agency/requests", json=draft_body(), headers=officer.headers)
    assert refused.status_code == 409
    assert "incomplete" in refused.json()["detail"]


def test_other_agencies_and_residents_see_nothing(
    client: TestClient, scene: dict[str, Any], world: World
) -> None:
    request_id, share_id = _share(client, scene)
    stranger_world = World(world.sessions.kw["bind"], world.accounts)
    other_officer = stranger_world.person(Role.OFFICER)
    assert (
        client.get(
            f"/api/v1/agency/requests/{request_id}", headers=other_officer.headers
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/agency/shares/{share_id}/media", headers=other_officer.headers
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/agency/requests/{request_id}", headers=scene["owner"].headers
        ).status_code
        == 404
    )


def test_default_share_is_a_redacted_copy(
    client: TestClient, scene: dict[str, Any], mp4: Path, tmp_path: Path
) -> None:
    import av

    _, share_id = _share(client, scene)  # the owner did not ask for the original
    share = client.get(f"/api/v1/agency/shares/{share_id}", headers=scene["officer"].headers)
    assert share.json()["redacted"] is True
    media = client.get(
        f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers
    ).content
    assert media != mp4.read_bytes()
    copy = tmp_path / "shared.mp4"
    copy.write_bytes(media)
    with av.open(str(copy)) as container:  # a playable video, without audio
        assert container.streams.video
        assert not container.streams.audio
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(mp4)) as original:
        assert frames == sum(1 for _ in original.decode(video=0))


def test_download_is_watermarked_and_recorded(
    client: TestClient, scene: dict[str, Any], tmp_path: Path
) -> None:
    import av
    import numpy as np

    _, share_id = _share(client, scene)
    plain = client.get(
        f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers
    ).content
    download = client.get(
        f"/api/v1/agency/shares/{share_id}/download", headers=scene["officer"].headers
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    marked, original = tmp_path / "marked.mp4", tmp_path / "plain.mp4"
    marked.write_bytes(download.content)
    original.write_bytes(plain)
    with av.open(str(marked)) as a, av.open(str(original)) as b:
        first_marked = next(a.decode(video=0)).to_ndarray(format="rgb24")
        first_plain = next(b.decode(video=0)).to_ndarray(format="rgb24")
    height = first_marked.shape[0]
    # The bottom band carries the text; the top of the picture is unchanged.
    band = np.abs(
        first_marked[height * 2 // 3 :].astype(int)
        - first_plain[height * 2 // 3 : first_marked.shape[0]].astype(int)
    )
    assert band.mean() > 10
    top = np.abs(first_marked[: height // 4].astype(int) - first_plain[: height // 4].astype(int))
    assert top.mean() < 8
    log = client.get("/api/v1/access-log", headers=scene["owner"].headers).json()["items"]
    assert any(e["action"] == "agency download" for e in log)
    assert not list((client.app.state.web.vault.upload_dir).glob("tmp*"))  # type: ignore[attr-defined]


def test_every_step_is_in_the_transparency_log_without_owner_data(
    client: TestClient, scene: dict[str, Any], world: World
) -> None:
    from porchlight.transparency.models import LogEvent, Opening

    request_id, share_id = _share(client, scene)
    client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=scene["neighbour"].headers,
        json={"decision": "decline"},
    )
    client.get(f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers)
    client.post(
        f"/api/v1/agency/shares/{share_id}/extend",
        headers=scene["supervisor"].headers,
        json={"reason": "Charges filed; the court date is next month.", "days": 10},
    )
    client.post(f"/api/v1/agency/requests/{request_id}/close", headers=scene["officer"].headers)
    with world.sessions() as db:
        events = list(db.scalars(select(LogEvent).order_by(LogEvent.id)))
        private = set(db.scalars(select(Opening.event_id)))
    public = [e.event for e in events if e.id not in private]
    for name in (
        "agency:request:created",
        "agency:request:approved",
        "owner:clip:shared",
        "agency:share:viewed",
        "agency:share:extended",
        "agency:request:closed",
    ):
        assert name in public, name
    approved = next(e for e in events if e.event == "agency:request:approved")
    assert approved.counts == {"households": 3}
    committed = [e for e in events if e.id in private]
    assert len([e for e in committed if e.event == "agency:request:received"]) == 3
    assert any(e.event == "owner:request:answered" for e in committed)
    # No decline is public, and no entry names a household, person or address.
    assert all(e.detail.get("answer") != "declined" for e in events if e.id not in private)
    everything = b"".join(e.entry for e in events)
    assert b"declined" not in everything
    for value in _private_values(scene):
        assert value.encode() not in everything


def test_agency_weekly_cap(client: TestClient, scene: dict[str, Any]) -> None:
    requests = client.app.state.web.requests  # type: ignore[attr-defined]
    limits = requests.limits
    requests.limits = type(limits)(per_agency_week=1, per_cell_week=10)
    try:
        ids = [
            client.post(
                "/api/v1/agency/requests",
                json=draft_body(f"CAP-{n}"),
                headers=scene["officer"].headers,
            ).json()["id"]
            for n in range(2)
        ]
        assert (
            client.post(
                f"/api/v1/agency/requests/{ids[0]}/approve", headers=scene["supervisor"].headers
            ).status_code
            == 200
        )
        second = client.post(
            f"/api/v1/agency/requests/{ids[1]}/approve", headers=scene["supervisor"].headers
        )
        assert second.status_code == 429
        assert second.json()["type"].endswith("rule/requests-per-agency")
    finally:
        requests.limits = limits


def test_no_agency_facing_route_reveals_owners(client: TestClient, scene: dict[str, Any]) -> None:
    """Walk every route an agency can call, API and pages, and look for owner data."""
    from tests.test_authorization_matrix import API, PAGES
    from tests.web.test_pages import sign_in

    request_id, share_id = _share(client, scene)
    client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=scene["neighbour"].headers,
        json={"decision": "decline"},
    )
    agency_routes = [
        c
        for c in API + PAGES
        if c.method == "GET" and c.path.startswith(("/api/v1/agency", "/agency"))
    ]
    assert len(agency_routes) >= 8
    seen = 0
    for officer_or_supervisor in ("officer", "supervisor"):
        person = scene[officer_or_supervisor]
        client.cookies.clear()
        sign_in(client, person, "/agency/requests")
        for case in agency_routes:
            path = case.path.format(request_id=request_id, share_id=share_id)
            headers = person.headers if case.path.startswith("/api/") else {}
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text[:200])
            if response.headers["content-type"].startswith("video/"):
                continue
            body = response.text
            for value in _private_values(scene):
                assert value not in body, (path, value)
            assert "declined" not in body.replace("no_answer_or_declined", "").replace(
                "no answer yet or declined", ""
            ), path
            seen += 1
    assert seen >= 10
