"""Clips and thumbnails: H.264 MP4 and JPEG, privacy zones black in every pixel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from porchlight.video.decode import open_video
from porchlight.video.encode import ClipRecorder, ClipWriter, EncodeOptions, write_thumbnail
from porchlight.video.errors import VideoError
from porchlight.video.masks import rasterize

from .conftest import decode_all, stream_kinds

# Deliberately off the 16-pixel grid, with a notch.
ZONE = [[0.31, 0.27], [0.66, 0.22], [0.71, 0.73], [0.52, 0.61], [0.37, 0.81]]


def loud_frames(count: int, width: int = 320, height: int = 240) -> list[av.VideoFrame]:
    """Saturated colour noise that moves: the worst case for leaking into a zone."""
    rng = np.random.default_rng(7)
    frames = []
    for i in range(count):
        image = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
        big = np.asarray(
            cv2.resize(image, (width, height), interpolation=cv2.INTER_NEAREST), np.uint8
        )
        moved = np.roll(big, i * 3, axis=1)
        frames.append(av.VideoFrame.from_ndarray(moved, format="bgr24"))
    return frames


@pytest.mark.parametrize("crf", [23, 40])
def test_zone_pixels_decode_exactly_black_in_every_frame(tmp_path: Path, crf: int) -> None:
    path = tmp_path / "clip.mp4"
    with ClipWriter(path, 320, 240, zones=[ZONE], fps=15, options=EncodeOptions(crf=crf)) as writer:
        for i, frame in enumerate(loud_frames(30)):
            writer.write(frame, i / 15)
    inside = rasterize([ZONE], 320, 240)
    frames = decode_all(path)
    assert len(frames) == 30
    for _, image in frames:
        assert int(image[inside].max()) == 0
        # Outside the zone the picture is still there.
        assert float(image[~inside].mean()) > 40
    with open_video(path) as reader:
        for decoded in reader.frames():
            assert int(decoded.luma()[inside].max()) <= 16


def test_clip_is_h264_yuv420p_mp4_without_audio(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with ClipWriter(path, 320, 240, fps=15) as writer:
        for i, frame in enumerate(loud_frames(5)):
            writer.write(frame, i / 15)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert container.format.name.startswith("mov,mp4")
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
    assert stream_kinds(path) == ["video"]


def test_frames_that_do_not_move_time_forward_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    frames = loud_frames(3)
    with ClipWriter(path, 320, 240) as writer:
        writer.write(frames[0], 0.0)
        writer.write(frames[1], 0.0)
        writer.write(frames[2], 0.1)
    assert writer.frames == 2
    assert len(decode_all(path)) == 2


def test_odd_sizes_are_trimmed_to_even(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    image = np.full((121, 161, 3), 128, dtype=np.uint8)
    with ClipWriter(path, 161, 121) as writer:
        writer.write(av.VideoFrame.from_ndarray(image, format="bgr24"), 0)
    assert decode_all(path)[0][1].shape == (120, 160, 3)


def test_a_failed_clip_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"

    def record_until_unplugged() -> None:
        with ClipWriter(path, 320, 240) as writer:
            writer.write(loud_frames(1)[0], 0)
            raise RuntimeError("camera unplugged")

    with pytest.raises(RuntimeError, match="unplugged"):
        record_until_unplugged()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_clip_is_an_error_and_leaves_no_file(tmp_path: Path) -> None:
    writer = ClipWriter(tmp_path / "clip.mp4", 320, 240)
    with pytest.raises(VideoError, match="no frames"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def test_thumbnail_is_a_jpeg_with_the_zone_black(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    path = write_thumbnail(tmp_path / "thumb.jpg", image, zones=[ZONE], width=320)
    decoded = cv2.imread(str(path))
    assert decoded is not None
    assert decoded.shape == (240, 320, 3)
    inside = rasterize([ZONE], 320, 240)
    assert int(decoded[inside].max()) == 0
    assert float(decoded[~inside].mean()) > 60
    assert not (tmp_path / "thumb.jpg.part").exists()


def test_thumbnail_does_not_change_the_callers_image(tmp_path: Path) -> None:
    image = np.full((100, 100, 3), 200, dtype=np.uint8)
    write_thumbnail(tmp_path / "t.jpg", image, zones=[[[0, 0], [1, 0], [1, 1]]])
    assert (image == 200).all()


def test_recorder_cuts_a_clip_with_pre_roll_from_packets(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    with open_video(videos()) as reader:
        recorder = ClipRecorder(reader, pre_roll=2.0)
        for packet in reader.packets():
            recorder.push(packet)
            time = reader.packet_time(packet) or 0.0
            if not recorder.recording and time >= 3.0:
                recorder.start(tmp_path / "event.mp4", clip_start=1.0)
                recorder.extend(4.0)
            if recorder.recording and time >= 4.5:
                clip = recorder.stop(clip_end=4.0)
                break
    frames = decode_all(clip)
    duration = frames[-1][0] - frames[0][0]
    assert frames[0][0] == pytest.approx(0, abs=0.01)
    assert duration == pytest.approx(3.0, abs=0.15)


def test_recorder_keeps_audio_only_when_asked(videos: Callable[..., Path], tmp_path: Path) -> None:
    source = videos("talking", audio_seconds=6.0)
    for keep in (False, True):
        with open_video(source) as reader:
            recorder = ClipRecorder(reader, pre_roll=1.0, options=EncodeOptions(keep_audio=keep))
            recorder.start(tmp_path / f"clip-{keep}.mp4", clip_start=0.0)
            for packet in reader.packets(audio=True):
                recorder.push(packet)
            clip = recorder.stop(clip_end=3.0)
        assert stream_kinds(clip) == (["video", "audio"] if keep else ["video"])


def test_recorder_abort_deletes_the_partial_clip(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    with open_video(videos()) as reader:
        recorder = ClipRecorder(reader, pre_roll=1.0)
        recorder.start(tmp_path / "event.mp4", clip_start=0.0)
        for packet in reader.packets():
            recorder.push(packet)
        recorder.abort()
    assert not recorder.recording
    assert list(tmp_path.iterdir()) == []
