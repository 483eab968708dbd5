"""The agent's TOML configuration: which cameras to watch and where to send events."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CameraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The camera's id on the server")
    source: str = Field(description="A video file, an rtsp:// URL or a /dev/video* device")
    people_only: bool | None = Field(None, description="Override the server's setting")


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
