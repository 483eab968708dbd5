"""The agent's TOML configuration: which cameras to watch and where to send events."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SourceKind = Literal["file", "stream", "v4l2"]


class CameraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The camera's id on the server")
    source: str = Field(description="A video file, an rtsp:// URL or a /dev/video* device")
    people_only: bool | None = Field(None, description="Override the server's setting")
    options: dict[str, str] = Field(
        default_factory=dict,
        description=(
            'FFmpeg input options, e.g. rtsp_transport = "udp" for an RTSP camera, '
            'or video_size = "1280x720", framerate = "10", input_format = "mjpeg" '
            "for a V4L2 device"
        ),
    )

    def kind(self) -> SourceKind:
        """How the source is opened: a file, a network stream or a V4L2 device."""
        if self.source.startswith(("/dev/", "v4l2:")):
            return "v4l2"
        if "://" in self.source and not self.source.startswith("file://"):
            return "stream"
        return "file"

    def device(self) -> str:
        """The source as FFmpeg opens it (``v4l2:/dev/video0`` is ``/dev/video0``)."""
        return self.source.removeprefix("v4l2:")

    def input_format(self) -> str | None:
        """The FFmpeg input format to force: ``v4l2`` for capture devices."""
        return "v4l2" if self.kind() == "v4l2" else None

    def input_options(self) -> dict[str, str]:
        """FFmpeg options for this source: RTSP goes over TCP unless told otherwise
        (no lost UDP packets smearing frames, and it passes NAT); the rest as given."""
        defaults: dict[str, str] = {}
        if self.source.lower().startswith(("rtsp://", "rtsps://")):
            defaults["rtsp_transport"] = "tcp"
        return defaults | self.options


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server: str
    token: str
    spool: Path = Path("porchlight-spool")
    analysis_fps: float = Field(5.0, gt=0, le=30)
    model: Path | None = Field(
        None, description="A YOLO-style ONNX model for people, vehicles and animals (optional)"
    )
    cameras: list[CameraConfig] = Field(min_length=1)


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says why."""


def load_config(path: Path) -> AgentConfig:
    """Read and check a configuration file."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = AgentConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    if not config.spool.is_absolute():
        config.spool = (path.parent / config.spool).resolve()
    return config
