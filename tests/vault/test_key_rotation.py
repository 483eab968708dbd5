"""Rotating the vault's master key: clips keep playing throughout, keys are re-wrapped
to the new master key, and afterwards the old key opens nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from porchlight.app import build_vault, create_app
from porchlight.cli import app as cli
from porchlight.crypto import DecryptionError
from porchlight.settings import Settings
from porchlight.vault.keys import unwrap, vault_identity
from porchlight.vault.models import WrappedKey
from tests.conftest import Person, World
from tests.vault.conftest import api, upload

OLD = "the-old-master-key-with-enough-characters-0001"
NEW = "the-new-master-key-with-enough-characters-0002"


def _settings(settings: Settings, current: str, previous: str | None = None) -> Settings:
    return settings.model_copy(
        update={
            "vault_master_key": SecretStr(current),
            "vault_previous_master_key": SecretStr(previous) if previous else None,
        }
    )


@pytest.fixture
def old_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(_settings(settings, OLD), engine)


@pytest.fixture
def old_client(old_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(old_app, base_url="https://testserver") as c:
        yield c


def _client(settings: Settings, engine: Engine, current: str, previous: str | None) -> TestClient:
    return TestClient(
        create_app(_settings(settings, current, previous), engine), base_url="https://testserver"
    )


def _vault_keys(world: World) -> list[WrappedKey]:
    with world.sessions() as db:
        return list(db.scalars(select(WrappedKey).where(WrappedKey.holder == "vault")))


def test_rotation_keeps_clips_playing_and_leaves_the_old_key_useless(
    old_client: TestClient,
    settings: Settings,
    engine: Engine,
    world: World,
    resident: Person,
    mp4: Path,
    jpeg: Path,
) -> None:
    clip = upload(old_client, resident, mp4, jpeg)
    original = old_client.get(f"/api/v1/clips/{clip['id']}/media", headers=resident.headers)
    assert original.status_code == 200
    old_recipient = str(vault_identity(OLD.encode()).recipient)
    assert {k.recipient for k in _vault_keys(world)} == {old_recipient}

    # Step 1: the new key is current, the old one is previous.  Clips still play.
    with _client(settings, engine, NEW, OLD) as during:
        played = during.get(f"/api/v1/clips/{clip['id']}/media", headers=resident.headers)
        assert played.status_code == 200
        assert played.content == original.content

    # A key that was used moved to the new master key on the way; the thumbnail's did not.
    new_recipient = str(vault_identity(NEW.encode()).recipient)
    assert sorted(k.recipient for k in _vault_keys(world)) == sorted([new_recipient, old_recipient])

    # Step 2: `porchlight vault rewrap`, in effect: every other key moves, once.
    rotating = build_vault(_settings(settings, NEW, OLD))
    with world.sessions() as db:
        assert rotating.rewrap(db) == (1, 0)
    with world.sessions() as db:
        assert rotating.rewrap(db) == (0, 0)
    keys = _vault_keys(world)
    assert {k.recipient for k in keys} == {new_recipient}
    for key in keys:  # the old master key opens none of them any more
        with pytest.raises(DecryptionError):
            unwrap(key.wrapped, vault_identity(OLD.encode()))

    # Step 3: the old key is gone from the settings; clips still play.
    with _client(settings, engine, NEW, None) as after:
        played = after.get(f"/api/v1/clips/{clip['id']}/media", headers=resident.headers)
        assert played.status_code == 200
        assert played.content == original.content


def test_an_event_encrypted_before_the_rotation_is_accepted_and_rewrapped(
    old_client: TestClient,
    settings: Settings,
    engine: Engine,
    world: World,
    resident: Person,
    mp4: Path,
    tmp_path: Path,
) -> None:
    # A hub encrypted an event for the old vault key and spooled it while offline...
    assert resident.camera_id is not None
    parts = api(old_client, resident).encrypt_clip(resident.camera_id, mp4, None, tmp_path)
    assert {k["recipient"] for p in parts.values() for k in p.keys if k["holder"] == "vault"} == {
        str(vault_identity(OLD.encode()).recipient)
    }
    start = datetime.now(UTC) - timedelta(minutes=5)
    with _client(settings, engine, NEW, OLD) as during:  # ...and uploads it after the rotation
        clip = api(during, resident).upload_parts(
            resident.camera_id,
            parts,
            started_at=start,
            ended_at=start + timedelta(seconds=2),
            labels=[],
            idempotency_key="spooled-before-rotation",
        )
        played = during.get(f"/api/v1/clips/{clip['id']}/media", headers=resident.headers)
        assert played.status_code == 200
    # ...and the server stored its key wrapped to the new master key.
    assert {k.recipient for k in _vault_keys(world)} == {
        str(vault_identity(NEW.encode()).recipient)
    }


def test_rewrap_command_needs_the_previous_key_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORCHLIGHT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORCHLIGHT_ENVIRONMENT", "demo")
    monkeypatch.delenv("PORCHLIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY", raising=False)
    assert runner.invoke(cli, ["demo", "--no-serve"]).exit_code == 0  # keys under change-me
    monkeypatch.setenv("PORCHLIGHT_VAULT_MASTER_KEY", NEW)
    refused = runner.invoke(cli, ["vault", "rewrap"])
    assert refused.exit_code == 2
    assert "PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY" in refused.output
    monkeypatch.setenv("PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY", "change-me")
    done = runner.invoke(cli, ["vault", "rewrap"])
    assert done.exit_code == 0, done.output
    moved = int(done.output.split("re-wrapped ")[1].split()[0])
    assert moved >= 80  # 40 households, two clips each, and their thumbnails
    assert "remove the previous one" in done.output
    again = runner.invoke(cli, ["vault", "rewrap"])
    assert "re-wrapped 0 keys" in again.output
    # A wrong "previous" key: keys that open with neither are reported, not damaged.
    monkeypatch.setenv("PORCHLIGHT_VAULT_MASTER_KEY", OLD)
    monkeypatch.setenv("PORCHLIGHT_VAULT_PREVIOUS_MASTER_KEY", "not-the-key-that-was-used-at-all")
    wrong = runner.invoke(cli, ["vault", "rewrap"])
    assert wrong.exit_code == 1
    assert f"{moved} keys open with neither" in wrong.output
