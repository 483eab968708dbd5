"""How the agent opens each kind of camera source, and how sources are shown in
messages: never with a camera's password."""

from __future__ import annotations

from pathlib import Path

import pytest

from porchlight.agent.config import CameraConfig, load_config
from porchlight.video.decode import hide_password, open_video, public_name
from porchlight.video.errors import VideoError


@pytest.mark.parametrize(
    ("source", "kind", "fmt", "options"),
    [
        ("/srv/porch.mp4", "file", None, {}),
        ("file:///srv/porch.mp4", "file", None, {}),
        ("rtsp://cam.local/stream1", "stream", None, {"rtsp_transport": "tcp"}),
        ("RTSPS://cam.local/stream1", "stream", None, {"rtsp_transport": "tcp"}),
        ("tcp://10.0.0.4:9000", "stream", None, {}),
        ("/dev/video0", "v4l2", "v4l2", {}),
        ("/dev/v4l/by-id/usb-Cam-video-index0", "v4l2", "v4l2", {}),
        ("v4l2:/dev/video2", "v4l2", "v4l2", {}),
    ],
)
def test_each_source_kind_is_opened_its_own_way(
    source: str, kind: str, fmt: str | None, options: dict[str, str]
) -> None:
    camera = CameraConfig(id="c", source=source)
    assert camera.kind() == kind
    assert camera.input_format() == fmt
    assert camera.input_options() == options
    assert not camera.device().startswith("v4l2:")


def test_options_from_the_config_file_override_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(
        'server = "https://porchlight.example"\ntoken = "t"\n'
        "[[cameras]]\n"
        'id = "door"\nsource = "rtsp://admin:pw@192.168.1.20/h264"\n'
        'options = { rtsp_transport = "udp" }\n'
        "[[cameras]]\n"
        'id = "garage"\nsource = "/dev/video0"\n'
        'options = { video_size = "1280x720", framerate = "10", input_format = "mjpeg" }\n'
    )
    door, garage = load_config(path).cameras
    assert door.input_options() == {"rtsp_transport": "udp"}
    assert garage.input_format() == "v4l2"
    assert garage.input_options() == {
        "video_size": "1280x720",
        "framerate": "10",
        "input_format": "mjpeg",
    }


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("rtsp://admin:hunter2@192.168.1.20:554/h264", "rtsp://admin:***@192.168.1.20:554/h264"),
        ("rtsp://admin:p%40ss@cam.local/live?ch=1", "rtsp://admin:***@cam.local/live?ch=1"),
        ("rtsp://:secret@[fe80::1]:8554/a", "rtsp://:***@[fe80::1]:8554/a"),
        ("rtsp://viewer@cam.local/a", "rtsp://viewer@cam.local/a"),
        ("rtsp://cam.local/a", "rtsp://cam.local/a"),
        ("/dev/video0", "/dev/video0"),
        ("/srv/porch:1.mp4", "/srv/porch:1.mp4"),
    ],
)
def test_passwords_are_hidden_wherever_a_source_is_shown(source: str, shown: str) -> None:
    assert public_name(source) == shown


def test_a_refused_camera_is_named_without_its_password() -> None:
    with pytest.raises(VideoError) as refused:
        open_video("rtsp://admin:hunter2@127.0.0.1:9/h264", timeout=5)
    message = str(refused.value)
    assert message.startswith("rtsp://admin:***@127.0.0.1:9/h264: cannot open")
    assert "hunter2" not in message
    assert refused.value.source == "rtsp://admin:***@127.0.0.1:9/h264"


def test_a_missing_capture_device_is_a_clear_error() -> None:
    with pytest.raises(VideoError, match="/dev/video97: cannot open"):
        open_video("/dev/video97", input_format="v4l2", timeout=5)


def test_hide_password_in_any_text() -> None:
    source = "rtsp://admin:p%40ss%21@cam.local/live"
    text = "failed rtsp://admin:p%40ss%21@cam.local/live with p@ss! (p%40ss%21)"
    hidden = hide_password(text, source)
    assert "p@ss" not in hidden
    assert "p%40ss" not in hidden
    assert hidden == "failed rtsp://admin:***@cam.local/live with *** (***)"
    assert hide_password("nothing to hide", "/dev/video0") == "nothing to hide"
