"""Open a video file or stream with PyAV and hand out frames without wasted work.

Decoding a 1080p H.264 frame costs less than converting it to BGR, so a
:class:`Frame` gives the luma plane as a NumPy view (no copy, no conversion) and
converts to BGR only on request, and then only the region asked for.
:class:`RateSampler` picks the frames to analyse at a few frames per second;
frames it skips are never touched.

The reader is packet-driven so that a caller can keep a pre-roll of packets and
decode them again when an event opens (see ``encode.ClipRecorder``)::

    with open_video("porch.mp4") as reader:
        for packet in reader.packets():
            for frame in reader.decode(packet):
                ...
        for frame in reader.flush():
            ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import av
import av.error
import cv2
import numpy as np

from porchlight.video._types import Image, u8
from porchlight.video.boxes import Box
from porchlight.video.errors import VideoError

SkipFrame = Literal["DEFAULT", "NONREF", "BIDIR", "NONKEY"]

#: Largest width or height accepted (8K is 7680x4320); anything bigger is corrupt
#: or an attack on memory.
MAX_DIMENSION = 8192
#: Smallest width or height accepted.
MIN_DIMENSION = 16
#: A file whose data ends this much before its declared duration is truncated.
_TRUNCATION_SLACK_S = 1.0
#: Pixel formats whose first plane is 8-bit luma at full resolution.
_PLANAR_YUV = frozenset(
    {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
     "yuvj440p", "yuv411p", "yuv410p", "nv12", "nv21", "gray"}
)  # fmt: skip
_I420 = frozenset({"yuv420p", "yuvj420p"})
#: Demuxers whose files carry an index, so a short file is a truncated one.
_INDEXED_FORMATS = frozenset({"mov", "mp4", "matroska", "webm", "avi"})


@dataclass(frozen=True)
class StreamInfo:
    """What the reader knows about a video stream before decoding it."""

    source: str
    width: int
    height: int
    fps: float
    duration: float | None
    codec: str
    has_audio: bool


def plane_view(frame: av.VideoFrame, index: int) -> Image:
    """Plane ``index`` of ``frame`` as a 2-D uint8 array sharing the frame's memory."""
    plane = frame.planes[index]
    flat = np.frombuffer(memoryview(plane), dtype=np.uint8)
    rows: Image = flat[: plane.line_size * plane.height].reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


