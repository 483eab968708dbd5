"""The agent on RTSP cameras, served by GStreamer's RTSP server (an implementation
that is not ours), with a password in the URL as real cameras need, and a camera that
drops off the network in the middle of an event and comes back."""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from fastapi.testclient import TestClient

from porchlight.agent.runner import Agent
from porchlight.agent.spool import SpooledEvent
from porchlight.authz import Role
from porchlight.video.decode import open_video
from porchlight.video.errors import VideoError
from tests.agent.helpers import one_camera_agent
from tests.conftest import World
from tests.video.conftest import moving_box, write_video

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).with_name("rtsp_server.py")
USER, PASSWORD = "porch", "correct-horse-7431"


def _gstreamer_missing() -> bool:
    probe = "import gi; gi.require_version('GstRtspServer', '1.0')"
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode != 0
    except OSError:
        return True


pytestmark = pytest.mark.skipif(
    _gstreamer_missing(),
    reason="needs GStreamer's RTSP server for Debian's Python (run 'make system-deps')",
)


class RtspCamera:
    """The test server as a process: start it, kill it (the camera drops), start again."""

    def __init__(
        self, video: Path, codec: str = "h264", credentials: str = f"{USER}:{PASSWORD}"
    ) -> None:
        self.video, self.codec, self.credentials = video, codec, credentials
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.process: subprocess.Popen[str] | None = None

    def url(self, user: str = USER, password: str = PASSWORD) -> str:
        return f"rtsp://{user}:{password}@127.0.0.1:{self.port}/porch"

    def start(self) -> None:
        args = [SYSTEM_PYTHON, str(SERVER), str(self.port), "/porch", str(self.video), self.codec]
        self.process = subprocess.Popen(
            [*args, self.credentials], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until "ready" or the process ends
        if line.strip() != "ready":
            _, err = self.process.communicate(timeout=5)
            raise RuntimeError(f"the RTSP test server did not start: {err}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.communicate(timeout=10)
            self.process = None


@pytest.fixture
def camera(tmp_path: Path) -> Iterator[RtspCamera]:
    """A camera whose scene has a box moving across it for almost the whole 8 s."""
    video = write_video(tmp_path / "porch.mp4", moving_box(seconds=8.0, start=0.5, stop=7.5))
    server = RtspCamera(video)
    server.start()
    yield server
    server.kill()


@pytest.mark.parametrize(("encoder", "codec"), [("libx264", "h264"), ("libx265", "hevc")])
def test_rtsp_over_tcp_and_udp_with_the_password_never_shown(
    tmp_path: Path, encoder: str, codec: str
) -> None:
    video = write_video(tmp_path / "porch.mp4", moving_box(seconds=4.0), codec=encoder)
    camera = RtspCamera(video, "h265" if codec == "hevc" else "h264")
    camera.start()
    try:
        _open_both_ways(camera, codec)
    finally:
        camera.kill()


def _open_both_ways(camera: RtspCamera, codec: str) -> None:
    for options in ({"rtsp_transport": "tcp"}, {"rtsp_transport": "udp"}):
        with open_video(camera.url(), options=options) as reader:
            assert (reader.info.width, reader.info.height, reader.info.codec) == (
                320,
                240,
                codec,
            )
            assert PASSWORD not in reader.source
            frames = 0
            for packet in reader.packets():
                frames += len(reader.decode(packet))
                if frames >= 5:
                    break
            assert frames >= 5
    with pytest.raises(VideoError) as wrong:
        open_video(camera.url(password="guessed-wrong"), options={"rtsp_transport": "tcp"})
    message = str(wrong.value)
    assert "401 Unauthorized" in message
    assert f"rtsp://{USER}:***@127.0.0.1:{camera.port}/porch" in message
    assert "guessed-wrong" not in message


def test_camera_that_drops_mid_event_keeps_the_event_and_reconnects(
    client: TestClient,
    world: World,
    camera: RtspCamera,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="porchlight.agent")
    owner = world.person(Role.RESIDENT)
    agent = one_camera_agent(client, owner, camera.url(), tmp_path / "spool")
    watcher = threading.Thread(
        target=agent.watch, args=(agent.config.cameras[0], False), daemon=True
    )
    watcher.start()
    try:
        time.sleep(3.5)  # the box has been moving for about three seconds
        camera.kill()  # the camera loses power in the middle of the event
        first = _wait_for_events(agent, 1, timeout=20)
        camera.start()  # back: the agent reconnects and records the next event
        _wait_for_events(agent, 2, timeout=40)
    finally:
        agent.stop.set()
        camera.kill()
        watcher.join(timeout=20)
    # The interrupted event was kept, cut where the picture stopped.
    cut = first[0]
    assert 1.0 <= (cut.ended_at - cut.started_at).total_seconds() <= 5.0
    assert agent.upload_pending() is True
    assert agent.uploaded == 2
    clips = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    assert len(clips) == 2
    for clip in clips:
        media = client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers)
        stored = tmp_path / f"{clip['id']}.mp4"
        stored.write_bytes(media.content)
        with av.open(str(stored)) as container:
            assert sum(1 for _ in container.decode(video=0)) >= 10
    logged = caplog.text
    assert f"rtsp://{USER}:***@127.0.0.1:{camera.port}/porch stopped sending" in logged
    assert PASSWORD not in logged


def _wait_for_events(agent: Agent, count: int, timeout: float) -> list[SpooledEvent]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = sorted(agent.spool.pending(), key=lambda e: e.started_at)
        if len(waiting) >= count:
            return waiting
        time.sleep(0.3)
    raise AssertionError(f"expected {count} events within {timeout:.0f} s")
