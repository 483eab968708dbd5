"""Visible watermarks: a downloaded copy carries who downloaded it, on every frame."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from porchlight.video.errors import VideoError


def _stamp(image: np.ndarray, lines: list[str]) -> None:
    height, width = image.shape[:2]
    scale = max(0.35, min(width, height) / 900)
    thickness = max(1, round(scale * 2))
    line_height = int(26 * scale) + 6
    top = height - line_height * len(lines) - 8
    cv2.rectangle(image, (0, top - 6), (width, height), (0, 0, 0), -1)
    for index, text in enumerate(lines):
        y = top + line_height * (index + 1) - 6
        cv2.putText(
            image,
            text,
            (8, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (255, 255, 255),
            thickness,
            cv2.LINE_AA,
        )


def watermark_video(source: Path, destination: Path, lines: list[str]) -> int:
    """Re-encode ``source`` with ``lines`` burnt into the bottom of every frame.

    Audio is dropped.  Returns the number of frames written.
    """
    if not lines:
        raise ValueError("a watermark needs at least one line")
    try:
        with av.open(str(source)) as reader, av.open(str(destination), "w") as writer:
            video = reader.streams.video[0]
            rate = video.average_rate or 25
            stream = writer.add_stream("libx264", rate=rate)
            stream.width = video.codec_context.width - video.codec_context.width % 2
            stream.height = video.codec_context.height - video.codec_context.height % 2
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "veryfast", "crf": "23"}
            frames = 0
            for frame in reader.decode(video=0):
                image = frame.to_ndarray(format="bgr24")[: stream.height, : stream.width].copy()
                _stamp(image, lines)
                out = av.VideoFrame.from_ndarray(image, format="bgr24")
                out.pts, out.time_base = frame.pts, frame.time_base
                for packet in stream.encode(out):
                    writer.mux(packet)
                frames += 1
            for packet in stream.encode():
                writer.mux(packet)
    except av.FFmpegError as exc:
        raise VideoError(f"the video could not be watermarked: {exc}") from exc
    return frames
