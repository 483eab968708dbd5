"""The agent's work: watch cameras, turn events into encrypted spooled clips, upload.

Each camera runs in a thread of its own, so one failing source never stops the
others.  Privacy zones come from the server (cached on disk, so a restart without the
network still masks them); nothing is recorded for a camera whose zones are unknown.
Sound is recorded only when the household turned "Record audio" on (a setting whose
every change the server records).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from porchlight.agent.config import AgentConfig, CameraConfig
from porchlight.agent.spool import Spool, SpooledEvent
from porchlight.client import ClientError, PorchlightClient, encrypt_part
from porchlight.crypto import parse_recipient
from porchlight.video.decode import hide_password, open_video, public_name
from porchlight.video.detect import default_object_detector
from porchlight.video.encode import EncodeOptions
from porchlight.video.errors import VideoError
from porchlight.video.events import EventConfig
from porchlight.video.pipeline import CameraPipeline, EventResult, PipelineConfig

log = logging.getLogger("porchlight.agent")


@dataclass
class CameraSetup:
    """What the server says about a camera: its zones, filter and who may open its clips."""

    zones: list[list[list[float]]]
    people_only: bool
    holders: dict[str, str]
    #: The household's recorded "Record audio" setting; off by default.
    record_audio: bool = False


class Agent:
    """The hub's event loop over its cameras, its spool and its uploader."""

    def __init__(self, config: AgentConfig, client: PorchlightClient | None = None) -> None:
        self.config = config
        self.client = client or PorchlightClient(config.server, config.token)
        self.spool = Spool(config.spool)
        self.stop = threading.Event()
        self.uploaded = 0
        self.rejected = 0

    # -- camera settings, cached so that a restart without network still masks --------

    def _cache(self) -> Path:
        return self.config.spool / ".cameras.json"

    def setup(self, camera: CameraConfig) -> CameraSetup:
        """Zones and holders from the server, or from the cache when it cannot be reached."""
        cache = json.loads(self._cache().read_text()) if self._cache().exists() else {}
        try:
            info = self.client.json("GET", f"/api/v1/cameras/{camera.id}")
            holders = {k: str(v) for k, v in self.client.holders(info["household_id"]).items()}
            cache[camera.id] = {
                "zones": [z["points"] for z in info["zones"]],
                "people_only": info["people_only"],
                "record_audio": bool(info.get("record_audio", False)),
                "holders": holders,
            }
            self._cache().write_text(json.dumps(cache))
        except ClientError as exc:
            if camera.id not in cache or exc.status not in (0, 502, 503, 504):
                raise
            log.warning("server unreachable; using cached settings for %s", camera.id)
        found = cache[camera.id]
        people_only = camera.people_only if camera.people_only is not None else found["people_only"]
        return CameraSetup(
            found["zones"],
            bool(people_only),
            dict(found["holders"]),
            record_audio=bool(found.get("record_audio", False)),
        )

    # -- events -----------------------------------------------------------------------

    def keep(
        self, camera: CameraConfig, setup: CameraSetup, event: EventResult, base: datetime
    ) -> SpooledEvent | None:
        """Encrypt an event's clip and thumbnail for its holders and spool them."""
        if event.clip_path is None:
            return None
        holders = {k: parse_recipient(v) for k, v in setup.holders.items()}
        try:
            parts = {"media": encrypt_part(event.clip_path, holders, self.spool.workdir)}
            if event.thumbnail_path is not None:
                parts["thumbnail"] = encrypt_part(event.thumbnail_path, holders, self.spool.workdir)
        finally:  # The plaintext never outlives its encryption.
            event.clip_path.unlink(missing_ok=True)
            if event.thumbnail_path is not None:
                event.thumbnail_path.unlink(missing_ok=True)
        start = base + timedelta(seconds=event.clip_start)
        end = base + timedelta(seconds=max(event.clip_end, event.clip_start + 0.1))
        return self.spool.add(camera.id, start, end, sorted(event.labels), parts)

    def analyse(self, camera: CameraConfig, setup: CameraSetup, base: datetime) -> int:
        """Run one source to its end (or until stopped); returns the events kept.

        When a live source drops in the middle of an event, the event is still kept,
        cut where the picture stopped, before the error goes up to :meth:`watch`.
        """
        config = PipelineConfig(
            analysis_fps=self.config.analysis_fps,
            events=replace(EventConfig(), people_only=setup.people_only),
            encode=EncodeOptions(keep_audio=setup.record_audio),
        )
        detector = default_object_detector(self.config.model)
        kept = 0
        with (
            tempfile.TemporaryDirectory(dir=self.spool.workdir) as tmp,
            open_video(
                camera.device(),
                input_format=camera.input_format(),
                options=camera.input_options(),
            ) as reader,
        ):
            pipeline = CameraPipeline(
                reader,
                Path(tmp),
                name=camera.id[:12],
                zones=setup.zones,
                detector=detector,
                config=config,
            )
            try:
                try:
                    for packet in reader.packets(audio=setup.record_audio):
                        for event in pipeline.feed(packet):
                            kept += self.keep(camera, setup, event, base) is not None
                        if self.stop.is_set():
                            break
                except VideoError:
                    if camera.kind() == "file":
                        raise  # a damaged file: its events are not trusted
                    for event in pipeline.finish():  # the stream dropped: keep what was seen
                        kept += self.keep(camera, setup, event, base) is not None
                    raise
                for event in pipeline.finish():
                    kept += self.keep(camera, setup, event, base) is not None
            except BaseException:
                pipeline.abort()
                raise
        return kept

    def watch(self, camera: CameraConfig, once: bool) -> None:
        """Keep a camera running: reconnect after errors, with a growing pause."""
        pause = 1.0
        while not self.stop.is_set():
            try:
                setup = self.setup(camera)
                base = _base_time(camera.source)
                kept = self.analyse(camera, setup, base)
                pause = 1.0
                if once or camera.kind() == "file":
                    shown = public_name(camera.source)
                    log.info("camera %s: %s ended, %d events", camera.id, shown, kept)
                    return
                if not self.stop.is_set():
                    log.warning(
                        "camera %s: %s stopped sending (%d events); reconnecting",
                        camera.id,
                        public_name(camera.source),
                        kept,
                    )
            except (VideoError, ClientError, OSError) as exc:
                log.error("camera %s: %s", camera.id, hide_password(str(exc), camera.source))
                if once:
                    return
            except Exception as exc:  # a bug must not stop this camera for good
                detail = hide_password(f"{type(exc).__name__}: {exc}", camera.source)
                log.error("camera %s: unexpected error, retrying: %s", camera.id, detail)
                if once:
                    return
            self.stop.wait(pause)
            pause = min(pause * 2, 60.0)

    # -- uploads -------------------------------------------------------------------

    def upload_pending(self) -> bool:
        """Upload what waits; False when the server could not be reached (retry later)."""
        for event in self.spool.pending():
            try:
                self.client.upload_parts(
                    event.camera_id,
                    event.parts,
                    started_at=event.started_at,
                    ended_at=event.ended_at,
                    labels=event.labels,
                    idempotency_key=event.idempotency_key,
                )
            except ClientError as exc:
                if exc.status == 0 or exc.status >= 500 or exc.status == 429:
                    log.warning("upload postponed: %s", exc.detail)
                    return False
                log.error("server refused an event (%s); moved to .rejected", exc.detail)
                target = self.config.spool / ".rejected"
                target.mkdir(exist_ok=True)
                shutil.move(str(event.folder), target / event.folder.name)
                self.rejected += 1
                continue
            self.spool.done(event)
            self.uploaded += 1
        return True

    def run(self, once: bool = False) -> None:
        """Watch every camera and upload until stopped (or, with ``once``, until done)."""
        threads = [
            threading.Thread(target=self.watch, args=(c, once), name=c.id, daemon=True)
            for c in self.config.cameras
        ]
        for thread in threads:
            thread.start()
        pause = 2.0
        while True:
            ok = self.upload_pending()
            alive = any(t.is_alive() for t in threads)
            if not alive and (self.stop.is_set() or (once and ok)):
                break
            pause = 2.0 if ok else min(pause * 2, 60.0)
            if self.stop.is_set():
                time.sleep(0.2)  # stopping: let the cameras finish their clips
            else:
                self.stop.wait(pause)
        for thread in threads:
            thread.join(timeout=5)


def _base_time(source: str) -> datetime:
    """When a source's first frame was recorded: a file's start, or now for a stream."""
    path = Path(source)
    if path.is_file():
        try:
            with open_video(source) as reader:
                duration = reader.info.duration or 0.0
        except VideoError:
            duration = 0.0
        return datetime.fromtimestamp(path.stat().st_mtime, UTC) - timedelta(seconds=duration)
    return datetime.now(UTC)


def summary(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts, labels and durations of a list of events (for `ingest`)."""
    labels: dict[str, int] = {}
    for event in events:
        for label in event["labels"]:
            labels[label] = labels.get(label, 0) + 1
    seconds = sum(e["end"] - e["start"] for e in events)
    return {"events": len(events), "labels": labels, "seconds": round(seconds, 1)}
