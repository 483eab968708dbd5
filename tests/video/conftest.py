"""Synthetic test videos with known ground truth, drawn with NumPy and encoded with PyAV."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

Image = NDArray[np.uint8]

WIDTH, HEIGHT, FPS = 320, 240, 15
#: The moving rectangle of the standard scene: on screen from 2 s until 4 s.
MOTION_START, MOTION_STOP = 2.0, 4.0
BOX = 40
ROW = 100
TONE_RATE = 16000


def background(width: int = WIDTH, height: int = HEIGHT, seed: int = 1) -> Image:
    """A still scene: a gentle gradient with fixed texture, like a wall and a path."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(50, 110, width, dtype=np.float32)[None, :, None]
    texture = rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    tint = np.array([1.0, 0.95, 0.9], dtype=np.float32)
    return np.asarray(np.clip((ramp + texture) * tint, 0, 255), dtype=np.uint8)


def write_video(
    path: Path,
    frames: Iterable[Image],
    *,
    fps: int = FPS,
    crf: int = 18,
    audio_seconds: float | None = None,
    options: dict[str, str] | None = None,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
) -> Path:
    """Encode BGR frames as H.264 MP4 (``codec="libx265"``: H.265; ``"rawvideo"`` with
    ``pix_fmt="yuyv422"`` in a ``.nut`` file: what a USB camera sends), with a 440 Hz
    tone when ``audio_seconds``."""
    images = iter(frames)
    first = next(images)
    container = av.open(str(path), "w", options=options or {})
    stream = container.add_stream(codec, rate=fps)
    stream.height, stream.width = first.shape[:2]
    stream.pix_fmt = pix_fmt
    if codec in ("libx264", "libx265"):
        stream.options = {"preset": "ultrafast", "crf": str(crf)}
    if codec == "libx265":
        stream.options["x265-params"] = "log-level=error"
    audio = None
    if audio_seconds:
        audio = container.add_stream("aac", rate=TONE_RATE)
        audio.layout = "mono"
    for index, image in enumerate([first, *images]):
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format=pix_fmt)
        frame.pts, frame.time_base = index, Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    if audio is not None and audio_seconds:
        _add_tone(container, audio, audio_seconds)
    container.close()
    return path


def _add_tone(
    container: av.container.OutputContainer, audio: av.AudioStream, seconds: float
) -> None:
    for start in range(0, int(seconds * TONE_RATE), 1024):
        t = np.arange(start, start + 1024) / TONE_RATE
        samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = TONE_RATE, start, Fraction(1, TONE_RATE)
        for packet in audio.encode(frame):
            container.mux(packet)
    for packet in audio.encode():
        container.mux(packet)


def moving_box(
    *,
    seconds: float = 6.0,
    fps: int = FPS,
    width: int = WIDTH,
    height: int = HEIGHT,
    start: float = MOTION_START,
    stop: float = MOTION_STOP,
    x_range: tuple[float, float] = (0.0, 1.0),
    row: int = ROW,
) -> Iterator[Image]:
    """The standard scene: still, then a bright rectangle crossing from ``start`` to
    ``stop`` seconds within ``x_range`` (fractions of the width), then still again."""
    still = background(width, height)
    lo, hi = x_range[0] * width, x_range[1] * width - BOX
    for index in range(int(seconds * fps)):
        t = index / fps
        image = still.copy()
        if start <= t < stop:
            x = int(lo + (hi - lo) * (t - start) / (stop - start))
            image[row : row + BOX, x : x + BOX] = (60, 200, 240)
        yield image


