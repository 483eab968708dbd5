"""Events waiting to be uploaded, kept on the hub's disk already encrypted.

Each event is a folder with its encrypted parts and a small description; it appears
under its final name only when complete (written in a temporary folder, then renamed),
and is removed only after the server has stored it.  With the server's idempotency
key, an event is stored exactly once however often the upload is retried.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from porchlight.client import EncryptedPart


@dataclass
class SpooledEvent:
    """One event on disk, ready to upload."""

    folder: Path
    camera_id: str
    started_at: datetime
    ended_at: datetime
    labels: list[str]
    idempotency_key: str
    parts: dict[str, EncryptedPart]


class Spool:
    """A folder of events waiting for the server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / ".incoming").mkdir(parents=True, exist_ok=True, mode=0o700)
        for leftover in (folder / ".incoming").iterdir():  # half-written at a crash
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    @property
    def workdir(self) -> Path:
        """Where encrypted parts are written before they are added."""
        return self.folder / ".incoming"

    def add(
        self,
        camera_id: str,
        started_at: datetime,
        ended_at: datetime,
        labels: list[str],
        parts: dict[str, EncryptedPart],
    ) -> SpooledEvent:
        """Move encrypted parts into the spool as one complete event."""
        key = f"{camera_id}:{started_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}"
        name = f"{started_at.strftime('%Y%m%dT%H%M%S%f')}-{camera_id[:12]}"
        staging = self.workdir / f"{name}.tmp"
        staging.mkdir(mode=0o700)
        described: dict[str, dict[str, object]] = {}
        for part_name, part in parts.items():
            target = staging / f"{part_name}.age"
            os.replace(part.path, target)
            described[part_name] = {"size": part.size, "sha256": part.sha256, "keys": part.keys}
        meta = {
            "camera_id": camera_id,
            "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat(),
            "labels": labels,
            "idempotency_key": key,
            "parts": described,
        }
        (staging / "event.json").write_text(json.dumps(meta))
        final = self.folder / name
        os.replace(staging, final)
        return self._load(final)

    def _load(self, folder: Path) -> SpooledEvent:
        meta = json.loads((folder / "event.json").read_text())
        parts = {
            name: EncryptedPart(
                folder / f"{name}.age", int(p["size"]), str(p["sha256"]), list(p["keys"])
            )
            for name, p in meta["parts"].items()
        }
        return SpooledEvent(
            folder,
            meta["camera_id"],
            datetime.fromisoformat(meta["started_at"]),
            datetime.fromisoformat(meta["ended_at"]),
            list(meta["labels"]),
            meta["idempotency_key"],
            parts,
        )

    def pending(self) -> Iterator[SpooledEvent]:
        """Waiting events, oldest first."""
        for folder in sorted(
            p for p in self.folder.iterdir() if p.is_dir() and not p.name.startswith(".")
        ):
            yield self._load(folder)

    def done(self, event: SpooledEvent) -> None:
        """Forget an event the server has stored."""
        shutil.rmtree(event.folder, ignore_errors=True)
