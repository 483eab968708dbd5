"""Porchlight's pure video library: decode, motion, detection, privacy zones, events,
encoding and redaction, over PyAV, OpenCV and NumPy.

It imports no web framework, database or feature package, so the camera agent and
the server's workers share it. See ``pipeline`` for the end-to-end loop.
"""

from porchlight.video.boxes import Box, Detection
from porchlight.video.decode import Frame, StreamInfo, VideoReader, open_video
from porchlight.video.errors import DetectorUnavailable, VideoError
from porchlight.video.events import EventConfig, EventTracker
from porchlight.video.masks import ZoneMask, rasterize
from porchlight.video.motion import MotionConfig, MotionDetector
from porchlight.video.pipeline import (
    CameraPipeline,
    EventResult,
    PipelineConfig,
    process_file,
)
from porchlight.video.redact import RedactConfig, redact_video

__all__ = [
    "Box",
    "CameraPipeline",
    "Detection",
    "DetectorUnavailable",
    "EventConfig",
    "EventResult",
    "EventTracker",
    "Frame",
    "MotionConfig",
    "MotionDetector",
    "PipelineConfig",
    "RedactConfig",
    "StreamInfo",
    "VideoError",
    "VideoReader",
    "ZoneMask",
    "open_video",
    "process_file",
    "rasterize",
    "redact_video",
]
