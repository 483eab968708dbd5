"""Redacted renders for sharing: faces and licence plates blurred, zones black, no audio.

Detectors are slow (CenterFace ~40 ms on a 640-pixel-wide frame here, Haar plates
~20 ms), so they run on a downscaled copy of one frame in ``detect_every``, and
:class:`~porchlight.video.tracking.BoxTracker` fills in the frames between:

- a box seen in two rounds moves linearly from one to the other;
- a box that appears in a round also covers the frames waiting before it, so a
  face walking into view is blurred from its first frame, not from the frame
  where the detector happened to look;
- a box the detector misses is carried on at its last speed, growing, for up to
  ``hold`` rounds; frames are held back for ``hold`` rounds before they are
  written, so when the box is found again the frames it was missed in are
  corrected along the line between the two sightings.

Every box is also enlarged by ``margin`` of its size, plus half the distance it
moved, before it is blurred. Blurring works on the Y, U and V planes directly, so
frames are never converted to BGR except the small copies the detectors see. The
frames held back cost memory: ``hold * detect_every`` decoded frames (about 40 MB
at 1080p with the defaults).

The boxes are anonymous and live only as long as the render: no identity is
tracked, nothing is recognised or read.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2

from porchlight.video._types import Image, u8
from porchlight.video.boxes import Box, Detection
from porchlight.video.decode import Frame, open_video, plane_view
from porchlight.video.detect import Detector, default_face_detector, default_plate_detector
from porchlight.video.encode import ClipWriter, EncodeOptions
from porchlight.video.masks import Polygon
from porchlight.video.tracking import BoxTracker, boxes_between

Style = Literal["blur", "pixelate", "fill"]
Progress = Callable[[float, float | None], None]


@dataclass(frozen=True)
class RedactConfig:
    """How a render is redacted."""

    #: Run the detectors on one frame in this many.
    detect_every: int = 3
    #: Width of the frame copy the detectors see.
    detect_width: int = 640
    #: Each box grows by this fraction of its size on every side.
    margin: float = 0.3
    #: Detection rounds a box is kept after it was last seen.
    hold: int = 3
    #: ``blur`` (smooth, default), ``pixelate`` or ``fill`` (solid black).
    style: Style = "blur"
    #: Blur and pixelate keep this many cells across the box's shorter side.
    cells: int = 4
    #: Encoding; audio is dropped unless ``encode.keep_audio`` is set.
    encode: EncodeOptions = field(default_factory=EncodeOptions)


def obscure_planes(
    y: Image, u: Image, v: Image, boxes: Iterable[Box], style: Style, cells: int
) -> None:
    """Blur, pixelate or fill ``boxes`` (luma pixels) in 4:2:0 planes, in place."""
    height, width = y.shape
    for box in boxes:
        x1, y1, x2, y2 = box.pixels(width, height)
        x1, y1, x2, y2 = x1 & ~1, y1 & ~1, min(width, (x2 + 1) & ~1), min(height, (y2 + 1) & ~1)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        _obscure(y[y1:y2, x1:x2], style, cells, 16)
        for plane in (u, v):
            _obscure(plane[y1 // 2 : y2 // 2, x1 // 2 : x2 // 2], style, cells, 128)


def _obscure(region: Image, style: Style, cells: int, fill: int) -> None:
    height, width = region.shape
    if style == "fill" or min(height, width) <= cells:
        region[:] = fill
        return
    cell = max(1.0, min(height, width) / max(1, cells))
    small = (max(1, round(width / cell)), max(1, round(height / cell)))
    coarse = cv2.resize(region, small, interpolation=cv2.INTER_AREA)
    mode = cv2.INTER_NEAREST if style == "pixelate" else cv2.INTER_LINEAR
    region[:] = u8(cv2.resize(coarse, (width, height), interpolation=mode))


@dataclass(frozen=True)
class RedactReport:
    """What a render did."""

    frames: int
    detection_rounds: int
    boxes_blurred: int
    seconds: float

    @property
    def fps(self) -> float:
        """Frames rendered per second of wall time."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Interval:
    """The frames up to and including one detection round, and that round's boxes."""

    frames: list[Frame]
    boxes: dict[int, Box]


