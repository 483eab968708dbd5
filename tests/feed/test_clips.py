"""A post shows a redacted copy of one of its author's own clips, never the clip itself."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import av
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from porchlight.authz import Role
from porchlight.crypto import encrypt_with_passphrase, generate_identity
from porchlight.feed.models import Post
from porchlight.vault.models import Clip, VaultObject
from tests.conftest import Person, World
from tests.feed.factories import CLEAN, HELD
from tests.vault.conftest import upload
from tests.web.test_pages import sign_in


def _post(client: TestClient, person: Person, clip_id: str, **fields: Any) -> Any:
    body = (fields or CLEAN) | {"clip_id": clip_id}
    return client.post("/api/v1/feed/posts", json=body, headers=person.headers)


def _made(client: TestClient, person: Person, clip_id: str, **fields: Any) -> Any:
    """Post with a clip: the answer comes before the copy; the post as read back after."""
    made = _post(client, person, clip_id, **fields)
    assert made.status_code == 201, made.text
    assert made.json()["clip_state"] == "preparing"
    return client.get(f"/api/v1/feed/posts/{made.json()['id']}", headers=person.headers).json()


def _copy(world: World, post_id: str) -> VaultObject | None:
    with world.sessions() as db:
        post = db.get(Post, post_id)
        assert post is not None
        if post.clip_object_id is None:
            return None
        return db.get(VaultObject, post.clip_object_id)


@pytest.fixture
def owner(world: World) -> Person:
    return world.person(Role.RESIDENT)


@pytest.fixture
def clip(client: TestClient, owner: Person, mp4: Path) -> dict[str, Any]:
    return upload(client, owner, mp4)


def test_neighbours_stream_a_redacted_copy(
    client: TestClient,
    world: World,
    owner: Person,
    clip: dict[str, Any],
    mp4: Path,
    tmp_path: Path,
) -> None:
    neighbour = world.person(Role.RESIDENT)  # same test address: the same feed cell
    post = _made(client, owner, clip["id"])
    assert post["status"] == "live"
    assert (post["has_clip"], post["clip_state"]) == (True, "ready")
    assert post["clip_id"] == clip["id"]

    seen = client.get(f"/api/v1/feed/posts/{post['id']}", headers=neighbour.headers).json()
    assert seen["has_clip"] is True
    assert seen["clip_id"] is None  # the author's clip id is not shown to neighbours

    copy = _copy(world, post["id"])
    assert copy is not None
    assert copy.kind == "feed"
    with world.sessions() as db:
        original = db.get(Clip, clip["id"])
        assert original is not None
        assert copy.id != original.media_id

    media = client.get(f"/api/v1/feed/posts/{post['id']}/clip", headers=neighbour.headers)
    assert media.status_code == 200, media.text
    assert media.headers["accept-ranges"] == "bytes"
    assert media.content != mp4.read_bytes()  # a redacted copy, not the original
    video = tmp_path / "copy.mp4"
    video.write_bytes(media.content)
    with av.open(str(video)) as container:
        assert container.streams.video
        assert not container.streams.audio
        assert sum(1 for _ in container.decode(video=0)) > 0

    part = client.get(
        f"/api/v1/feed/posts/{post['id']}/clip",
        headers=neighbour.headers | {"Range": "bytes=0-99"},
    )
    assert part.status_code == 206
    assert part.content == media.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(media.content)}"

    sign_in(client, neighbour, f"/feed/posts/{post['id']}")
    page = client.get(f"/feed/posts/{post['id']}")
    assert f'<video controls preload="metadata" src="/feed/posts/{post["id"]}/clip"' in page.text
    played = client.get(f"/feed/posts/{post['id']}/clip", headers={"Range": "bytes=10-"})
    assert played.status_code == 206
    assert played.content == media.content[10:]


def test_another_residents_clip_is_refused(
    client: TestClient, world: World, clip: dict[str, Any]
) -> None:
    other = world.person(Role.RESIDENT)
    refused = _post(client, other, clip["id"])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "clip_id"
    missing = _post(client, other, "0" * 32)
    assert missing.status_code == 422
    with world.sessions() as db:
        assert db.scalar(select(Post)) is None
        assert db.scalar(select(VaultObject).where(VaultObject.kind == "feed")) is None


def test_an_end_to_end_clip_cannot_be_attached(
    client: TestClient, world: World, owner: Person, mp4: Path
) -> None:
    household_key = generate_identity()
    backup = encrypt_with_passphrase(household_key.encode().encode(), "phrase", work_factor=10)
    made = client.post(
        f"/api/v1/households/{owner.household_id}/keys",
        headers=owner.headers,
        json={
            "recipient": str(household_key.recipient),
            "recovery": base64.b64encode(backup).decode(),
        },
    )
    assert made.status_code == 201
    clip = upload(client, owner, mp4)
    assert clip["e2e"] is True
    refused = _post(client, owner, clip["id"])
    assert refused.status_code == 409
    assert "end-to-end" in refused.json()["detail"]
    with world.sessions() as db:
        assert db.scalar(select(Post)) is None


def test_withdrawing_destroys_the_copy_and_keeps_the_clip(
    client: TestClient, app: FastAPI, world: World, owner: Person, clip: dict[str, Any]
) -> None:
    post_id = _post(client, owner, clip["id"]).json()["id"]
    copy = _copy(world, post_id)
    assert copy is not None
    blobs = app.state.web.vault.blobs
    assert blobs.exists(copy.blob_key)

    gone = client.delete(f"/api/v1/feed/posts/{post_id}", headers=owner.headers)
    assert gone.status_code == 204
    with world.sessions() as db:
        assert db.get(VaultObject, copy.id) is None
        post = db.get(Post, post_id)
        assert post is not None
        assert post.clip_object_id is None
        assert post.clip_id is None
    assert not blobs.exists(copy.blob_key)
    own = client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers)
    assert own.status_code == 200  # the owner's clip is untouched


def test_a_held_posts_clip_is_for_its_author_and_moderators_until_rejected(
    client: TestClient, app: FastAPI, world: World, owner: Person, clip: dict[str, Any]
) -> None:
    neighbour = world.person(Role.RESIDENT)
    moderator = world.person(Role.MODERATOR)
    post = _post(client, owner, clip["id"], **HELD).json()
    assert post["status"] == "held"
    url = f"/api/v1/feed/posts/{post['id']}/clip"
    assert client.get(url, headers=owner.headers).status_code == 200
    assert client.get(url, headers=moderator.headers).status_code == 200
    assert client.get(url, headers=neighbour.headers).status_code == 404

    copy = _copy(world, post["id"])
    assert copy is not None
    queue = client.get("/api/v1/moderation/queue", headers=moderator.headers).json()
    item = next(i for i in queue["items"] if i["post"]["id"] == post["id"])
    decided = client.post(
        f"/api/v1/moderation/items/{item['id']}/decision",
        headers=moderator.headers,
        json={"outcome": "reject", "guideline": "personal-data", "note": "No phone numbers."},
    )
    assert decided.status_code == 201, decided.text
    with world.sessions() as db:
        assert db.get(VaultObject, copy.id) is None
    assert not app.state.web.vault.blobs.exists(copy.blob_key)
    assert client.get(url, headers=owner.headers).status_code == 404


def _reject_then_overturn(client: TestClient, world: World, author: Person, post_id: str) -> None:
    first, second = world.person(Role.MODERATOR), world.person(Role.MODERATOR)
    queue = client.get("/api/v1/moderation/queue", headers=first.headers).json()
    item = next(i for i in queue["items"] if i["post"]["id"] == post_id)
    rejected = client.post(
        f"/api/v1/moderation/items/{item['id']}/decision",
        headers=first.headers,
        json={"outcome": "reject", "guideline": "personal-data", "note": "A phone number."},
    )
    assert rejected.status_code == 201, rejected.text
    appeal = client.post(
        f"/api/v1/feed/posts/{post_id}/appeal",
        json={"statement": "It is the shop's public number."},
        headers=author.headers,
    )
    assert appeal.status_code == 201, appeal.text
    [appealed] = client.get("/api/v1/moderation/queue", headers=second.headers).json()["items"]
    overturned = client.post(
        f"/api/v1/moderation/items/{appealed['id']}/decision",
        headers=second.headers,
        json={"outcome": "approve", "note": "A business number, fine."},
    )
    assert overturned.status_code == 201, overturned.text


def test_a_rejection_overturned_on_appeal_brings_the_clip_back(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], tmp_path: Path
) -> None:
    neighbour = world.person(Role.RESIDENT)
    post = _post(client, owner, clip["id"], **HELD).json()
    first_copy = _copy(world, post["id"])
    assert first_copy is not None
    _reject_then_overturn(client, world, owner, post["id"])

    seen = client.get(f"/api/v1/feed/posts/{post['id']}", headers=neighbour.headers).json()
    assert (seen["status"], seen["has_clip"]) == ("live", True)
    copy = _copy(world, post["id"])
    assert copy is not None
    assert copy.id != first_copy.id  # rendered again: the rejected copy stayed destroyed
    with world.sessions() as db:
        assert db.get(VaultObject, first_copy.id) is None
    media = client.get(f"/api/v1/feed/posts/{post['id']}/clip", headers=neighbour.headers)
    assert media.status_code == 200
    video = tmp_path / "restored.mp4"
    video.write_bytes(media.content)
    with av.open(str(video)) as container:
        assert not container.streams.audio
        assert sum(1 for _ in container.decode(video=0)) > 0


def test_an_overturned_post_whose_clip_was_deleted_goes_live_without_it(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any]
) -> None:
    post = _post(client, owner, clip["id"], **HELD).json()
    deleted = client.delete(f"/api/v1/clips/{clip['id']}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text
    _reject_then_overturn(client, world, owner, post["id"])
    mine = client.get(f"/api/v1/feed/posts/{post['id']}", headers=owner.headers).json()
    assert (mine["status"], mine["has_clip"], mine["clip_id"]) == ("live", False, None)
    with world.sessions() as db:
        assert db.scalar(select(VaultObject).where(VaultObject.kind == "feed")) is None


def test_editing_replaces_or_removes_the_copy(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any], mp4: Path
) -> None:
    post_id = _post(client, owner, clip["id"]).json()["id"]
    first = _copy(world, post_id)
    assert first is not None
    second_clip = upload(client, owner, mp4, key="event-2")
    url = f"/api/v1/feed/posts/{post_id}"
    edited = client.patch(url, json={"clip_id": second_clip["id"]}, headers=owner.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["clip_id"] == second_clip["id"]
    second = _copy(world, post_id)
    assert second is not None
    assert second.id != first.id
    with world.sessions() as db:
        assert db.get(VaultObject, first.id) is None
    removed = client.patch(url, json={"remove_clip": True}, headers=owner.headers)
    assert removed.json()["has_clip"] is False
    with world.sessions() as db:
        assert db.scalar(select(VaultObject).where(VaultObject.kind == "feed")) is None


def test_the_post_form_offers_own_clips_and_attaches_one(
    client: TestClient, world: World, owner: Person, clip: dict[str, Any]
) -> None:
    import re

    sign_in(client, owner)
    form = client.get("/feed")
    assert f'<option value="{clip["id"]}"' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    made = client.post(
        "/feed/posts",
        data={**CLEAN, "csrf_token": csrf.group(1), "clip_id": clip["id"]},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    post_id = made.headers["location"].split("/feed/posts/")[1].split("?")[0]
    assert _copy(world, post_id) is not None
    page = client.get(f"/feed/posts/{post_id}")
    assert f"/feed/posts/{post_id}/clip" in page.text


def _stream_kinds(client: TestClient, person: Person, post_id: str, tmp_path: Path) -> list[str]:
    media = client.get(f"/api/v1/feed/posts/{post_id}/clip", headers=person.headers)
    assert media.status_code == 200, media.text
    path = tmp_path / f"{post_id}.mp4"
    path.write_bytes(media.content)
    with av.open(str(path)) as container:
        return sorted(s.type for s in container.streams)


def test_a_post_keeps_its_clips_sound_only_when_the_author_asks(
    client: TestClient, world: World, owner: Person, mp4_with_sound: Path, tmp_path: Path
) -> None:
    neighbour = world.person(Role.RESIDENT)
    clip = upload(client, owner, mp4_with_sound, key="sound")
    silent = _made(client, owner, clip["id"])
    assert silent["clip_with_audio"] is False
    assert _stream_kinds(client, neighbour, silent["id"], tmp_path) == ["video"]

    second = {
        "category": "lost_pet",
        "title": "Dog barking at the gate",
        "body": "A small dog has been barking at our gate since noon; listen, is it yours?",
        "clip_keep_audio": True,
    }
    loud = _made(client, owner, clip["id"], **second)
    assert loud["clip_with_audio"] is True
    assert _stream_kinds(client, neighbour, loud["id"], tmp_path) == ["audio", "video"]

    # Changing one's mind renders the copy again, silent, and destroys the one with sound.
    before = _copy(world, loud["id"])
    assert before is not None
    edited = client.patch(
        f"/api/v1/feed/posts/{loud['id']}", json={"clip_keep_audio": False}, headers=owner.headers
    )
    assert edited.status_code == 200, edited.text
    mine = client.get(f"/api/v1/feed/posts/{loud['id']}", headers=owner.headers).json()
    assert (mine["clip_state"], mine["clip_with_audio"]) == ("ready", False)
    assert _stream_kinds(client, neighbour, loud["id"], tmp_path) == ["video"]
    with world.sessions() as db:
        assert db.get(VaultObject, before.id) is None


def test_the_households_sharing_setting_decides_the_sound_unless_the_post_says(
    client: TestClient, world: World, owner: Person, mp4_with_sound: Path, tmp_path: Path
) -> None:
    changed = client.patch(
        f"/api/v1/households/{owner.household_id}/settings",
        json={"share_audio_default": True},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text
    clip = upload(client, owner, mp4_with_sound, key="sound")
    post = _made(client, owner, clip["id"])
    assert post["clip_with_audio"] is True
    assert _stream_kinds(client, owner, post["id"], tmp_path) == ["audio", "video"]
