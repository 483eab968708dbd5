"""The whole pipeline on synthetic scenes with known ground truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from porchlight.video.boxes import Box, Detection
from porchlight.video.decode import open_video
from porchlight.video.encode import EncodeOptions
from porchlight.video.errors import VideoError
from porchlight.video.events import EventConfig
from porchlight.video.masks import rasterize
from porchlight.video.pipeline import CameraPipeline, EventResult, PipelineConfig, process_file

from .conftest import (
    MOTION_START,
    MOTION_STOP,
    ROW,
    decode_all,
    moving_box,
    stream_kinds,
    write_video,
)

CONFIG = PipelineConfig(events=EventConfig(pre_roll=1.0, post_roll=1.0))
# Covers the rectangle's path from 20 % to 60 % of the width, and the rows it uses.
PATH_ZONE = [[0.2, 0.3], [0.6, 0.3], [0.6, 0.7], [0.2, 0.7]]


class Labeller:
    """A controllable detector: calls whatever it is shown a person, and counts."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, int]] = []

    def detect(self, image: np.ndarray) -> list[Detection]:
        self.shapes.append(image.shape[:2])
        return [Detection("person", 0.75, Box(0, 0, 10, 10))]


def test_one_moving_object_makes_one_event_at_the_right_time(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    events = process_file(videos(), tmp_path, config=CONFIG)
    assert len(events) == 1
    event = events[0]
    assert event.start == pytest.approx(MOTION_START, abs=0.25)
    assert event.end == pytest.approx(MOTION_STOP, abs=0.25)
    assert event.clip_start == pytest.approx(event.start - 1.0, abs=0.01)
    assert event.clip_end == pytest.approx(event.end + 1.0, abs=0.01)
    assert event.labels == ()
    assert event.clip_path is not None
    assert event.thumbnail_path is not None
    frames = decode_all(event.clip_path)
    length = frames[-1][0] - frames[0][0]
    assert length == pytest.approx(event.clip_end - event.clip_start, abs=0.15)
    thumb = cv2.imread(str(event.thumbnail_path))
    assert thumb is not None
    assert thumb.shape == (240, 320, 3)
    # Nothing but the two files per event, no partial files.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene-0-0001.jpg", "scene-0-0001.mp4"]


def test_an_h265_camera_gives_the_same_event_as_an_h264_clip(tmp_path: Path) -> None:
    """Many cameras send H.265; clips are always H.264 MP4, masked like any other."""
    source = write_video(tmp_path / "hevc.mp4", moving_box(), codec="libx265")
    with open_video(source) as reader:
        assert reader.info.codec == "hevc"
    (event,) = process_file(source, tmp_path / "out", zones=[PATH_ZONE], config=CONFIG)
    assert event.start == pytest.approx(MOTION_START, abs=0.25)
    assert event.end == pytest.approx(MOTION_STOP, abs=0.25)
    assert event.clip_path is not None
    with open_video(event.clip_path) as clip:
        assert clip.info.codec == "h264"
    inside = rasterize([PATH_ZONE], 320, 240)
    frames = decode_all(event.clip_path)
    assert len(frames) > 30
    assert all(int(image[inside].max()) == 0 for _, image in frames)


def test_uncompressed_video_as_usb_cameras_send_it_makes_clips(tmp_path: Path) -> None:
    """V4L2 cameras often deliver raw YUYV frames; clips are encoded from them."""
    source = write_video(tmp_path / "yuyv.nut", moving_box(), codec="rawvideo", pix_fmt="yuyv422")
    with open_video(source) as reader:
        assert (reader.info.codec, reader.stream.codec_context.pix_fmt) == ("rawvideo", "yuyv422")
    (event,) = process_file(source, tmp_path / "out", zones=[PATH_ZONE], config=CONFIG)
    assert event.start == pytest.approx(MOTION_START, abs=0.25)
    assert event.clip_path is not None
    with open_video(event.clip_path) as clip:
        assert clip.info.codec == "h264"
    inside = rasterize([PATH_ZONE], 320, 240)
    frames = decode_all(event.clip_path)
    length = frames[-1][0] - frames[0][0]
    assert length == pytest.approx(event.clip_end - event.clip_start, abs=0.15)
    assert all(int(image[inside].max()) == 0 for _, image in frames)


def test_motion_only_inside_a_privacy_zone_makes_no_event(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    source = videos("inside", x_range=(0.25, 0.55))
    assert process_file(source, tmp_path, zones=[PATH_ZONE], config=CONFIG) == []
    # Without the zone the same video has its event.
    assert len(process_file(source, tmp_path / "open", config=CONFIG)) == 1


def test_zone_pixels_are_black_in_every_frame_of_the_clip_and_thumbnail(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    (event,) = process_file(videos(), tmp_path, zones=[PATH_ZONE], config=CONFIG)
    assert event.clip_path is not None
    assert event.thumbnail_path is not None
    inside = rasterize([PATH_ZONE], 320, 240)
    frames = decode_all(event.clip_path)
    assert len(frames) > 30
    for _, image in frames:
        assert int(image[inside].max()) == 0
    thumb = cv2.imread(str(event.thumbnail_path))
    assert thumb is not None
    assert int(thumb[inside].max()) == 0
    # The moving rectangle is still visible outside the zone in some frame.
    outside_path = np.zeros_like(inside)
    outside_path[ROW : ROW + 40, 250:] = True
    assert max(float(img[outside_path].max()) for _, img in frames) > 200


def test_detector_labels_the_event_and_runs_only_on_motion_crops(tmp_path: Path) -> None:
    source = write_video(
        tmp_path / "wide.mp4", moving_box(width=640, height=360, seconds=5), crf=20
    )
    labeller = Labeller()
    events = process_file(source, tmp_path / "out", detector=labeller, config=CONFIG)
    assert [e.labels for e in events] == [("person",)]
    assert events[0].scores == {"person": 0.75}
    # 2 s of motion at 5 fps: about ten runs, on crops smaller than the frame.
    assert 8 <= len(labeller.shapes) <= 12
    assert all(h <= 360 and w < 640 for h, w in labeller.shapes)


def test_people_only_camera_keeps_no_event_without_a_person(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    config = PipelineConfig(events=EventConfig(pre_roll=1, post_roll=1, people_only=True))
    assert process_file(videos(), tmp_path, config=config) == []
    assert list(tmp_path.iterdir()) == []
    kept = process_file(videos(), tmp_path, config=config, detector=Labeller())
    assert len(kept) == 1


def test_finding_events_without_writing_clips(videos: Callable[..., Path], tmp_path: Path) -> None:
    config = PipelineConfig(events=CONFIG.events, write_clips=False)
    (event,) = process_file(videos(), tmp_path / "none", config=config)
    assert event.clip_path is None
    assert event.thumbnail_path is None
    assert not (tmp_path / "none").exists()


def test_progress_is_reported_up_to_the_end(videos: Callable[..., Path], tmp_path: Path) -> None:
    seen: list[tuple[float, float | None]] = []
    process_file(videos(), tmp_path, config=CONFIG, progress=lambda d, t: seen.append((d, t)))
    assert seen
    assert seen[-1][0] == pytest.approx(6.0, abs=0.1)
    assert seen[-1][1] == pytest.approx(6.0, abs=0.1)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_audio_is_dropped_unless_kept(videos: Callable[..., Path], tmp_path: Path) -> None:
    source = videos("talking", audio_seconds=6.0)
    (quiet,) = process_file(source, tmp_path / "quiet", config=CONFIG)
    assert quiet.clip_path is not None
    assert stream_kinds(quiet.clip_path) == ["video"]
    keep = PipelineConfig(events=CONFIG.events, encode=EncodeOptions(keep_audio=True))
    (loud,) = process_file(source, tmp_path / "loud", config=keep)
    assert loud.clip_path is not None
    assert stream_kinds(loud.clip_path) == ["video", "audio"]


def test_a_truncated_file_keeps_finished_events_and_leaves_no_partial_clip(
    tmp_path: Path,
) -> None:
    frames = list(moving_box(seconds=12)) + list(moving_box(seconds=6, start=1, stop=5.5))
    source = write_video(tmp_path / "long.mp4", frames, options={"movflags": "+faststart"})
    data = source.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.85)])
    out = tmp_path / "out"
    delivered: list[EventResult] = []
    with pytest.raises(VideoError, match="truncated"):
        process_file(cut, out, config=CONFIG, on_event=delivered.append)
    assert len(delivered) == 1
    assert delivered[0].clip_path is not None
    assert sorted(p.suffix for p in out.iterdir()) == [".jpg", ".mp4"]


def test_bad_input_is_a_video_error(tmp_path: Path) -> None:
    (tmp_path / "x.mp4").write_text("not a video")
    with pytest.raises(VideoError, match="not a readable video"):
        process_file(tmp_path / "x.mp4", tmp_path / "out")


def test_camera_pipeline_is_a_loop_over_packets(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    results: list[EventResult] = []
    with open_video(videos()) as reader:
        pipeline = CameraPipeline(reader, tmp_path, name="porch", config=CONFIG)
        for packet in reader.packets():
            results += pipeline.feed(packet)
        results += pipeline.finish()
    assert [r.number for r in results] == [1]
    assert results[0].clip_path == tmp_path / "porch-0001.mp4"
    assert pipeline.stats.frames_decoded == 90
    assert pipeline.stats.frames_analysed == 30
    assert results[0].to_dict()["clip"] == str(tmp_path / "porch-0001.mp4")
