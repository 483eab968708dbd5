"""Vault throughput: encrypt, ingest (check and store) and play back a large clip.

Prints MB/s for each step and its ratio to raw ChaCha20-Poly1305 (the cipher under
age) over the same bytes in the same process.  Usage: python bench/vault.py [MiB]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from porchlight.accounts.schemas import UserIn
from porchlight.accounts.service import SYSTEM
from porchlight.app import build_accounts, build_vault
from porchlight.authz import Actor, Role
from porchlight.client import encrypt_part
from porchlight.db import make_engine, make_sessionmaker, transaction
from porchlight.homes import service as homes
from porchlight.homes.schemas import CameraIn, CameraKind, HouseholdIn
from porchlight.migrate import upgrade
from porchlight.settings import Settings
from porchlight.vault.schemas import PartIn, UploadIn

MIB = 1024 * 1024


def raw_chacha(path: Path) -> float:
    """Seconds to seal the file in 64 KiB chunks with ChaCha20-Poly1305, as age does."""
    cipher = ChaCha20Poly1305(os.urandom(32))
    nonce = bytes(12)
    start = time.perf_counter()
    with path.open("rb") as f:
        while chunk := f.read(64 * 1024):
            cipher.encrypt(nonce, chunk, None)
    return time.perf_counter() - start


def main() -> None:
    size_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(
            environment="test",
            data_dir=root / "var",
            argon2_memory_kib=1024,
            argon2_time_cost=1,
            _env_file=None,
        )  # type: ignore[call-arg]
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        vault = build_vault(settings)
        with transaction(sessions) as db:
            user = build_accounts(settings).create_user(
                db,
                SYSTEM,
                UserIn(
                    email="bench@example.org",
                    display_name="Bench",
                    password="a-long-throwaway-phrase",
                ),
            )
            actor = Actor(user_id=user.id, role=Role.RESIDENT)
            home = homes.create_household(
                db, actor, HouseholdIn(name="Bench", address="1 Bench St", lat=45.47, lng=-122.65)
            )
            actor = Actor(
                user_id=user.id,
                role=Role.RESIDENT,
                household_ids=frozenset({home.id}),
                owner_of=frozenset({home.id}),
            )
            camera = homes.add_camera(
                db, actor, home.id, CameraIn(name="C", kind=CameraKind.OUTDOOR)
            )
        clip = root / "clip.mp4"
        with clip.open("wb") as f:
            f.write(b"\x00\x00\x00\x18ftypisom")
            for _ in range(size_mib):
                f.write(os.urandom(MIB))
        size = clip.stat().st_size
        rows: dict[str, list[float]] = {"raw": [], "encrypt": [], "ingest": [], "playback": []}
        for run in range(3):
            rows["raw"].append(raw_chacha(clip))
            t0 = time.perf_counter()
            part = encrypt_part(clip, {"vault": vault.recipient}, root)
            rows["encrypt"].append(time.perf_counter() - t0)
            started = datetime.now(UTC) - timedelta(minutes=1)
            with transaction(sessions) as db:
                upload = vault.start_upload(
                    db,
                    actor,
                    UploadIn(
                        camera_id=camera.id,
                        idempotency_key=f"bench-{run}",
                        started_at=started,
                        ended_at=started + timedelta(seconds=30),
                        media=PartIn(**part.announce()),
                    ),
                )
            t0 = time.perf_counter()
            with transaction(sessions) as db, part.path.open("rb") as f:
                vault.receive(db, actor, upload.id, "media", 0, f)
                made = vault.complete(db, actor, upload.id)
            rows["ingest"].append(time.perf_counter() - t0)
            part.path.unlink()
            t0 = time.perf_counter()
            with transaction(sessions) as db:
                stream = vault.stream(db, actor, made.id, "media", None, "benchmark")
                played = sum(len(c) for c in stream.chunks)
            rows["playback"].append(time.perf_counter() - t0)
            assert played == size
        raw = statistics.median(rows["raw"])
        print(f"clip: {size / MIB:.0f} MiB, median of 3 runs")
        print(f"{'step':<10} {'MB/s':>8} {'ratio to raw ChaCha20-Poly1305':>32}")
        for name, times in rows.items():
            median = statistics.median(times)
            print(f"{name:<10} {size / 1e6 / median:>8.0f} {raw / median:>32.2f}")
        print("ingest = write the upload to disk, authenticate and check every chunk, store it")


if __name__ == "__main__":
    main()
