"""Opening, decoding and sampling video; clear errors for bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from porchlight.video.boxes import Box
from porchlight.video.decode import RateSampler, open_video, plane_view
from porchlight.video.errors import VideoError

from .conftest import FPS, HEIGHT, WIDTH, background, write_video


def test_info_describes_the_stream(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        info = reader.info
    assert (info.width, info.height, info.codec) == (WIDTH, HEIGHT, "h264")
    assert info.fps == pytest.approx(FPS)
    assert info.duration == pytest.approx(6.0, abs=0.1)
    assert not info.has_audio


def test_every_frame_comes_with_its_time(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        times = [frame.time for frame in reader.frames()]
    assert len(times) == 6 * FPS
    assert times[0] == 0
    assert times == sorted(times)
    assert np.diff(times) == pytest.approx(1 / FPS, abs=1e-3)


def test_luma_is_the_y_plane_itself_not_a_copy(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        frame = next(reader.frames())
        luma = frame.luma()
        assert luma.shape == (HEIGHT, WIDTH)
        assert luma.dtype == np.uint8
        assert np.shares_memory(luma, plane_view(frame.video_frame, 0))
        # The luma of a grey-ish background follows its BGR brightness.
        grey = frame.bgr().mean(axis=2)
        assert abs(float(luma.mean()) - float(grey.mean())) < 8


def test_bgr_of_a_region_matches_the_whole_frame_crop(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        frame = list(reader.frames())[40]
        region = frame.bgr(Box(33, 51, 171, 129))
        whole = frame.bgr()
    assert region.shape == (78, 138, 3)
    assert np.abs(region.astype(int) - whole[51:129, 33:171]).max() <= 2


def test_bgr_scaled_keeps_the_aspect_ratio(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        frame = next(reader.frames())
        small = frame.bgr(width=160)
    assert small.shape == (120, 160, 3)


def test_sampling_picks_frames_at_the_analysis_rate(videos: Callable[..., Path]) -> None:
    with open_video(videos()) as reader:
        times = [frame.time for frame in reader.frames(fps=5)]
    assert len(times) == 30
    assert np.diff(times) == pytest.approx(0.2, abs=1e-3)


def test_sampler_copes_with_gaps_and_jitter() -> None:
    sampler = RateSampler(5)
    picked = [t for t in (0, 0.05, 0.21, 0.39, 0.41, 3.0, 3.1, 3.2) if sampler.due(t)]
    assert picked == [0, 0.21, 0.41, 3.0, 3.2]
    with pytest.raises(ValueError, match="positive"):
        RateSampler(0)


def test_keyframes_only_decoding_skips_the_rest(tmp_path: Path) -> None:
    frames = (background() for _ in range(60))
    path = write_video(tmp_path / "gop.mp4", frames)
    with open_video(path, skip_frame="NONKEY") as reader:
        keyframes = list(reader.frames())
    assert 1 <= len(keyframes) < 60


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="no such file"):
        open_video(tmp_path / "nope.mp4")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        open_video(tmp_path / "empty.mp4")


def test_a_file_that_is_not_video_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("shopping list\n" * 200)
    with pytest.raises(VideoError, match="not a readable video"):
        open_video(tmp_path / "notes.mp4")


def test_a_file_cut_before_its_index_is_refused(
    videos: Callable[..., Path], tmp_path: Path
) -> None:
    data = videos().read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError, match="not a readable video"):
        open_video(tmp_path / "cut.mp4")


def test_a_file_cut_after_its_index_is_reported_as_truncated(tmp_path: Path) -> None:
    frames = (background(seed=i) for i in range(90))
    path = write_video(tmp_path / "fast.mp4", frames, options={"movflags": "+faststart"})
    data = path.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 3])
    with open_video(tmp_path / "cut.mp4") as reader, pytest.raises(VideoError, match="truncated"):
        list(reader.frames())


def test_an_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 16000
        for packet in list(stream.encode(frame)) + list(stream.encode()):
            container.mux(packet)
    with pytest.raises(VideoError, match="no video stream"):
        open_video(path)


def test_an_absurd_resolution_is_refused(videos: Callable[..., Path]) -> None:
    with pytest.raises(VideoError, match="resolution 320x240"):
        open_video(videos(), max_dimension=200)


def test_a_video_stream_without_frames_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hollow.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
    assert path.stat().st_size > 0
    with pytest.raises(VideoError, match="zero-length"):
        open_video(path)