def checkerboard(height: int, width: int, cell: int = 4) -> Image:
    """Black and white squares of ``cell`` pixels: as high-frequency as video keeps."""
    ys, xs = np.indices((height, width))
    board = (((ys // cell) + (xs // cell)) % 2 * 255).astype(np.uint8)
    return np.repeat(board[:, :, None], 3, axis=2)


def detail(image: Image) -> float:
    """Mean absolute Laplacian of the grey image: high for texture, ~0 once blurred."""
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return float(np.abs(cv2.Laplacian(gray.astype(np.float32), cv2.CV_32F)).mean())


def decode_all(path: Path) -> list[tuple[float, Image]]:
    """Every frame of a file as ``(time, BGR)``, with PyAV's own conversion."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (float(frame.time or 0.0), np.asarray(frame.to_ndarray(format="bgr24"), np.uint8))
            for frame in container.decode(stream)
        ]


def stream_kinds(path: Path) -> list[str]:
    """The kinds of stream in a file (``video``, ``audio``)."""
    with av.open(str(path)) as container:
        return [s.type for s in container.streams]


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Make (once per session and arguments) a video of the standard scene."""
    folder = tmp_path_factory.mktemp("videos")
    made: dict[str, Path] = {}

    def make(name: str = "scene", **kwargs: object) -> Path:
        key = f"{name}-{sorted(kwargs.items())}"
        if key not in made:
            audio = kwargs.pop("audio_seconds", None)
            frames = moving_box(**kwargs)  # type: ignore[arg-type]
            path = folder / f"{name}-{len(made)}.mp4"
            made[key] = write_video(path, frames, audio_seconds=audio)  # type: ignore[arg-type]
        return made[key]

    return make


def draw_face(image: Image, cx: int, cy: int, radius: int) -> None:
    """A cartoon frontal face that OpenCV's Haar face cascade detects, drawn in place."""
    import cv2

    r = radius
    skin, dark = (150, 170, 205), (40, 40, 50)
    cv2.ellipse(image, (cx, cy), (int(r * 0.8), r), 0, 0, 360, skin, -1)
    cv2.ellipse(
        image, (cx, cy - int(r * 0.55)), (int(r * 0.85), r // 2), 0, 180, 360, (30, 30, 40), -1
    )
    eye_y, eye_dx = cy - int(r * 0.2), int(r * 0.35)
    for side in (-1, 1):
        ex = cx + side * eye_dx
        cv2.ellipse(
            image, (ex, eye_y), (int(r * 0.16), int(r * 0.08)), 0, 0, 360, (240, 240, 240), -1
        )
        cv2.circle(image, (ex, eye_y), int(r * 0.07), (30, 30, 30), -1)
        brow = (
            (ex - int(r * 0.18), eye_y - int(r * 0.18)),
            (ex + int(r * 0.18), eye_y - int(r * 0.2)),
        )
        cv2.line(image, *brow, dark, max(2, r // 18))
    cv2.line(image, (cx, eye_y), (cx - int(r * 0.06), cy + int(r * 0.2)), (100, 120, 160), 2)
    cv2.ellipse(
        image,
        (cx, cy + int(r * 0.22)),
        (int(r * 0.1), int(r * 0.04)),
        0,
        0,
        360,
        (90, 100, 140),
        -1,
    )
    cv2.ellipse(
        image,
        (cx, cy + int(r * 0.48)),
        (int(r * 0.25), int(r * 0.08)),
        0,
        0,
        360,
        (60, 60, 150),
        -1,
    )


def shaded_face(size: int) -> tuple[Image, NDArray[np.bool_]]:
    """A shaded synthetic face that CenterFace scores about 0.7, and its mask."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2
    d = ((xs - c) / (size * 0.3)) ** 2 + ((ys - c) / (size * 0.4)) ** 2
    mask = d < 1
    face = np.zeros((size, size, 3), np.float32)
    face[mask] = np.array([120, 150, 200], np.float32) * np.clip(1 - 0.35 * d[mask], 0, 1)[:, None]

    def blob(x: float, y: float, sx: float, sy: float) -> NDArray[np.float32]:
        return np.exp(-(((xs - x) / sx) ** 2 + ((ys - y) / sy) ** 2))[..., None]

    for side in (-1, 1):
        ex = c + side * size * 0.11
        face -= 70 * blob(ex, c - size * 0.08, size * 0.07, size * 0.035)
        face -= 60 * blob(ex, c - size * 0.08, size * 0.025, size * 0.02)
        face -= 60 * blob(ex, c - size * 0.15, size * 0.08, size * 0.012)
    face -= 60 * blob(c, c + size * 0.2, size * 0.09, size * 0.02)
    return np.asarray(np.clip(face, 0, 255), dtype=np.uint8), mask
