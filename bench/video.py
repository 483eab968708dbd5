"""Throughput of the camera pipeline against plain decoding, on a 1080p H.264 clip.

Run: ``PYTHONPATH=src .venv/bin/python bench/video.py [seconds]``

Makes (once, cached in the temp folder) a 10-second 1080p30 H.264 clip that looks
like a porch camera: a still, textured scene with sensor noise, and a person-sized
shape crossing it from 3 s to 7 s. Then prints, as medians of 3 runs in this
process:

- decode-only frames per second (PyAV, ``thread_type="AUTO"``, every frame);
- the pipeline's frames per second with detection at 5 fps (motion on every
  sampled frame, the HOG people detector on motion crops), clip writing off, and
  its ratio to decode-only (the aim is 0.8 or more);
- how many 1080p30 cameras one core sustains at 5 fps detection, from the CPU
  seconds the pipeline spent per second of video (all threads counted);
- the same pipeline writing event clips and thumbnails, for reference: x264
  re-encodes every frame of an event (privacy zones must be blacked out before
  storage), so a camera costs more while it records.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

try:
    from porchlight.video.detect import HogPeopleDetector
    from porchlight.video.pipeline import PipelineConfig, process_file
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from porchlight.video.detect import HogPeopleDetector
    from porchlight.video.pipeline import PipelineConfig, process_file

RUNS = 3
WIDTH, HEIGHT, FPS = 1920, 1080, 30
ZONES = [[[0.0, 0.0], [0.25, 0.0], [0.25, 0.3], [0.0, 0.3]]]  # a neighbour's window


def make_clip(path: Path, seconds: float) -> Path:
    """A porch-like 1080p clip, encoded once with libx264."""
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    ramp = np.linspace(40, 150, WIDTH, dtype=np.float32)[None, :, None]
    texture = rng.normal(0, 12, (HEIGHT, WIDTH, 1)).astype(np.float32)
    scene = np.clip(ramp + texture, 0, 255).astype(np.uint8).repeat(3, axis=2)
    noise = [rng.integers(-3, 4, (HEIGHT, WIDTH, 3), dtype=np.int16) for _ in range(4)]
    partial = path.with_suffix(".part.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": str(2 * FPS)}
        for index in range(int(seconds * FPS)):
            t = index / FPS
            image = np.clip(scene + noise[index % 4], 0, 255).astype(np.uint8)
            if 3 <= t < 7:
                x = int(100 + (t - 3) / 4 * 1500)
                image[500:920, x : x + 180] = (40, 50, 70)
                image[420:500, x + 50 : x + 130] = (120, 140, 170)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    partial.rename(path)
    return path


def measure(work: Callable[[], int]) -> tuple[float, float, int]:
    """Median wall seconds and CPU seconds over RUNS runs, and the frame count."""
    walls, cpus, frames = [], [], 0
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        frames = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), frames


def decode_only(clip: Path) -> int:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def pipeline(clip: Path, out: Path, write_clips: bool, recorded: list[float]) -> Callable[[], int]:
    detector = HogPeopleDetector()
    config = PipelineConfig(analysis_fps=5.0, write_clips=write_clips)

    def run() -> int:
        events = process_file(clip, out, zones=ZONES, detector=detector, config=config)
        assert events, "the bench clip should contain an event"
        recorded[:] = [sum(e.clip_end - e.clip_start for e in events)]
        with av.open(str(clip)) as container:
            return int(container.streams.video[0].frames)

    return run


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    folder = Path(tempfile.gettempdir()) / "porchlight-bench"
    folder.mkdir(exist_ok=True)
    started = time.perf_counter()
    clip = make_clip(folder / f"porch-1080p-{seconds:g}s.mp4", seconds)
    print(f"clip: {clip} ({WIDTH}x{HEIGHT} H.264, {seconds:g} s at {FPS} fps)")
    print(f"  (made or found in {time.perf_counter() - started:.1f} s)")

    with tempfile.TemporaryDirectory() as out:
        d_wall, d_cpu, frames = measure(lambda: decode_only(clip))
        recorded: list[float] = [0.0]
        p_wall, p_cpu, _ = measure(pipeline(clip, Path(out) / "a", False, recorded))
        c_wall, c_cpu, _ = measure(pipeline(clip, Path(out) / "b", True, recorded))

    decode_fps, pipeline_fps, clips_fps = frames / d_wall, frames / p_wall, frames / c_wall
    print(f"median of {RUNS} runs, {frames} frames:")
    print(f"  decode only (PyAV)                 {decode_fps:7.1f} fps   cpu {d_cpu:5.2f} s")
    print(f"  pipeline, detection at 5 fps       {pipeline_fps:7.1f} fps   cpu {p_cpu:5.2f} s")
    print(f"  ratio pipeline / decode-only       {pipeline_fps / decode_fps:7.2f}   (aim >= 0.80)")
    print(f"  same ratio by CPU time             {d_cpu / p_cpu:7.2f}   (less noisy on 2 cores)")
    print(f"  1080p30 cameras per core, 5 fps    {seconds / p_cpu:7.1f}")
    print(f"  decode-only cameras per core       {seconds / d_cpu:7.1f}")
    print(f"  pipeline + event clips (x264)      {clips_fps:7.1f} fps   cpu {c_cpu:5.2f} s")
    print(f"  cameras per core while recording   {seconds / c_cpu:7.1f}", end="")
    print(f"   ({recorded[0]:.1f} s of {seconds:g} s encoded as event clips)")


if __name__ == "__main__":
    main()
