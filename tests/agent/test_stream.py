"""The agent on a live network stream (ffmpeg serving MPEG-TS over TCP, as a camera
would), including a stream that drops: the agent reconnects and keeps working."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from porchlight.authz import Role
from tests.agent.helpers import one_camera_agent
from tests.conftest import World
from tests.video.conftest import moving_box, write_video

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg to serve a test stream"
)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(video: Path, port: int) -> subprocess.Popen[bytes]:
    """ffmpeg plays the file in real time to the first client that connects."""
    return subprocess.Popen(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-re",
            "-i",
            str(video),
            "-c",
            "copy",
            "-f",
            "mpegts",
            f"tcp://127.0.0.1:{port}?listen=1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_live_stream_event_is_uploaded_after_a_dropped_connection(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    video = write_video(tmp_path / "live.mp4", moving_box())
    port = _port()
    assert owner.camera_id is not None
    source = f"tcp://127.0.0.1:{port}?timeout=5000000"
    agent = one_camera_agent(client, owner, source, tmp_path / "spool")
    thread = threading.Thread(
        target=agent.watch, args=(agent.config.cameras[0], False), daemon=True
    )
    # First the camera is down: nothing listens.  The agent retries.
    thread.start()
    time.sleep(1.5)
    server = _serve(video, port)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not list(agent.spool.pending()):
            time.sleep(0.5)
    finally:
        agent.stop.set()
        server.kill()
        server.wait()
        thread.join(timeout=20)
    assert agent.upload_pending() is True
    assert agent.uploaded == 1
    clips = client.get("/api/v1/clips", headers=owner.headers).json()["items"]
    assert len(clips) == 1
