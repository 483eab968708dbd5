"""A camera's video, end to end: decode, motion, detection, events, clips, thumbnails.

:class:`CameraPipeline` is packet-driven so that the camera agent is a thin loop
over it, for files and live streams alike::

    with open_video(url, options={"rtsp_transport": "tcp"}) as reader:
        pipeline = CameraPipeline(reader, spool, zones=zones, detector=detector)
        for packet in reader.packets(audio=keep_audio):
            for event in pipeline.feed(packet):
                upload(event)            # clip and thumbnail are complete files
        for event in pipeline.finish():
            upload(event)

Every frame is decoded (H.264 needs that), but only ``analysis_fps`` frames a
second are looked at: their luma plane feeds motion detection, and only crops
around motion are converted to BGR for the detector. Clips are cut from buffered
packets by a :class:`~porchlight.video.encode.ClipRecorder`, with privacy zones
blacked out before encoding; thumbnails are blacked out the same way.

:func:`process_file` runs the loop over a recorded file with a progress callback.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from porchlight.video._types import Image
from porchlight.video.decode import Frame, RateSampler, VideoReader, open_video
from porchlight.video.detect import Detector, detect_in_motion
from porchlight.video.encode import ClipRecorder, EncodeOptions, write_thumbnail
from porchlight.video.errors import VideoError
from porchlight.video.events import Event, EventConfig, EventTracker, EventUpdate
from porchlight.video.masks import Polygon
from porchlight.video.motion import Motion, MotionConfig, MotionDetector
from porchlight.video.shapes import ShapeLabeler

Progress = Callable[[float, float | None], None]


@dataclass(frozen=True)
class PipelineConfig:
    """Everything tunable about a camera's analysis."""

    #: Frames a second analysed for motion and objects.
    analysis_fps: float = 5.0
    motion: MotionConfig = field(default_factory=MotionConfig)
    events: EventConfig = field(default_factory=EventConfig)
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    #: Write clips and thumbnails; off to only find events.
    write_clips: bool = True
    #: Detector crops around motion are at least this many pixels a side.
    min_crop: int = 320


@dataclass(frozen=True)
class EventResult:
    """A finished, kept event: times in seconds from the start of the video."""

    number: int
    start: float
    end: float
    clip_start: float
    clip_end: float
    labels: tuple[str, ...]
    scores: Mapping[str, float]
    clip_path: Path | None
    thumbnail_path: Path | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "number": self.number,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "clip_start": round(self.clip_start, 3),
            "clip_end": round(self.clip_end, 3),
            "labels": list(self.labels),
            "scores": {k: round(v, 3) for k, v in self.scores.items()},
            "clip": str(self.clip_path) if self.clip_path else None,
            "thumbnail": str(self.thumbnail_path) if self.thumbnail_path else None,
        }


@dataclass
class PipelineStats:
    """Counters for benchmarks and logs."""

    frames_decoded: int = 0
    frames_analysed: int = 0
    frames_with_motion: int = 0
    detector_runs: int = 0
    events_discarded: int = 0