class Frame:
    """One decoded frame: its time in seconds from the start of the stream, its luma
    plane for free, and BGR pixels on demand."""

    __slots__ = ("_bgr", "index", "time", "video_frame")

    def __init__(self, video_frame: av.VideoFrame, time: float, index: int) -> None:
        self.video_frame = video_frame
        self.time = time
        self.index = index
        self._bgr: Image | None = None

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.video_frame.width)

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.video_frame.height)

    def luma(self) -> Image:
        """The Y plane, ``height`` x ``width``, without copying when the format allows."""
        if self.video_frame.format.name in _PLANAR_YUV:
            return plane_view(self.video_frame, 0)
        return u8(self.video_frame.to_ndarray(format="gray"))

    def bgr(self, region: Box | None = None, width: int | None = None) -> Image:
        """BGR pixels of the whole frame or of ``region``, optionally scaled to ``width``.

        A region of a 4:2:0 frame is converted on its own, so detecting in a small
        motion crop does not pay for converting the whole frame.
        """
        if region is None and width is None:
            if self._bgr is None:
                self._bgr = u8(self.video_frame.to_ndarray(format="bgr24"))
            return self._bgr
        scalable = self.video_frame.format.name in _I420 and self.width >= 2
        if region is None and width is not None and width >= 2 and scalable and self._bgr is None:
            return self._i420_scaled(width)
        box = region or Box(0, 0, self.width, self.height)
        x1, y1, x2, y2 = box.pixels(self.width, self.height)
        if x2 - x1 < 2 or y2 - y1 < 2:
            return np.zeros((0, 0, 3), dtype=np.uint8)
        if self._bgr is None and self.video_frame.format.name in _I420:
            crop = self._i420_crop(x1, y1, x2, y2)
        else:
            crop = self.bgr()[y1:y2, x1:x2]
        if width is not None and width != crop.shape[1]:
            height = max(1, round(crop.shape[0] * width / crop.shape[1]))
            crop = u8(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA))
        return crop

    def _i420_scaled(self, width: int) -> Image:
        # Scale the planes first: converting a small image is much cheaper.
        width &= ~1
        height = max(2, round(self.height * width / self.width)) & ~1
        area = cv2.INTER_AREA
        y = cv2.resize(plane_view(self.video_frame, 0), (width, height), interpolation=area)
        half = (width // 2, height // 2)
        u = cv2.resize(plane_view(self.video_frame, 1), half, interpolation=area)
        v = cv2.resize(plane_view(self.video_frame, 2), half, interpolation=area)
        packed = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(height * 3 // 2, width)
        return u8(cv2.cvtColor(packed, cv2.COLOR_YUV2BGR_I420))

    def _i420_crop(self, x1: int, y1: int, x2: int, y2: int) -> Image:
        # Align to even coordinates so the chroma samples line up with the luma.
        ex1, ey1 = x1 & ~1, y1 & ~1
        ex2 = min(self.width & ~1, (x2 + 1) & ~1)
        ey2 = min(self.height & ~1, (y2 + 1) & ~1)
        if ex2 - ex1 < 2 or ey2 - ey1 < 2:
            return self.bgr()[y1:y2, x1:x2]
        planes = [
            plane_view(self.video_frame, 0)[ey1:ey2, ex1:ex2],
            plane_view(self.video_frame, 1)[ey1 // 2 : ey2 // 2, ex1 // 2 : ex2 // 2],
            plane_view(self.video_frame, 2)[ey1 // 2 : ey2 // 2, ex1 // 2 : ex2 // 2],
        ]
        packed = np.concatenate([p.ravel() for p in planes])
        i420 = packed.reshape((ey2 - ey1) * 3 // 2, ex2 - ex1)
        bgr = u8(cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))
        return bgr[y1 - ey1 : y2 - ey1, x1 - ex1 : x2 - ex1]


class RateSampler:
    """Says which frames to analyse to reach ``fps`` frames a second (all when None).

    It works on timestamps, so variable frame rates and dropped frames are fine.
    """

    def __init__(self, fps: float | None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError("analysis rate must be positive")
        self.interval = 0.0 if fps is None else 1.0 / fps
        self._next: float | None = None

    def due(self, time: float) -> bool:
        """True when the frame at ``time`` should be analysed."""
        # A millisecond of slack absorbs rounding in timestamps such as 9/15 s.
        if self._next is not None and time < self._next - 1e-3:
            return False
        # Stay on a regular grid through jitter; start a new one after a gap.
        step = self.interval
        late = self._next is None or time - self._next >= step / 2
        base = time if late or self._next is None else self._next
        self._next = base + step
        return True


class VideoReader:
    """An open video: its :class:`StreamInfo`, packets, and frames. Close it after use."""

    def __init__(
        self,
        container: Any,
        source: str,
        *,
        skip_frame: SkipFrame | None = None,
    ) -> None:
        self._container = container
        self.source = source
        self.stream = container.streams.video[0]
        self.audio_stream = container.streams.audio[0] if container.streams.audio else None
        self.stream.thread_type = "AUTO"
        if skip_frame is not None:
            self.stream.codec_context.skip_frame = skip_frame
        start = self.stream.start_time
        time_base = self.stream.time_base or Fraction(1, 90000)
        # Times count from the first video timestamp, so a file or a stream joined
        # midway both start at 0.
        self._origin: float | None = None if start is None else float(start * time_base)
        self.frames_decoded = 0
        self.video_packets = 0
        self.last_time = 0.0
        self.info = _stream_info(source, container, self.stream, self.audio_stream)

    def time_of(self, timestamp: int, time_base: Fraction | None) -> float:
        """Seconds from the start of the video for a timestamp in ``time_base`` units
        (video and audio share the origin, so they stay in sync)."""
        seconds = float(timestamp * (time_base or self.stream.time_base))
        if self._origin is None:
            self._origin = seconds
        return seconds - self._origin

    def packet_time(self, packet: av.Packet[Any]) -> float | None:
        """A packet's presentation time in seconds from the start of the video."""
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None:
            return None
        return self.time_of(ts, packet.time_base)

    def packets(self, *, audio: bool = False) -> Iterator[av.Packet[Any]]:
        """Demux packets of the video stream (and the audio stream when asked), in file
        order. Raises :class:`VideoError` on unreadable data or a truncated file."""
        streams = [self.stream]
        if audio and self.audio_stream is not None:
            streams.append(self.audio_stream)
        iterator = self._container.demux(streams)
        while True:
            try:
                packet = next(iterator)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                raise self._error(
                    f"cannot read past {self.last_time:.1f} s ({reason(exc)})"
                ) from exc
            if packet.size == 0:
                continue
            if packet.stream is self.stream:
                self.video_packets += 1
                time = self.packet_time(packet)
                if time is not None:
                    self.last_time = max(self.last_time, time)
            yield packet
        self._check_complete()

    def decode(self, packet: av.Packet[Any] | None) -> list[Frame]:
        """Decode one video packet (None flushes) into frames."""
        try:
            decoded = self.stream.codec_context.decode(packet)
        except av.error.FFmpegError as exc:
            raise self._error(f"cannot decode at {self.last_time:.1f} s ({reason(exc)})") from exc
        return [self._wrap(f) for f in decoded]

    def decode_audio(self, packet: av.Packet[Any] | None) -> list[tuple[av.AudioFrame, float]]:
        """Decode one audio packet (None flushes) into frames with their times."""
        if self.audio_stream is None:
            return []
        try:
            decoded = self.audio_stream.codec_context.decode(packet)
        except av.error.FFmpegError:
            return []  # damaged audio costs its samples, not the video
        return [
            (f, self.time_of(f.pts, self.audio_stream.time_base))
            for f in decoded
            if f.pts is not None
        ]

    def flush(self) -> list[Frame]:
        """The frames still held by the decoder at the end of the stream."""
        return self.decode(None)

    def frames(self, fps: float | None = None) -> Iterator[Frame]:
        """Every frame, or only those a :class:`RateSampler` at ``fps`` picks."""
        sampler = RateSampler(fps)
        for packet in self.packets():
            for frame in self.decode(packet):
                if sampler.due(frame.time):
                    yield frame
        for frame in self.flush():
            if sampler.due(frame.time):
                yield frame
        if self.frames_decoded == 0:
            raise self._error("contains no decodable video frames")

    def close(self) -> None:
        """Release the file or connection."""
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _wrap(self, video_frame: av.VideoFrame) -> Frame:
        pts = video_frame.pts
        if pts is None:
            time = self.frames_decoded / (self.info.fps or 25.0)
        else:
            time = self.time_of(pts, self.stream.time_base)
        frame = Frame(video_frame, time, self.frames_decoded)
        self.frames_decoded += 1
        return frame

    def _check_complete(self) -> None:
        # Only containers with an index say reliably how long they are; a transport
        # stream's duration is a guess from its bit rate.
        format_names = set(str(self._container.format.name).split(","))
        if not format_names & _INDEXED_FORMATS:
            return
        declared, expected = self.info.duration, int(self.stream.frames or 0)
        short_of_frames = expected > 0 and self.video_packets < expected
        short_of_time = (
            expected == 0
            and declared is not None
            and declared - self.last_time > _TRUNCATION_SLACK_S
        )
        if short_of_frames or short_of_time:
            of = f" of {declared:.1f} s" if declared else ""
            raise self._error(
                f"the data ends at {self.last_time:.1f} s{of} "
                f"({self.video_packets} of {expected or '?'} frames); the file looks truncated"
            )

    def _error(self, detail: str) -> VideoError:
        return VideoError(f"{self.source}: {detail}", source=self.source)


def public_name(source: str | Path) -> str:
    """The source as it may be shown or logged: a URL's password becomes ``***``.

    Cameras are usually reached as ``rtsp://user:password@host/...``; the password
    must not end up in logs, error messages or the agent's terminal.
    """
    name = str(source)
    if "://" not in name:
        return name
    try:
        parts = urlsplit(name)
    except ValueError:
        return name.split("://", 1)[0] + "://…"
    if parts.password is None:
        return name
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def hide_password(text: str, source: str | Path) -> str:
    """``text`` with the password of ``source`` (a URL) replaced by ``***``, in the
    forms it can take: as written in the URL, and decoded."""
    name = str(source)
    if "://" not in name:
        return text
    try:
        written = urlsplit(name).netloc.rpartition("@")[0].partition(":")[2]
    except ValueError:
        return text
    if not written:
        return text
    for form in sorted({written, unquote(written)}, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def reason(exc: BaseException) -> str:
    """FFmpeg's words for an error, without the file name or URL PyAV appends."""
    strerror = getattr(exc, "strerror", None)
    if isinstance(strerror, str) and strerror:
        return strerror
    return type(exc).__name__


def open_video(
    source: str | Path,
    *,
    max_dimension: int = MAX_DIMENSION,
    skip_frame: SkipFrame | None = None,
    options: dict[str, str] | None = None,
    timeout: float | None = 10.0,
    input_format: str | None = None,
) -> VideoReader:
    """Open a file, URL (``rtsp://``, ``http://``) or device with PyAV.

    A V4L2 camera is ``open_video("/dev/video0", input_format="v4l2")``.

    ``skip_frame="NONKEY"`` decodes keyframes only, the cheapest way to skim a
    long file. ``options`` go to FFmpeg's demuxer (for RTSP, e.g.
    ``{"rtsp_transport": "tcp"}``); ``timeout`` bounds opening and each read.
    Raises :class:`VideoError` with a message for people when the input cannot be
    used: missing, empty, not a video, no decoder for its codec, or a resolution
    outside ``16`` to ``max_dimension`` pixels. Messages name the source without
    its password (:func:`public_name`).
    """
    name = str(source)
    shown = public_name(name)
    if input_format is None and (isinstance(source, Path) or "://" not in name):
        path = Path(name)
        if not path.exists():
            raise VideoError(f"{shown}: no such file", source=shown)
        if path.is_file() and os.path.getsize(path) == 0:
            raise VideoError(f"{shown}: the file is empty (0 bytes)", source=shown)
    try:
        container = av.open(name, format=input_format, options=options or {}, timeout=timeout)
    except av.error.EOFError as exc:
        raise VideoError(
            f"{shown}: the video ends before its first frame (zero-length or cut off)",
            source=shown,
        ) from exc
    except av.error.InvalidDataError as exc:
        raise VideoError(
            f"{shown}: not a readable video (unknown format, or cut off before its index)",
            source=shown,
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{shown}: cannot open ({reason(exc)})", source=shown) from exc
    try:
        _check_container(shown, container, max_dimension)
        return VideoReader(container, shown, skip_frame=skip_frame)
    except BaseException:
        container.close()
        raise


def _check_container(name: str, container: Any, max_dimension: int) -> None:
    if not container.streams.video:
        kinds = ", ".join(sorted({s.type for s in container.streams})) or "none"
        raise VideoError(f"{name}: contains no video stream (streams: {kinds})", source=name)
    stream = container.streams.video[0]
    ctx = stream.codec_context
    if ctx is None or ctx.codec is None or not ctx.codec.is_decoder:
        codec = getattr(stream.codec_context, "name", "unknown")
        raise VideoError(f"{name}: the video codec {codec!r} is not supported", source=name)
    width, height = int(ctx.width or 0), int(ctx.height or 0)
    if not (MIN_DIMENSION <= width <= max_dimension and MIN_DIMENSION <= height <= max_dimension):
        raise VideoError(
            f"{name}: resolution {width}x{height} is outside the supported range "
            f"({MIN_DIMENSION} to {max_dimension} pixels a side)",
            source=name,
        )


def _stream_info(source: str, container: Any, stream: Any, audio: Any) -> StreamInfo:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    duration: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return StreamInfo(
        source=source,
        width=int(stream.codec_context.width),
        height=int(stream.codec_context.height),
        fps=fps,
        duration=duration,
        codec=str(stream.codec_context.name),
        has_audio=audio is not None,
    )
