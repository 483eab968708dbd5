"""Short generated videos for the demo neighbourhood: no real footage of anyone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 320, 180, 10


@dataclass(frozen=True)
class DemoEvent:
    """A generated clip: its files, how long it lasts and what it shows."""

    media: Path
    thumbnail: Path
    seconds: float
    labels: list[str]


def _scene(step: int, kind: str) -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    frame[:] = (70, 110, 60)  # lawn
    frame[: HEIGHT // 3] = (180, 150, 110)  # sky
    cv2.rectangle(frame, (20, 40), (120, 120), (60, 60, 140), -1)  # a house front
    cv2.rectangle(frame, (55, 80), (85, 120), (30, 30, 60), -1)  # its door
    cv2.rectangle(frame, (0, 140), (WIDTH, 180), (90, 90, 90), -1)  # the street
    x = (step * 9) % (WIDTH + 60) - 30
    if kind == "person":
        cv2.circle(frame, (x, 95), 7, (150, 180, 220), -1)
        cv2.rectangle(frame, (x - 6, 102), (x + 6, 130), (40, 60, 160), -1)
    elif kind == "vehicle":
        cv2.rectangle(frame, (x - 30, 145), (x + 30, 170), (30, 30, 200), -1)
    else:
        cv2.ellipse(frame, (x, 128), (10, 5), 0, 0, 360, (50, 50, 50), -1)
    return frame


def render(folder: Path, kind: str, seconds: float = 3.0) -> DemoEvent:
    """Write ``kind`` (person, vehicle or animal) as an H.264 MP4 and a JPEG thumbnail."""
    folder.mkdir(parents=True, exist_ok=True)
    media, thumb = folder / f"{kind}.mp4", folder / f"{kind}.jpg"
    frames = int(seconds * FPS)
    with av.open(str(media), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast"}
        for step in range(frames):
            frame = av.VideoFrame.from_ndarray(
                _scene(step, kind)[:, :, ::-1].copy(), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    cv2.imwrite(str(thumb), _scene(frames // 2, kind))
    return DemoEvent(media, thumb, seconds, [kind])
