"""A post with a clip is saved at once; its redacted copy is made right after.

Here the route's background task is held back, so that each state can be seen: the
author is told the copy is being prepared (or why it could not be made), neighbours see
the post without a clip until the copy is ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from porchlight.authz import Role
from porchlight.feed import deps
from porchlight.feed.clips import Clips, prepare_post_clips
from porchlight.feed.models import Post
from porchlight.vault.models import VaultObject
from porchlight.video.errors import VideoError
from tests.conftest import Person, World
from tests.feed.factories import CLEAN
from tests.vault.conftest import upload
from tests.web.test_pages import sign_in


@pytest.fixture
def clips(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Clips:
    """Copies are made only when the test says."""
    monkeypatch.setattr(deps, "prepare_soon", lambda *args: None)
    web = app.state.web
    return Clips(vault=web.vault, redactor=web.requests.redactor)


@pytest.fixture
def owner(world: World) -> Person:
    return world.person(Role.RESIDENT)


@pytest.fixture
def clip(client: TestClient, owner: Person, mp4: Path) -> dict[str, Any]:
    return upload(client, owner, mp4)


def _post(client: TestClient, owner: Person, clip_id: str) -> dict[str, Any]:
    made = client.post(
        "/api/v1/feed/posts", json=CLEAN | {"clip_id": clip_id}, headers=owner.headers
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def _prepare(world: World, clips: Clips) -> int:
    with world.sessions() as db:
        return prepare_post_clips(db, clips)


def _feed_copies(world: World) -> list[VaultObject]:
    with world.sessions() as db:
        return list(db.scalars(select(VaultObject).where(VaultObject.kind == "feed")))


def test_the_post_is_live_at_once_and_its_clip_follows(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], clips: Clips
) -> None:
    neighbour = world.person(Role.RESIDENT)
    post = _post(client, owner, clip["id"])
    assert (post["status"], post["clip_state"], post["has_clip"]) == ("live", "preparing", False)
    seen = client.get(f"/api/v1/feed/posts/{post['id']}", headers=neighbour.headers).json()
    assert (seen["has_clip"], seen["clip_state"]) == (False, None)  # not the author's to know
    url = f"/api/v1/feed/posts/{post['id']}/clip"
    assert client.get(url, headers=neighbour.headers).status_code == 404
    sign_in(client, owner, f"/feed/posts/{post['id']}")
    assert "is being prepared" in client.get(f"/feed/posts/{post['id']}").text

    assert _prepare(world, clips) == 1
    assert _prepare(world, clips) == 0
    assert client.get(url, headers=neighbour.headers).status_code == 200
    mine = client.get(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers).json()
    assert (mine["clip_state"], mine["has_clip"]) == ("ready", True)


def test_a_clip_that_cannot_be_copied_tells_its_author_why(
    client: TestClient,
    world: World,
    owner: Person,
    clip: dict[str, Any],
    clips: Clips,
) -> None:
    def broken(source: Path, target: Path, *, keep_audio: bool = False) -> None:
        raise VideoError(f"{source.name}: cannot decode at 0.4 s (Invalid data)")

    post = _post(client, owner, clip["id"])
    assert _prepare(world, Clips(vault=clips.vault, redactor=broken)) == 0
    mine = client.get(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers).json()
    assert mine["clip_state"] == "failed"
    assert mine["clip_failure"].startswith("The copy could not be made: ")
    assert "cannot decode at 0.4 s" in mine["clip_failure"]
    assert _feed_copies(world) == []
    sign_in(client, owner, f"/feed/posts/{post['id']}")
    assert "cannot decode at 0.4 s" in client.get(f"/feed/posts/{post['id']}").text
    # Attaching it again tries again.
    again = client.patch(
        f"/api/v1/feed/posts/{post['id']}", json={"clip_id": clip["id"]}, headers=owner.headers
    )
    assert again.json()["clip_state"] == "preparing"
    assert _prepare(world, clips) == 1


def test_a_post_withdrawn_while_preparing_never_gets_a_copy(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], clips: Clips
) -> None:
    post = _post(client, owner, clip["id"])
    assert (
        client.delete(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers).status_code == 204
    )
    assert _prepare(world, clips) == 0
    assert _feed_copies(world) == []


def test_a_copy_finished_after_withdrawal_is_destroyed(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], clips: Clips
) -> None:
    post = _post(client, owner, clip["id"])
    redact = clips.redactor
    assert redact is not None

    def slow(source: Path, target: Path, *, keep_audio: bool = False) -> None:
        gone = client.delete(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers)
        assert gone.status_code == 204
        redact(source, target, keep_audio=keep_audio)

    _prepare(world, Clips(vault=clips.vault, redactor=slow))
    assert _feed_copies(world) == []
    with world.sessions() as db:
        stored = db.get(Post, post["id"])
        assert stored is not None
        assert (stored.status, stored.clip_object_id) == ("withdrawn", None)


def test_a_clip_deleted_before_its_copy_leaves_the_post_without_one(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], clips: Clips
) -> None:
    post = _post(client, owner, clip["id"])
    assert client.delete(f"/api/v1/clips/{clip['id']}", headers=owner.headers).status_code == 204
    assert _prepare(world, clips) == 0
    mine = client.get(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers).json()
    assert (mine["status"], mine["clip_state"], mine["clip_id"]) == ("live", "none", None)
