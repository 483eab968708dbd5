"""Retention: expired clips are shredded, and nothing left can reproduce them."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from porchlight.authz import Role
from porchlight.db import utcnow
from porchlight.settings import Settings
from porchlight.vault.models import Clip, Upload, VaultObject, WrappedKey
from tests.conftest import World
from tests.vault.conftest import upload


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_sweep_shreds_expired_clips_beyond_recovery(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    keeper = world.person(Role.RESIDENT)
    secret_video = tmp_path / "secret.mp4"
    marker = b"UNIQUE-PLAINTEXT-MARKER-" * 50
    secret_video.write_bytes(b"\x00\x00\x00\x18ftypisom" + marker)
    clip = upload(client, owner, secret_video)
    kept = upload(client, keeper, secret_video, key="kept")
    identity = client.get(f"/api/v1/clips/{clip['id']}/key", headers=owner.headers).json()[
        "identity"
    ]
    vault = client.app.state.web.vault  # type: ignore[attr-defined]
    with world.sessions.begin() as db:
        media_id = db.get(Clip, clip["id"]).media_id
        wrapped = db.scalar(select(WrappedKey.wrapped).where(WrappedKey.object_id == media_id))
        # The owner's household keeps 30 days; this clip ended 31 days ago.
        db.execute(
            update(Clip)
            .where(Clip.id == clip["id"])
            .values(
                started_at=utcnow() - timedelta(days=31, seconds=5),
                ended_at=utcnow() - timedelta(days=31),
            )
        )
    with world.sessions() as db:
        assert vault.sweep_expired(db) == 1
    with world.sessions() as db:
        assert db.get(Clip, clip["id"]) is None
        assert db.get(Clip, kept["id"]) is not None
        assert db.scalar(select(func.count()).select_from(WrappedKey)) == 1  # the kept clip's
    assert client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers).status_code == 404
    assert (
        client.get(f"/api/v1/clips/{kept['id']}/media", headers=keeper.headers).status_code == 200
    )
    # Nothing on disk holds the footage, its key, or the key's wrapped form.
    everything = _all_bytes(settings.data_dir)
    assert marker[:40] not in everything
    assert identity.encode() not in everything
    assert base64.b64encode(wrapped)[:40] not in everything
    url = settings.database_url or ""
    if url.startswith("sqlite"):
        db_file = Path(url.split("///", 1)[1])
        database = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
        assert wrapped not in database
        assert identity.encode() not in database


def test_leftovers_are_cleaned(client: TestClient, world: World, tmp_path: Path) -> None:
    owner = world.person(Role.RESIDENT)
    vault = client.app.state.web.vault  # type: ignore[attr-defined]
    orphan = f"households/{owner.household_id}/objects/deadbeef-media.age"
    with (tmp_path / "x").open("wb+") as f:
        f.write(b"age-encryption.org/v1\nleft behind by a crash")
        f.seek(0)
        vault.blobs.put(orphan, f)
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"x" * 100)
    clip = upload(client, owner, video)
    with world.sessions.begin() as db:
        db.add(
            Upload(
                household_id=owner.household_id,
                camera_id=owner.camera_id,
                idempotency_key="stale",
                started_at=utcnow(),
                ended_at=utcnow(),
                labels=[],
                parts={"media": {"size": 10, "received": 3}},
                expires_at=utcnow() - timedelta(hours=1),
            )
        )
    with world.sessions() as db:
        stale_id = db.scalar(select(Upload.id).where(Upload.idempotency_key == "stale"))
    vault.part_path(stale_id, "media").write_bytes(b"abc")
    with world.sessions() as db:
        assert vault.clean_leftovers(db) >= 2
    assert not vault.blobs.exists(orphan)
    assert not vault.part_path(stale_id, "media").exists()
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(VaultObject)) == 1
        assert db.get(Clip, clip["id"]) is not None
