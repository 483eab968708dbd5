"""The camera agent: events from a video become masked, encrypted clips on the server,
exactly once, even across an outage."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from porchlight.agent.cli import app
from porchlight.agent.config import AgentConfig, CameraConfig, ConfigError, load_config
from porchlight.agent.runner import Agent
from porchlight.authz import Role
from porchlight.client import PorchlightClient
from tests.agent.helpers import one_camera_agent
from tests.conftest import World
from tests.video.conftest import moving_box, write_video

runner = CliRunner()


@pytest.fixture(scope="module")
def event_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A still scene with a box crossing it from 2 s to 4 s (the video tests' scene)."""
    return write_video(tmp_path_factory.mktemp("agent") / "porch.mp4", moving_box())


def test_ingest_finds_the_event_and_prints_json(event_video: Path) -> None:
    result = runner.invoke(app, ["ingest", str(event_video.parent), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["events"] == 1
    event = data["events"][0]
    assert 1.5 <= event["start"] <= 2.5
    assert 3.5 <= event["end"] <= 5.0


def test_ingest_reports_unusable_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "skipped" in result.output


def test_run_uploads_a_masked_encrypted_clip_exactly_once(
    client: TestClient, world: World, event_video: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    # The whole left half of the frame is private.
    zone = {"name": "Street", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}
    client.post(f"/api/v1/cameras/{owner.camera_id}/zones", json=zone, headers=owner.headers)
    agent = one_camera_agent(client, owner, event_video, tmp_path / "spool")
    agent.run(once=True)
    assert agent.uploaded == 1
    assert list(agent.spool.pending()) == []
    clips = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    assert len(clips) == 1
    assert clips[0]["has_thumbnail"] is True
    media = client.get(f"/api/v1/clips/{clips[0]['id']}/media", headers=owner.headers).content
    video = tmp_path / "stored.mp4"
    video.write_bytes(media)
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            image = frame.to_ndarray(format="rgb24")
            left = image[:, : image.shape[1] // 2 - 24]
            assert int(np.max(left)) == 0  # the private half is black in every frame
    # A second run over the same recording (say after a crash) stores nothing new.
    one_camera_agent(client, owner, event_video, tmp_path / "spool2").run(once=True)
    assert len(client.get("/api/v1/clips", headers=owner.headers).json()["items"]) == 1


def test_events_wait_encrypted_during_an_outage(
    client: TestClient, world: World, event_video: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    spool = tmp_path / "spool"
    online = one_camera_agent(client, owner, event_video, spool)
    camera = online.config.cameras[0]
    online.setup(camera)  # settings cached while the server was reachable
    offline = Agent(online.config, PorchlightClient("http://127.0.0.1:9", owner.token, timeout=1.0))
    offline.watch(camera, once=True)
    assert offline.upload_pending() is False
    waiting = list(offline.spool.pending())
    assert len(waiting) == 1
    for part in waiting[0].parts.values():
        stored = part.path.read_bytes()
        assert stored.startswith(b"age-encryption.org/v1")
        assert b"ftyp" not in stored[:4096]
    # Back online: uploaded once, and the spool is empty.
    assert online.upload_pending() is True
    assert online.uploaded == 1
    assert list(online.spool.pending()) == []
    assert len(client.get("/api/v1/clips", headers=owner.headers).json()["items"]) == 1


def test_one_broken_camera_does_not_stop_the_others(
    client: TestClient, world: World, event_video: Path, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    assert owner.camera_id is not None
    config = AgentConfig(
        server="http://testserver",
        token=owner.token,
        spool=tmp_path / "s",
        cameras=[
            CameraConfig(id=owner.camera_id, source=str(tmp_path / "gone.mp4")),
            CameraConfig(id=owner.camera_id, source=str(event_video)),
        ],
    )
    agent = Agent(config, PorchlightClient(token=owner.token, http=client))
    agent.run(once=True)
    assert agent.uploaded == 1


def test_bad_config_is_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text('server = "http://x"\ntoken = "t"\ncameras = []\n')
    with pytest.raises(ConfigError, match="cameras"):
        load_config(path)
    result = runner.invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert "cameras" in result.output


def test_an_unexpected_error_is_logged_without_the_password_and_retried(
    client: TestClient,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = world.person(Role.RESIDENT)
    url = "rtsp://admin:s3cret-pass@192.0.2.10/stream1"
    agent = one_camera_agent(client, owner, url, tmp_path / "spool")
    calls = []

    def analyse(*args: object) -> int:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError(f"decoder crashed on {url}")
        agent.stop.set()
        return 0

    monkeypatch.setattr(agent, "analyse", analyse)
    agent.watch(agent.config.cameras[0], once=False)
    assert len(calls) == 2  # the camera was tried again
    assert "unexpected error, retrying: RuntimeError: decoder crashed on" in caplog.text
    assert "rtsp://admin:***@192.0.2.10/stream1" in caplog.text
    assert "s3cret-pass" not in caplog.text


@pytest.mark.parametrize("audio", [False, True], ids=["silent-by-default", "audio-on"])
def test_sound_is_recorded_only_when_the_household_turned_it_on(
    client: TestClient, world: World, tmp_path: Path, audio: bool
) -> None:
    owner = world.person(Role.RESIDENT)
    if audio:  # a recorded opt-in, in the household's settings
        changed = client.patch(
            f"/api/v1/households/{owner.household_id}/settings",
            json={"audio_recording_enabled": True},
            headers=owner.headers,
        )
        assert changed.status_code == 200, changed.text
        history = client.get(
            f"/api/v1/households/{owner.household_id}/settings/history", headers=owner.headers
        )
        assert [c["setting"] for c in history.json()] == ["audio_recording_enabled"]
    source = write_video(tmp_path / "porch.mp4", moving_box(), audio_seconds=6.0)
    agent = one_camera_agent(client, owner, source, tmp_path / "spool")
    agent.run(once=True)
    assert agent.uploaded == 1
    [clip] = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    media = client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers).content
    stored = tmp_path / "stored.mp4"
    stored.write_bytes(media)
    with av.open(str(stored)) as container:
        kinds = sorted(s.type for s in container.streams)
    assert kinds == (["audio", "video"] if audio else ["video"])
