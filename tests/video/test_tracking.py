"""Box tracking between detection rounds, with made-up detections."""

from __future__ import annotations

import pytest

from porchlight.video.boxes import Box, Detection
from porchlight.video.tracking import BoxTracker, boxes_between


def face(x: float, y: float = 0, size: float = 10) -> Detection:
    return Detection("face", 0.9, Box(x, y, x + size, y + size))


def test_a_new_box_gets_a_track() -> None:
    tracker = BoxTracker()
    result = tracker.update([face(0)])
    assert list(result.boxes.values()) == [Box(0, 0, 10, 10)]
    assert not result.refills


def test_a_box_seen_again_keeps_its_track() -> None:
    tracker = BoxTracker()
    (first,) = tracker.update([face(0)]).boxes
    second = tracker.update([face(6)])
    assert list(second.boxes) == [first]
    assert second.boxes[first] == Box(6, 0, 16, 10)


def test_an_unseen_box_is_carried_on_at_its_speed_then_dropped() -> None:
    tracker = BoxTracker(hold=2)
    tracker.update([face(0)])
    tracker.update([face(8)])
    (held,) = tracker.update([]).boxes.values()
    assert held.center[0] == pytest.approx(21)
    assert held.area > 100
    assert len(tracker.update([]).boxes) == 1
    assert tracker.update([]).boxes == {}


def test_a_box_found_again_refills_the_rounds_it_was_missed_in() -> None:
    tracker = BoxTracker(hold=3)
    (number,) = tracker.update([face(0)]).boxes
    tracker.update([])
    tracker.update([])
    found = tracker.update([face(30)])
    assert list(found.boxes) == [number]
    assert [b.x1 for b in found.refills[number]] == [10, 20]


def test_labels_and_distance_keep_tracks_apart() -> None:
    tracker = BoxTracker()
    tracker.update([face(0)])
    plate = Detection("plate", 0.9, Box(0, 0, 10, 10))
    result = tracker.update([plate, face(200)])
    assert len(result.boxes) == 3  # the old face is held, two new tracks


def test_boxes_between_interpolates_backfills_and_keeps() -> None:
    before = {1: Box(0, 0, 10, 10), 2: Box(50, 50, 60, 60)}
    after = {1: Box(10, 0, 20, 10), 3: Box(100, 0, 110, 10)}
    boxes = boxes_between(before, after, 0.5, margin=0)
    assert Box(0, -5, 20, 15) in boxes  # moved 10 px: half of it as slack
    assert Box(100, 0, 110, 10) in boxes
    assert Box(50, 50, 60, 60) in boxes
    assert len(boxes) == 3


def test_boxes_between_adds_the_margin() -> None:
    (box,) = boxes_between({}, {1: Box(0, 0, 10, 10)}, 1.0, margin=0.5)
    assert box == Box(-5, -5, 15, 15)
