"""Vehicle and animal guesses from the shape and persistence of what moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from porchlight.video.boxes import Box
from porchlight.video.pipeline import PipelineConfig, process_file
from porchlight.video.shapes import ANIMAL, VEHICLE, ShapeLabeler
from tests.video.conftest import FPS, HEIGHT, WIDTH, Image, background, write_video

CONFIG = PipelineConfig(write_clips=False)


def test_shapes_are_classified_by_size_aspect_and_place() -> None:
    shapes = ShapeLabeler(640, 360)
    assert shapes.classify(Box(100, 200, 260, 260)) == VEHICLE  # wide and large
    assert shapes.classify(Box(100, 300, 130, 318)) == ANIMAL  # small, low, long
    assert shapes.classify(Box(100, 20, 130, 38)) is None  # small but high up: a bird?
    assert shapes.classify(Box(100, 100, 140, 220)) is None  # tall: a person's shape
    assert shapes.classify(Box(100, 100, 160, 160)) is None  # square


def test_a_label_needs_to_persist() -> None:
    shapes = ShapeLabeler(640, 360)
    car = Box(100, 200, 260, 260)
    assert shapes.update([car]) == {}
    assert VEHICLE in shapes.update([car])
    assert shapes.update([]) == {}  # the streak is broken
    assert shapes.update([car]) == {}


def _crossing(width: int, height: int, row: int) -> Iterator[Image]:
    still = background()
    for index in range(int(6 * FPS)):
        t = index / FPS
        image = still.copy()
        if 2.0 <= t < 4.0:
            x = int((WIDTH - width) * (t - 2.0) / 2.0)
            image[row : row + height, x : x + width] = (60, 200, 240)
        yield image


@pytest.mark.parametrize(
    ("size", "row", "label"),
    [
        ((110, 34), 150, VEHICLE),
        ((26, 16), 200, ANIMAL),
        ((22, 60), 120, None),
    ],
)
def test_events_are_labelled_from_motion_alone(
    tmp_path: Path, size: tuple[int, int], row: int, label: str | None
) -> None:
    assert row + size[1] <= HEIGHT
    source = write_video(tmp_path / "scene.mp4", _crossing(size[0], size[1], row))
    events = process_file(source, tmp_path / "out", config=CONFIG)
    assert len(events) == 1
    found = set(events[0].labels)
    if label is None:
        assert not found & {VEHICLE, ANIMAL}
    else:
        assert label in found