class CameraPipeline:
    """One camera's analysis over the packets of an open :class:`VideoReader`.

    ``zones`` are privacy zones (ignored by motion, black in every output);
    ``ignore`` are extra areas where motion does not count (a tree, a road).
    ``detector`` labels what moved; None finds events from motion alone.
    """

    def __init__(
        self,
        reader: VideoReader,
        out_dir: Path,
        *,
        name: str = "event",
        zones: Iterable[Polygon] = (),
        ignore: Iterable[Polygon] = (),
        detector: Detector | None = None,
        config: PipelineConfig | None = None,
    ) -> None:
        self.reader = reader
        self.config = config or PipelineConfig()
        self.out_dir = Path(out_dir)
        self.name = name
        self.zones = list(zones)
        self.detector = detector
        self.stats = PipelineStats()
        info = reader.info
        self._sampler = RateSampler(self.config.analysis_fps)
        self._motion = MotionDetector(
            info.width, info.height, zones=self.zones, ignore=ignore, config=self.config.motion
        )
        self._tracker = EventTracker(self.config.events)
        self._shapes = ShapeLabeler(info.width, info.height)
        self._recorder: ClipRecorder | None = None
        if self.config.write_clips:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._recorder = ClipRecorder(
                reader,
                pre_roll=self.config.events.pre_roll,
                zones=self.zones,
                options=self.config.encode,
            )
        self._thumbnail: Image | None = None
        self._thumbnail_score = -1.0
        self._last_time = 0.0

    def feed(self, packet: av.Packet[Any]) -> list[EventResult]:
        """Process one demuxed packet; returns the events that finished with it."""
        if self._recorder is not None:
            self._recorder.push(packet)
        if packet.stream is not self.reader.stream:
            return []
        results: list[EventResult] = []
        for frame in self.reader.decode(packet):
            results.extend(self._frame(frame))
        return results

    def finish(self) -> list[EventResult]:
        """The stream ended: analyse the decoder's last frames and close any event."""
        results: list[EventResult] = []
        for frame in self.reader.flush():
            results.extend(self._frame(frame))
        for update in self._tracker.finish(self._last_time):
            results.extend(self._apply(update))
        return results

    def abort(self) -> None:
        """Give up after an error: the clip being recorded is deleted."""
        if self._recorder is not None:
            self._recorder.abort()

    def _frame(self, frame: Frame) -> list[EventResult]:
        self.stats.frames_decoded += 1
        self._last_time = max(self._last_time, frame.time)
        if not self._sampler.due(frame.time):
            return []
        self.stats.frames_analysed += 1
        motion = self._motion.detect(frame.luma(), frame.time)
        scores: dict[str, float] = {}
        if motion.detected:
            self.stats.frames_with_motion += 1
            if self.detector is not None:
                self.stats.detector_runs += 1
                found = detect_in_motion(
                    frame, self.detector, motion.boxes, min_crop=self.config.min_crop
                )
                for d in found:
                    scores[d.label] = max(d.score, scores.get(d.label, 0.0))
        # Shape guesses only add what no model said: a model's label always wins.
        for label, score in self._shapes.update(motion.boxes).items():
            scores.setdefault(label, score)
        results: list[EventResult] = []
        for update in self._tracker.update(frame.time, motion.detected, scores):
            results.extend(self._apply(update))
        active = self._tracker.active
        if active is not None and self._recorder is not None:
            # Until motion stops for good, the clip reaches at least this far.
            self._recorder.extend(active.end + self.config.events.post_roll)
            self._consider_thumbnail(frame, motion, scores)
        return results

    def _apply(self, update: EventUpdate) -> list[EventResult]:
        event = update.event
        if update.kind == "opened":
            self._thumbnail, self._thumbnail_score = None, -1.0
            if self._recorder is not None:
                self._recorder.start(self._path(event, ".mp4"), event.clip_start)
            return []
        if not update.keep:
            self.stats.events_discarded += 1
            if self._recorder is not None:
                self._recorder.abort()
            return []
        clip = thumbnail = None
        clip_end = event.clip_end if event.clip_end is not None else event.end
        if self._recorder is not None:
            clip = self._recorder.stop(clip_end)
            if self._thumbnail is not None:
                thumbnail = write_thumbnail(
                    self._path(event, ".jpg"),
                    self._thumbnail,
                    zones=self.zones,
                    width=self.config.encode.thumbnail_width,
                    quality=self.config.encode.jpeg_quality,
                )
        return [
            EventResult(
                event.number, event.start, event.end, event.clip_start, clip_end,
                event.labels, dict(event.scores), clip, thumbnail,
            )
        ]  # fmt: skip

    def _consider_thumbnail(self, frame: Frame, motion: Motion, scores: dict[str, float]) -> None:
        # A detected object beats any amount of plain motion; a person beats the rest.
        score = motion.changed
        if scores:
            score = 1.0 + max(scores.values()) + (1.0 if "person" in scores else 0.0)
        if score > self._thumbnail_score:
            width = min(frame.width, self.config.encode.thumbnail_width)
            self._thumbnail = frame.bgr(width=width).copy()
            self._thumbnail_score = score

    def _path(self, event: Event, suffix: str) -> Path:
        return self.out_dir / f"{self.name}-{event.number:04d}{suffix}"


def process_file(
    source: str | Path,
    out_dir: Path,
    *,
    zones: Iterable[Polygon] = (),
    ignore: Iterable[Polygon] = (),
    detector: Detector | None = None,
    config: PipelineConfig | None = None,
    progress: Progress | None = None,
    on_event: Callable[[EventResult], None] | None = None,
) -> list[EventResult]:
    """Find the events in a recorded file, writing their clips and thumbnails to
    ``out_dir``; returns them in order.

    ``progress(seconds_done, seconds_total_or_None)`` is called a few times a
    second. ``on_event`` receives each event as soon as it is complete, so a caller
    keeps what was found even if the file later turns out truncated, in which case
    :class:`VideoError` is raised and the clip in progress is deleted.
    """
    config = config or PipelineConfig()
    events: list[EventResult] = []

    def emit(found: list[EventResult]) -> None:
        for event in found:
            events.append(event)
            if on_event is not None:
                on_event(event)

    with open_video(source) as reader:
        pipeline = CameraPipeline(
            reader, out_dir, name=Path(str(source)).stem or "event", zones=zones,
            ignore=ignore, detector=detector, config=config,
        )  # fmt: skip
        total = reader.info.duration
        last_report = 0.0
        try:
            for packet in reader.packets(audio=config.encode.keep_audio):
                emit(pipeline.feed(packet))
                now = clock.monotonic()
                if progress is not None and now - last_report >= 0.2:
                    progress(reader.last_time, total)
                    last_report = now
            emit(pipeline.finish())
        except BaseException:
            pipeline.abort()
            raise
        if pipeline.stats.frames_decoded == 0:
            raise VideoError(f"{source}: contains no decodable video frames", source=str(source))
        if progress is not None:
            progress(reader.last_time, total)
    return events
