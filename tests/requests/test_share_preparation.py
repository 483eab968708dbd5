"""An owner's answer returns at once; the shared copies are made right after it.

Redacting a long clip takes minutes, so a share starts ``preparing`` and becomes
``available`` when its copy is made (or ``failed``, with the reason, for the owner).
Here the route's background task is held back so that each state can be seen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from porchlight.requests.models import Share
from porchlight.requests.service import Requests
from porchlight.vault.models import VaultObject
from porchlight.video.errors import VideoError
from tests.conftest import World
from tests.requests.test_flow import _share


@pytest.fixture
def held(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Requests:
    """The app's request service, with copies made only when the test says."""
    requests: Requests = app.state.web.requests
    monkeypatch.setattr(requests, "prepare_soon", lambda sessions, ids: None)
    return requests


def _prepare(requests: Requests, world: World) -> int:
    with world.sessions() as db:
        return requests.prepare_shares(db)


def _share_copies(world: World) -> list[VaultObject]:
    with world.sessions() as db:
        return list(db.scalars(select(VaultObject).where(VaultObject.kind == "share")))


def test_a_share_is_preparing_then_available(
    client: TestClient, scene: dict[str, Any], world: World, held: Requests
) -> None:
    officer, owner = scene["officer"], scene["owner"]
    request_id, share_id = _share(client, scene)
    mine = client.get(f"/api/v1/inbox/requests/{request_id}", headers=owner.headers).json()
    assert [s["status"] for s in mine["your_shares"]] == ["preparing"]
    assert _share_copies(world) == []
    # The agency sees that a clip is coming, and cannot open it yet.
    shown = client.get(f"/api/v1/agency/shares/{share_id}", headers=officer.headers)
    assert shown.json()["status"] == "preparing"
    media = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=officer.headers)
    assert media.status_code == 409
    assert media.headers["content-type"] == "application/problem+json"
    assert "being prepared" in media.json()["detail"]

    assert _prepare(held, world) == 1
    assert _prepare(held, world) == 0  # made once
    assert len(_share_copies(world)) == 1
    shown = client.get(f"/api/v1/agency/shares/{share_id}", headers=officer.headers)
    assert shown.json()["status"] == "available"
    media = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=officer.headers)
    assert media.status_code == 200
    assert media.content[4:8] == b"ftyp"


def test_a_copy_that_cannot_be_made_tells_the_owner_why(
    client: TestClient,
    scene: dict[str, Any],
    world: World,
    held: Requests,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(source: Path, target: Path, *, keep_audio: bool = False) -> None:
        raise VideoError(f"{source.name}: cannot decode at 1.2 s (Invalid data)")

    monkeypatch.setattr(held, "redactor", broken)
    request_id, share_id = _share(client, scene)
    assert _prepare(held, world) == 0
    mine = client.get(f"/api/v1/inbox/requests/{request_id}", headers=scene["owner"].headers)
    [share] = mine.json()["your_shares"]
    assert share["status"] == "failed"
    assert share["failure"].startswith("The copy could not be made: ")
    assert "cannot decode at 1.2 s" in share["failure"]
    media = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers)
    assert media.status_code == 410
    assert _share_copies(world) == []
    with world.sessions() as db:
        stored = db.get(Share, share_id)
        assert stored is not None
        assert stored.object_id is None

    # The owner tries again once the problem is gone (the redactor works again).
    monkeypatch.undo()
    monkeypatch.setattr(held, "prepare_soon", lambda sessions, ids: None)
    owner = scene["owner"]
    other = client.post(f"/api/v1/inbox/shares/{share_id}/retry", headers=scene["officer"].headers)
    assert other.status_code == 404  # not the officer's to know about
    again = client.post(f"/api/v1/inbox/shares/{share_id}/retry", headers=owner.headers)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["failure"]) == ("preparing", None)
    assert _prepare(held, world) == 1
    media = client.get(f"/api/v1/agency/shares/{share_id}/media", headers=scene["officer"].headers)
    assert media.status_code == 200
    twice = client.post(f"/api/v1/inbox/shares/{share_id}/retry", headers=owner.headers)
    assert twice.status_code == 409


def test_a_clip_deleted_before_its_copy_is_made_fails_plainly(
    client: TestClient, scene: dict[str, Any], world: World, held: Requests
) -> None:
    request_id, _ = _share(client, scene)
    owner = scene["owner"]
    assert (
        client.delete(f"/api/v1/clips/{scene['clip_id']}", headers=owner.headers).status_code == 204
    )
    assert _prepare(held, world) == 0
    [share] = client.get(f"/api/v1/inbox/requests/{request_id}", headers=owner.headers).json()[
        "your_shares"
    ]
    assert (share["status"], share["failure"]) == (
        "failed",
        "The clip was deleted before its copy was made.",
    )


def test_a_share_revoked_while_preparing_never_gets_a_copy(
    client: TestClient, scene: dict[str, Any], world: World, held: Requests
) -> None:
    _, share_id = _share(client, scene)
    revoked = client.post(f"/api/v1/inbox/shares/{share_id}/revoke", headers=scene["owner"].headers)
    assert revoked.json()["status"] == "revoked"
    assert _prepare(held, world) == 0
    assert _share_copies(world) == []


def test_a_copy_finished_after_revocation_is_destroyed(
    client: TestClient,
    scene: dict[str, Any],
    world: World,
    held: Requests,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, share_id = _share(client, scene)
    redact = held.redactor
    assert redact is not None

    def slow(source: Path, target: Path, *, keep_audio: bool = False) -> None:
        # The owner revokes while the copy is being made.
        revoked = client.post(
            f"/api/v1/inbox/shares/{share_id}/revoke", headers=scene["owner"].headers
        )
        assert revoked.status_code == 200, revoked.text
        redact(source, target, keep_audio=keep_audio)

    monkeypatch.setattr(held, "redactor", slow)
    _prepare(held, world)
    assert _share_copies(world) == []
    with world.sessions() as db:
        stored = db.get(Share, share_id)
        assert stored is not None
        assert (stored.state, stored.object_id) == ("revoked", None)


def test_the_answer_page_and_the_agency_page_say_a_copy_is_coming(
    client: TestClient, scene: dict[str, Any], world: World, held: Requests
) -> None:
    from tests.web.test_pages import sign_in

    _, share_id = _share(client, scene)
    sign_in(client, scene["officer"], f"/agency/shares/{share_id}")
    page = client.get(f"/agency/shares/{share_id}")
    assert page.status_code == 200
    assert "is being prepared" in page.text
    assert "<video" not in page.text
    _prepare(held, world)
    page = client.get(f"/agency/shares/{share_id}")
    assert "<video" in page.text
