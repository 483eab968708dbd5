"""Motion detection on synthetic luma planes."""

from __future__ import annotations

import numpy as np
import pytest

from porchlight.video.motion import MotionConfig, MotionDetector

W, H = 640, 360


def scene(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(90 + rng.normal(0, 8, (H, W)), 0, 255).astype(np.uint8)


def with_square(base: np.ndarray, x: int, y: int, size: int = 60, value: int = 230) -> np.ndarray:
    image = base.copy()
    image[y : y + size, x : x + size] = value
    return image


def settle(detector: MotionDetector, image: np.ndarray, frames: int = 3) -> float:
    t = 0.0
    for _ in range(frames):
        detector.detect(image, t)
        t += 0.2
    return t


def test_a_still_scene_has_no_motion() -> None:
    detector = MotionDetector(W, H)
    first = detector.detect(scene(), 0.0)
    assert first.recalibrated
    assert not first.detected
    assert not detector.detect(scene(), 0.2).detected


def test_sensor_noise_is_not_motion() -> None:
    detector = MotionDetector(W, H)
    base = scene().astype(np.int16)
    rng = np.random.default_rng(5)
    for i in range(10):
        noisy = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
        assert not detector.detect(noisy, i * 0.2).detected


def test_an_object_appearing_is_boxed_in_frame_coordinates() -> None:
    detector = MotionDetector(W, H)
    t = settle(detector, scene())
    motion = detector.detect(with_square(scene(), 300, 150), t)
    assert len(motion.boxes) == 1
    box = motion.boxes[0]
    # The box covers the square, give or take the dilation at 100 px high.
    assert box.x1 <= 300
    assert box.y1 <= 150
    assert box.x2 >= 360
    assert box.y2 >= 210
    assert box.x1 >= 270
    assert box.y1 >= 120
    assert box.x2 <= 390
    assert box.y2 <= 240


def test_two_separate_objects_give_two_boxes() -> None:
    detector = MotionDetector(W, H)
    t = settle(detector, scene())
    image = with_square(with_square(scene(), 40, 40), 500, 250)
    assert len(detector.detect(image, t).boxes) == 2


def test_motion_inside_a_privacy_zone_is_ignored() -> None:
    zone = [[0.3, 0.2], [0.7, 0.2], [0.7, 0.8], [0.3, 0.8]]
    detector = MotionDetector(W, H, zones=[zone])
    t = settle(detector, scene())
    assert not detector.detect(with_square(scene(), 260, 120, size=80), t).detected
    # The same object outside the zone is seen.
    assert detector.detect(with_square(scene(), 20, 20, size=80), t + 0.2).detected


def test_ignore_areas_work_like_zones_for_motion() -> None:
    detector = MotionDetector(W, H, ignore=[[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]])
    t = settle(detector, scene())
    assert not detector.detect(with_square(scene(), 50, 100), t).detected


def test_blobs_below_the_minimum_area_are_dropped() -> None:
    detector = MotionDetector(W, H, config=MotionConfig(min_area=0.01))
    t = settle(detector, scene())
    assert not detector.detect(with_square(scene(), 300, 150, size=12), t).detected
    assert detector.detect(with_square(scene(), 300, 150, size=90), t + 0.2).detected


def test_a_lighting_change_recalibrates_instead_of_reporting_motion() -> None:
    detector = MotionDetector(W, H)
    t = settle(detector, scene())
    brighter = np.clip(scene().astype(np.int16) + 90, 0, 255).astype(np.uint8)
    switched = detector.detect(brighter, t)
    assert switched.recalibrated
    assert not switched.detected
    assert switched.changed > 0.6
    assert not detector.detect(brighter, t + 0.2).detected


def test_a_still_object_fades_into_the_background() -> None:
    detector = MotionDetector(W, H, config=MotionConfig(background_half_life=1.0))
    t = settle(detector, scene())
    parked = with_square(scene(), 300, 150, value=160)
    assert detector.detect(parked, t).detected
    for _ in range(30):  # six seconds, six half-lives
        t += 0.2
        last = detector.detect(parked, t)
    assert not last.detected


def test_reset_forgets_the_background() -> None:
    detector = MotionDetector(W, H)
    t = settle(detector, scene())
    detector.reset()
    assert detector.detect(with_square(scene(), 300, 150), t).recalibrated


def test_the_plane_must_match_the_camera_size() -> None:
    with pytest.raises(ValueError, match="640x360"):
        MotionDetector(W, H).detect(np.zeros((10, 10), dtype=np.uint8), 0)
