"""Writing clips and thumbnails, privacy zones always blacked out.

:class:`ClipWriter` encodes frames as H.264 (libx264, yuv420p) in MP4, blacking
out the privacy zones in the Y/U/V planes of every frame before it reaches the
encoder (see :meth:`~porchlight.video.masks.ZoneMask.for_output` for why that is
enough for every decoded pixel to be black). Audio is dropped unless the caller
keeps it. Files are written under a temporary name and renamed when complete, so a
crash never leaves a half-written clip where a clip is expected.

:class:`ClipRecorder` cuts clips out of a live packet stream: it keeps a pre-roll
of packets and, while recording, decodes them with a decoder of its own, so the
analysis loop never has to hold decoded frames.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import cv2
import numpy as np

from porchlight.video._types import Image, u8
from porchlight.video.decode import VideoReader, plane_view
from porchlight.video.errors import VideoError
from porchlight.video.events import PrerollBuffer
from porchlight.video.masks import Polygon, ZoneMask

#: Timestamps in clips are in milliseconds.
TIME_BASE = Fraction(1, 1000)


@dataclass(frozen=True)
class EncodeOptions:
    """How clips and thumbnails are encoded."""

    #: x264 preset; ``veryfast`` encodes 1080p at ~27 fps on one core.
    preset: str = "veryfast"
    #: x264 constant rate factor (lower is better and bigger).
    crf: int = 23
    #: Keep the audio track (re-encoded as AAC); off unless the owner opted in.
    keep_audio: bool = False
    #: Encoder threads; 0 lets x264 choose.
    threads: int = 0
    #: Thumbnail width in pixels.
    thumbnail_width: int = 640
    #: JPEG quality of thumbnails.
    jpeg_quality: int = 85


class ClipWriter:
    """An H.264 MP4 being written; frames are blacked out where zones are.

    ``time`` arguments are seconds from the start of the clip; frames that would
    not move time forward are dropped, as the MP4 muxer requires.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        zones: Iterable[Polygon] = (),
        fps: float = 30.0,
        options: EncodeOptions | None = None,
        audio_rate: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.options = options or EncodeOptions()
        # yuv420p needs even sides; an odd last row or column is dropped.
        self.width, self.height = width & ~1, height & ~1
        self.mask = ZoneMask.for_output(zones, self.width, self.height)
        self._partial = self.path.with_name(self.path.name + ".part")
        self.frames = 0
        self._last_pts = -1
        self._last_audio_pts = -1
        try:
            self._container: Any = av.open(str(self._partial), "w", format="mp4")
            self._video = self._add_video(fps)
            self._audio = None
            if self.options.keep_audio and audio_rate:
                self._audio = self._container.add_stream("aac", rate=audio_rate)
                self._audio.layout = "mono"
                self._resampler = av.AudioResampler(format="fltp", layout="mono", rate=audio_rate)
        except (av.error.FFmpegError, OSError) as exc:
            self._discard()
            raise VideoError(f"{path}: cannot create the clip ({exc})") from exc

    def _add_video(self, fps: float) -> Any:
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
        stream.codec_context.time_base = TIME_BASE
        stream.options = {"preset": self.options.preset, "crf": str(self.options.crf)}
        if self.options.threads:
            stream.codec_context.thread_count = self.options.threads
        return stream

    def write(self, frame: av.VideoFrame, time: float) -> None:
        """Black out the zones of ``frame`` (a copy is made when the decoder still owns
        it) and encode it at ``time``."""
        pts = round(time / TIME_BASE)
        if pts <= self._last_pts:
            return
        self._last_pts = pts
        out = self.prepare(frame)
        out.pts, out.time_base = pts, TIME_BASE
        self._mux(self._video.encode(out))
        self.frames += 1

    def prepare(self, frame: av.VideoFrame) -> av.VideoFrame:
        """``frame`` as a writable yuv420p frame of the clip's size, zones blacked out."""
        if (frame.format.name, frame.width, frame.height) != ("yuv420p", self.width, self.height):
            frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        else:
            frame.make_writable()
        if not self.mask.empty:
            self.mask.black_out_planes(*(plane_view(frame, i) for i in range(3)))
        return frame

    def write_audio(self, frame: av.AudioFrame, time: float) -> None:
        """Encode an audio frame at ``time`` (ignored unless audio is kept)."""
        if self._audio is None:
            return
        for resampled in self._resampler.resample(frame):
            pts = round(time * self._audio.rate)
            if pts <= self._last_audio_pts:
                continue
            self._last_audio_pts = pts + resampled.samples - 1
            resampled.pts, resampled.time_base = pts, Fraction(1, self._audio.rate)
            time += resampled.samples / self._audio.rate
            self._mux(self._audio.encode(resampled))

    def close(self) -> Path:
        """Flush the encoders and put the finished file in place."""
        try:
            self._mux(self._video.encode(None))
            if self._audio is not None:
                self._mux(self._audio.encode(None))
            self._container.close()
        except av.error.FFmpegError as exc:
            self._discard()
            raise VideoError(f"{self.path}: cannot finish the clip ({exc})") from exc
        if self.frames == 0:
            self._discard()
            raise VideoError(f"{self.path}: no frames were written")
        os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        """Stop and delete the partial file."""
        with contextlib.suppress(av.error.FFmpegError, OSError):
            self._container.close()
        self._discard()

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _mux(self, packets: Iterable[av.Packet[Any]]) -> None:
        for packet in packets:
            self._container.mux(packet)

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            self._partial.unlink()


