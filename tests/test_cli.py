"""The ``porchlight`` command: demo seeding, accounts, agencies, tokens and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from porchlight.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite data folder, in test mode (cheap password hashing)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORCHLIGHT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORCHLIGHT_ENVIRONMENT", "test")
    monkeypatch.setenv("PORCHLIGHT_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("PORCHLIGHT_ARGON2_TIME_COST", "1")
    monkeypatch.delenv("PORCHLIGHT_DATABASE_URL", raising=False)
    return tmp_path


def test_demo_seeds_prints_json_and_is_safe_to_repeat(cli_env: Path) -> None:
    first = runner.invoke(app, ["demo", "--no-serve", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    roles = {a["role"] for a in data["accounts"]}
    assert {
        "admin",
        "moderator",
        "legal_reviewer",
        "auditor",
        "officer",
        "supervisor",
        "resident",
    } <= roles
    assert data["created"] is True
    again = runner.invoke(app, ["demo", "--no-serve", "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["created"] is False
    assert (cli_env / "var" / "porchlight.db").exists()


def test_demo_neighbourhood_is_believable(cli_env: Path) -> None:
    from sqlalchemy import func, select

    from porchlight.db import make_engine
    from porchlight.geo import distance_m
    from porchlight.homes.models import Camera, Household
    from porchlight.requests.models import FootageRequest, Share
    from porchlight.vault.models import Clip

    assert runner.invoke(app, ["demo", "--no-serve", "--json"]).exit_code == 0
    eng = make_engine(f"sqlite:///{cli_env / 'var' / 'porchlight.db'}")
    with eng.connect() as conn:
        homes = conn.execute(select(Household.lat, Household.lng)).all()
        cameras = conn.scalar(select(func.count()).select_from(Camera))
        off = conn.scalar(
            select(func.count())
            .select_from(Household)
            .where(Household.police_requests_enabled.is_(False))
        )
    eng.dispose()
    assert 35 <= len(homes) <= 45
    assert cameras is not None
    assert 55 <= cameras <= 65
    assert off
    assert off > 0
    lats = [h[0] for h in homes]
    lngs = [h[1] for h in homes]
    width = distance_m((min(lats), min(lngs)), (min(lats), max(lngs)))
    height = distance_m((min(lats), min(lngs)), (max(lats), min(lngs)))
    with make_engine(f"sqlite:///{cli_env / 'var' / 'porchlight.db'}").connect() as conn:
        states = sorted(conn.execute(select(FootageRequest.status)).scalars())
        shares = conn.scalar(select(func.count()).select_from(Share))
        ready = conn.scalar(
            select(func.count()).select_from(Share).where(Share.object_id.is_not(None))
        )
        clips = conn.scalar(select(func.count()).select_from(Clip))
    assert states == ["active", "closed", "draft"]  # requests in each state to try
    assert shares == 1
    assert ready == 1  # the demo's shared copy is made, not left preparing
    assert clips == 2 * len(homes)  # every household can play, export and share at once
    square_miles = width * height / 2_589_988
    assert 0.6 < square_miles < 1.4  # roughly one square mile


def test_user_agency_and_token_commands(cli_env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    made = runner.invoke(
        app,
        [
            "agency",
            "create",
            "Test PD",
            "--jurisdiction",
            "Testville",
            "--contact",
            "desk@example.org",
            "--retention-days",
            "30",
        ],
    )
    assert made.exit_code == 0, made.output
    officer = runner.invoke(
        app,
        [
            "user",
            "create",
            "cop@example.org",
            "--name",
            "Cop",
            "--role",
            "officer",
            "--agency",
            "Test PD",
            "--password",
            "a-long-passphrase",
        ],
    )
    assert officer.exit_code == 0, officer.output
    token = runner.invoke(app, ["token", "create", "cop@example.org", "--name", "script"])
    assert token.exit_code == 0, token.output
    assert token.stdout.strip().startswith("plt_")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["user", "create", "bad-email", "--name", "X", "--password", "a-long-passphrase"],
            "email",
        ),
        (["user", "create", "a@example.org", "--name", "X", "--password", "short"], "at least 10"),
        (
            [
                "user",
                "create",
                "a@example.org",
                "--name",
                "X",
                "--role",
                "officer",
                "--password",
                "a-long-passphrase",
            ],
            "agency",
        ),
        (["token", "create", "nobody@example.org"], "no account"),
        (
            [
                "user",
                "create",
                "a@example.org",
                "--name",
                "X",
                "--role",
                "chief",
                "--password",
                "a-long-passphrase",
            ],
            "chief",
        ),
    ],
)
def test_bad_arguments_give_a_readable_error_and_nonzero_exit(
    cli_env: Path, args: list[str], message: str
) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicate_user_is_refused(cli_env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    args = ["user", "create", "dup@example.org", "--name", "D", "--password", "a-long-passphrase"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_production_mode_refuses_placeholder_secret(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORCHLIGHT_ENVIRONMENT", "production")
    monkeypatch.delenv("PORCHLIGHT_ARGON2_MEMORY_KIB")
    monkeypatch.delenv("PORCHLIGHT_ARGON2_TIME_COST")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "PORCHLIGHT_SECRET_KEY" in result.output


def test_console_script_is_installed(cli_env: Path) -> None:
    exe = Path(sys.executable).with_name("porchlight")
    result = subprocess.run(
        [str(exe), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"COLUMNS": "120"},
        check=False,
    )
    assert result.returncode == 0
    for command in ("serve", "migrate", "demo", "user", "agency", "token"):
        assert command in result.stdout


def test_vault_sweep_expires_shares_and_makes_waiting_copies(cli_env: Path) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from porchlight.db import make_engine, utcnow
    from porchlight.requests.models import Share

    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    eng = make_engine(f"sqlite:///{cli_env / 'var' / 'porchlight.db'}")
    with eng.begin() as conn:  # a share whose copy was never made, and then one past expiry
        conn.execute(update(Share).values(object_id=None))
    swept = runner.invoke(app, ["vault", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert "prepared 1 shared copies" in swept.output
    assert "0 expired shares" in swept.output
    with eng.begin() as conn:
        conn.execute(update(Share).values(expires_at=utcnow() - timedelta(minutes=1)))
    swept = runner.invoke(app, ["vault", "sweep"])
    assert "1 expired shares" in swept.output
    with eng.connect() as conn:
        share = conn.execute(Share.__table__.select()).one()
    eng.dispose()
    assert share.object_id is None
    assert share.destroyed_at is not None