class _Renderer:
    """Buffers frames for ``hold`` rounds so that later sightings can still fix the
    boxes of frames not yet written."""

    def __init__(
        self, writer: ClipWriter, detectors: Sequence[Detector], config: RedactConfig
    ) -> None:
        self.writer, self.detectors, self.config = writer, detectors, config
        self.tracker = BoxTracker(hold=config.hold)
        self.pending: list[Frame] = []
        self.intervals: list[_Interval] = []
        self.previous: dict[int, Box] = {}
        self.rounds = self.boxes = self.frames = self.seen = 0

    def add(self, frame: Frame) -> None:
        self.pending.append(frame)
        self.seen += 1
        if len(self.pending) >= self.config.detect_every or self.seen == 1:
            self.close_round()
        while len(self.intervals) > self.config.hold:
            self._emit(self.intervals.pop(0))

    def finish(self) -> None:
        self.close_round()
        while self.intervals:
            self._emit(self.intervals.pop(0))

    def close_round(self) -> None:
        if not self.pending:
            return
        found = self.tracker.update(self._detect(self.pending[-1]))
        self.rounds += 1
        for number, boxes in found.refills.items():
            # Rounds in which this box was missed get the line between its sightings.
            for interval, box in zip(reversed(self.intervals), reversed(boxes), strict=False):
                held = interval.boxes.get(number)
                interval.boxes[number] = box if held is None else held.union(box)
        self.intervals.append(_Interval(self.pending, dict(found.boxes)))
        self.pending = []

    def _emit(self, interval: _Interval) -> None:
        count = len(interval.frames)
        for k, frame in enumerate(interval.frames):
            t = (k + 1) / count
            boxes = boxes_between(self.previous, interval.boxes, t, self.config.margin)
            out = frame.video_frame
            if out.format.name != "yuv420p" or out.width & 1 or out.height & 1:
                out = self.writer.prepare(out)
            else:
                out.make_writable()
            y, u, v = (plane_view(out, i) for i in range(3))
            obscure_planes(y, u, v, boxes, self.config.style, self.config.cells)
            self.writer.write(out, frame.time)
            self.boxes += len(boxes)
            self.frames += 1
        self.previous = interval.boxes

    def _detect(self, frame: Frame) -> list[Detection]:
        width = min(self.config.detect_width, frame.width)
        small = frame.bgr(width=width)
        scale = frame.width / small.shape[1]
        found = []
        for detector in self.detectors:
            for d in detector.detect(small):
                found.append(Detection(d.label, d.score, d.box.scale(scale)))
        return found


def redact_video(
    source: str | Path,
    destination: Path,
    *,
    detectors: Sequence[Detector] | None = None,
    zones: Iterable[Polygon] = (),
    config: RedactConfig | None = None,
    progress: Progress | None = None,
) -> RedactReport:
    """Render ``source`` to ``destination`` (MP4) with faces and plates obscured and
    privacy zones black; audio only when ``config.encode.keep_audio``.

    ``detectors`` default to :func:`default_face_detector` (CenterFace, else Haar)
    and :func:`default_plate_detector`. Raises :class:`VideoError` for unusable input;
    no output file is left behind then.
    """
    config = config or RedactConfig()
    if config.detect_every < 1:
        raise ValueError("detect_every must be at least 1")
    chosen = list(detectors) if detectors is not None else [
        default_face_detector(max_width=config.detect_width),
        default_plate_detector(max_width=config.detect_width),
    ]  # fmt: skip
    started = clock.perf_counter()
    with open_video(source) as reader:
        info = reader.info
        audio = reader.audio_stream if config.encode.keep_audio else None
        keep_audio = audio is not None
        audio_rate = audio.codec_context.sample_rate if audio is not None else None
        with ClipWriter(
            destination, info.width, info.height, zones=zones, fps=info.fps,
            options=config.encode, audio_rate=audio_rate,
        ) as writer:  # fmt: skip
            renderer = _Renderer(writer, chosen, config)
            for packet in reader.packets(audio=keep_audio):
                if packet.stream.type == "audio":
                    for audio_frame, when in reader.decode_audio(packet):
                        writer.write_audio(audio_frame, when)
                    continue
                for frame in reader.decode(packet):
                    renderer.add(frame)
                if progress is not None and renderer.frames % 30 == 0:
                    progress(reader.last_time, info.duration)
            for frame in reader.flush():
                renderer.add(frame)
            renderer.finish()
            if progress is not None:
                progress(reader.last_time, info.duration)
    return RedactReport(
        renderer.frames, renderer.rounds, renderer.boxes, clock.perf_counter() - started
    )
