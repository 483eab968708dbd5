"""End-to-end mode is switched on only with a key; bounded memory; wrong keys refused."""

from __future__ import annotations

import os
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from porchlight.authz import Role
from porchlight.client import ClientError, encrypt_part
from porchlight.crypto import generate_identity
from porchlight.vault.schemas import PartIn, UploadIn
from tests.conftest import World
from tests.vault.conftest import api, upload


def test_e2e_cannot_be_switched_on_without_a_key(client: TestClient, world: World) -> None:
    owner = world.person(Role.RESIDENT)
    url = f"/api/v1/households/{owner.household_id}/settings"
    refused = client.patch(url, json={"e2e_enabled": True}, headers=owner.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "e2e_enabled"
    assert "keys init" in refused.json()["detail"]
    key = generate_identity()
    client.post(
        f"/api/v1/households/{owner.household_id}/keys",
        headers=owner.headers,
        json={"recipient": str(key.recipient)},
    )
    assert client.get(url, headers=owner.headers).json()["e2e_enabled"] is True
    # The owner may go back to standard mode for new clips.
    back = client.patch(url, json={"e2e_enabled": False}, headers=owner.headers)
    assert back.json()["e2e_enabled"] is False
    history = client.get(f"{url}/history", headers=owner.headers).json()
    assert [(h["setting"], h["new_value"]) for h in history][:2] == [
        ("e2e_enabled", "false"),
        ("e2e_enabled", "true"),
    ]


def test_export_with_the_wrong_household_key_fails_clearly(
    client: TestClient, world: World, mp4: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    key = generate_identity()
    client.post(
        f"/api/v1/households/{owner.household_id}/keys",
        headers=owner.headers,
        json={"recipient": str(key.recipient)},
    )
    clip = upload(client, owner, mp4)
    with pytest.raises(Exception, match=r"does not|no identity|matching"):
        api(client, owner).export_clip(clip["id"], tmp_path, identity=generate_identity())


def test_ingest_memory_stays_bounded(client: TestClient, world: World, tmp_path: Path) -> None:
    """A 48 MiB clip passes through receive and complete with a few MiB of Python memory."""
    owner = world.person(Role.RESIDENT)
    vault = client.app.state.web.vault  # type: ignore[attr-defined]
    big = tmp_path / "big.mp4"
    with big.open("wb") as f:
        f.write(b"\x00\x00\x00\x18ftypisom")
        for _ in range(48):
            f.write(os.urandom(1024 * 1024))
    part = encrypt_part(big, {"vault": vault.recipient}, tmp_path)
    from porchlight.web.deps import actor_for

    with world.sessions() as db:
        actor = actor_for(db, owner.user, None)
        start = datetime.now(UTC) - timedelta(minutes=1)
        made = vault.start_upload(
            db,
            actor,
            UploadIn(
                camera_id=owner.camera_id or "",
                idempotency_key="big",
                started_at=start,
                ended_at=start + timedelta(seconds=30),
                media=PartIn(**part.announce()),
            ),
        )
        tracemalloc.start()
        with part.path.open("rb") as f:
            vault.receive(db, actor, made.id, "media", 0, f)
        clip = vault.complete(db, actor, made.id)
        stream = vault.stream(db, actor, clip.id, "media", None, "test")
        size = sum(len(chunk) for chunk in stream.chunks)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.commit()
    assert size == big.stat().st_size
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_upload_for_an_unknown_camera_is_refused(
    client: TestClient, world: World, mp4: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    with pytest.raises(ClientError) as refused:
        api(client, owner).upload_clip(
            "0" * 32,
            mp4,
            started_at=datetime.now(UTC),
            ended_at=datetime.now(UTC) + timedelta(seconds=1),
            labels=[],
            idempotency_key="nope",
        )
    assert refused.value.status == 404
