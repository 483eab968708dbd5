"""Small real media for vault tests: an MP4 made with PyAV and a JPEG made with OpenCV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import numpy as np
from fastapi.testclient import TestClient

from porchlight.client import PorchlightClient
from tests.conftest import Person


def make_mp4(path: Path, seconds: float = 2.0, size: tuple[int, int] = (160, 120)) -> Path:
    """An H.264 MP4 of a square moving across a grey field."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(int(seconds * 10)):
            frame = np.full((height, width, 3), 90, dtype=np.uint8)
            x = (i * 7) % (width - 20)
            frame[40:60, x : x + 20] = (250, 250, 250)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def api(client: TestClient, person: Person) -> PorchlightClient:
    return PorchlightClient(token=person.token, http=client)


def upload(
    client: TestClient,
    person: Person,
    media: Path,
    thumb: Path | None = None,
    key: str = "event-1",
    **kwargs: Any,
) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=5)
    assert person.camera_id is not None
    return api(client, person).upload_clip(
        person.camera_id,
        media,
        thumbnail=thumb,
        started_at=start,
        ended_at=start + timedelta(seconds=2),
        labels=["person"],
        idempotency_key=key,
        **kwargs,
    )
