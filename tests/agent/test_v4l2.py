"""The agent on a real V4L2 camera: the kernel's vivid driver, in a virtual machine
(``tests/vm.py``), where the agent runs as on an owner's hub without network; its
spooled events are then uploaded here and checked as the owner would see them."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient

from porchlight.agent.config import AgentConfig, CameraConfig
from porchlight.agent.runner import Agent
from porchlight.authz import Role
from porchlight.client import PorchlightClient
from tests import vm
from tests.conftest import World

GUEST = Path(__file__).with_name("v4l2_guest.py")
#: vivid's "Horizontal Movement" menu: 6 is "Move Right Fast".
MOVE_RIGHT_FAST = 6
LEFT_HALF = {"name": "Neighbours' windows", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}

pytestmark = pytest.mark.skipif(vm.missing() is not None, reason=f"V4L2 tests: {vm.missing()}")


def test_a_usb_camera_records_masked_encrypted_events_that_upload_later(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    assert owner.camera_id is not None
    added = client.post(
        f"/api/v1/cameras/{owner.camera_id}/zones", json=LEFT_HALF, headers=owner.headers
    )
    assert added.status_code == 201, added.text
    outdir = tmp_path / "guest"
    camera = CameraConfig(
        id=owner.camera_id,
        source="/dev/video0",
        options={"video_size": "320x180", "framerate": "10"},
    )
    config = AgentConfig(
        server="http://127.0.0.1:9",  # the guest has no network: events wait in the spool
        token=owner.token,
        spool=outdir / "spool",
        cameras=[camera],
    )
    online = Agent(config, PorchlightClient(token=owner.token, http=client))
    online.setup(camera)  # zones and keys cached while the server was reachable
    job = {"config": config.model_dump(mode="json"), "seconds": 6, "movement": MOVE_RIGHT_FAST}
    (outdir / "agent.json").write_text(json.dumps(job))

    run = vm.run_guest(GUEST, outdir)
    assert run.returncode == 0, f"guest failed:\n{run.log}\n{run.console[-3000:]}"
    result = json.loads((outdir / "result.json").read_text())
    assert result["moving"] is True  # the device is vivid, with its controls
    assert result["stopped"] is True  # stopping the agent ends its camera thread
    assert len(result["events"]) >= 1
    assert all(e["parts"] == ["media", "thumbnail"] for e in result["events"])

    # Everything spooled in the guest is encrypted; uploaded here, exactly once.
    for event in online.spool.pending():
        for part in event.parts.values():
            assert part.path.read_bytes().startswith(b"age-encryption.org/v1")
    assert online.upload_pending() is True
    assert online.uploaded == len(result["events"])
    clips = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    assert len(clips) == len(result["events"])
    media = client.get(f"/api/v1/clips/{clips[0]['id']}/media", headers=owner.headers)
    stored = tmp_path / "stored.mp4"
    stored.write_bytes(media.content)
    frames = 0
    with av.open(str(stored)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        for frame in container.decode(video=0):
            image = frame.to_ndarray(format="rgb24")
            assert image.shape[:2] == (180, 320)
            assert int(np.max(image[:, : 320 // 2 - 24])) == 0  # the zone, black
            assert int(np.max(image[:, 320 // 2 + 24 :])) > 100  # vivid's colour bars
            frames += 1
    assert frames >= 10