def write_thumbnail(
    path: Path,
    image: Image,
    *,
    zones: Iterable[Polygon] = (),
    width: int = 640,
    quality: int = 85,
) -> Path:
    """Save a BGR image as a JPEG at most ``width`` wide, zones blacked out."""
    if image.shape[1] > width:
        height = max(1, round(image.shape[0] * width / image.shape[1]))
        image = u8(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    else:
        image = image.copy()
    ZoneMask.for_output(zones, image.shape[1], image.shape[0]).black_out_bgr(image)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise VideoError(f"{path}: cannot encode the thumbnail")
    partial = Path(path).with_name(Path(path).name + ".part")
    partial.write_bytes(np.asarray(data).tobytes())
    os.replace(partial, path)
    return Path(path)


class ClipRecorder:
    """Cuts clips out of the packets of an open :class:`VideoReader`.

    Feed it every packet with :meth:`push`. :meth:`start` begins a clip at a time
    up to ``pre_roll`` seconds in the past (replaying buffered packets from the
    keyframe before it), :meth:`stop` ends it at a time and returns the file,
    :meth:`abort` throws it away. While the end is not yet known, :meth:`extend`
    says how far the clip reaches for sure; later frames wait, decoded, until the
    clip is extended over them or stopped before them.
    """

    def __init__(
        self,
        reader: VideoReader,
        *,
        pre_roll: float,
        zones: Iterable[Polygon] = (),
        options: EncodeOptions | None = None,
    ) -> None:
        self.reader = reader
        self.zones = list(zones)
        self.options = options or EncodeOptions()
        self._keep_audio = self.options.keep_audio and reader.audio_stream is not None
        # One extra second so that a start time a little in the past still finds
        # its keyframe.
        self._video_buffer: PrerollBuffer[av.Packet[Any]] = PrerollBuffer(pre_roll + 1.0)
        self._audio_buffer: PrerollBuffer[av.Packet[Any]] = PrerollBuffer(pre_roll + 1.0)
        self._writer: ClipWriter | None = None
        self._decoders: dict[int, Any] = {}
        self._clip_start = 0.0
        self._until: float | None = None
        self._held: list[tuple[Any, float, bool]] = []

    @property
    def recording(self) -> bool:
        """True between :meth:`start` and :meth:`stop` / :meth:`abort`."""
        return self._writer is not None

    def push(self, packet: av.Packet[Any]) -> None:
        """Buffer a packet, and encode it when recording."""
        if packet.stream.type == "audio" and not self._keep_audio:
            return
        time = self.reader.packet_time(packet)
        if time is None:
            return
        if packet.stream.type == "audio":
            self._audio_buffer.push(time, packet, True)
        else:
            self._video_buffer.push(time, packet, bool(packet.is_keyframe))
        if self._writer is not None:
            self._feed(packet)

    def start(self, path: Path, clip_start: float) -> None:
        """Begin a clip at ``clip_start`` seconds, writing it to ``path``."""
        if self._writer is not None:
            raise RuntimeError("already recording")
        info = self.reader.info
        audio = self.reader.audio_stream
        self._writer = ClipWriter(
            path,
            info.width,
            info.height,
            zones=self.zones,
            fps=info.fps,
            options=self.options,
            audio_rate=audio.codec_context.sample_rate if self._keep_audio and audio else None,
        )
        self._clip_start = clip_start
        self._until = None
        self._held = []
        self._decoders = {}
        for packet in self._video_buffer.since(clip_start):
            self._feed(packet)
        for packet in self._audio_buffer.since(clip_start):
            self._feed(packet)

    def extend(self, until: float) -> None:
        """The clip certainly reaches ``until`` seconds: write the frames up to there."""
        self._require()
        self._until = until
        held, self._held = self._held, []
        for frame, time, audio in held:
            self._emit(frame, time, audio)

    def stop(self, clip_end: float) -> Path:
        """End the clip at ``clip_end`` seconds and return the finished file."""
        writer = self._require()
        self._until = clip_end
        held, self._held = self._held, []
        for frame, time, audio in held:
            self._emit(frame, time, audio)
        for decoder in self._decoders.values():
            self._write(decoder, decoder.decode(None))
        self._held = []
        self._writer = None
        return writer.close()

    def abort(self) -> None:
        """Drop the clip being recorded, if any."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
            self._held = []

    def _require(self) -> ClipWriter:
        if self._writer is None:
            raise RuntimeError("not recording")
        return self._writer

    def _feed(self, packet: av.Packet[Any]) -> None:
        decoder = self._decoder(packet.stream)
        try:
            frames = decoder.decode(packet)
        except av.error.FFmpegError:
            return  # a damaged packet costs its frames, not the clip
        self._write(decoder, frames)

    def _write(self, decoder: Any, frames: Iterable[Any]) -> None:
        audio = decoder.type == "audio"
        stream: Any = self.reader.audio_stream if audio else self.reader.stream
        for frame in frames:
            if frame.pts is not None:
                self._emit(frame, self.reader.time_of(frame.pts, stream.time_base), audio)

    def _emit(self, frame: Any, time: float, audio: bool) -> None:
        if time < self._clip_start:
            return
        if self._until is not None and time > self._until:
            self._held.append((frame, time, audio))
            return
        writer = self._require()
        if audio:
            writer.write_audio(frame, time - self._clip_start)
        else:
            writer.write(frame, time - self._clip_start)

    def _decoder(self, stream: Any) -> Any:
        decoder = self._decoders.get(stream.index)
        if decoder is None:
            source = stream.codec_context
            decoder = av.CodecContext.create(source.name, "r")
            decoder.extradata = source.extradata
            if stream.type == "audio":
                decoder.sample_rate = source.sample_rate
                decoder.layout = source.layout
            else:
                # Uncompressed video (a USB camera's YUYV, say) is only decodable
                # with its size and pixel format; compressed codecs ignore them.
                decoder.width, decoder.height = source.width, source.height
                if source.pix_fmt is not None:
                    decoder.pix_fmt = source.pix_fmt
                decoder.thread_type = "AUTO"
            self._decoders[stream.index] = decoder
        return decoder
