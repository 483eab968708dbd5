"""A shared copy is silent unless the owner keeps the sound; the original keeps it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from tests.requests.test_flow import WINDOW, draft_body
from tests.vault.conftest import api


def _kinds(media: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(media)
    with av.open(str(path)) as container:
        return sorted(s.type for s in container.streams)


@pytest.mark.parametrize(
    ("household", "answer", "kinds", "with_audio", "redacted"),
    [
        ({}, {}, ["video"], False, True),
        ({}, {"keep_audio": True}, ["audio", "video"], True, True),
        ({}, {"original": True}, ["audio", "video"], True, False),
        ({"share_audio_default": True}, {}, ["audio", "video"], True, True),
        ({"share_audio_default": True}, {"keep_audio": False}, ["video"], False, True),
        ({"share_blur_default": False}, {}, ["audio", "video"], True, False),
    ],
    ids=[
        "redacted-default",
        "redacted-with-sound",
        "original",
        "household-keeps-sound",
        "answer-overrides-household",
        "household-shares-originals",
    ],
)
def test_the_sound_is_shared_only_when_the_owner_keeps_it(
    client: TestClient,
    scene: dict[str, Any],
    mp4_with_sound: Path,
    tmp_path: Path,
    household: dict[str, bool],
    answer: dict[str, Any],
    kinds: list[str],
    with_audio: bool,
    redacted: bool,
) -> None:
    officer, owner = scene["officer"], scene["owner"]
    assert owner.camera_id is not None
    if household:  # the owner's recorded sharing settings
        changed = client.patch(
            f"/api/v1/households/{owner.household_id}/settings",
            json=household,
            headers=owner.headers,
        )
        assert changed.status_code == 200, changed.text
    start = WINDOW[0] + timedelta(minutes=50)
    clip = api(client, owner).upload_clip(
        owner.camera_id,
        mp4_with_sound,
        started_at=start,
        ended_at=start + timedelta(seconds=2),
        labels=[],
        idempotency_key="with-sound",
    )
    made = client.post("/api/v1/agency/requests", json=draft_body(), headers=officer.headers)
    request_id = made.json()["id"]
    client.post(
        f"/api/v1/agency/requests/{request_id}/approve", headers=scene["supervisor"].headers
    )
    shared = client.post(
        f"/api/v1/inbox/requests/{request_id}/response",
        headers=owner.headers,
        json={"decision": "share", "clip_ids": [clip["id"]]} | answer,
    )
    assert shared.status_code == 200, shared.text
    [share] = shared.json()
    assert (share["with_audio"], share["redacted"]) == (with_audio, redacted)
    media = client.get(f"/api/v1/agency/shares/{share['id']}/media", headers=officer.headers)
    assert media.status_code == 200, media.text
    assert _kinds(media.content, tmp_path, "copy.mp4") == kinds
    assert _kinds(mp4_with_sound.read_bytes(), tmp_path, "source.mp4") == ["audio", "video"]
