"""`porchlight clip` and `porchlight keys` against a running server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from porchlight.authz import Role
from porchlight.cli import app
from porchlight.crypto import read_identity_file
from tests.browser import LiveServer
from tests.conftest import World

runner = CliRunner()


def test_upload_list_export_with_age(
    live_server: LiveServer,
    world: World,
    mp4: Path,
    jpeg: Path,
    tmp_path: Path,
) -> None:
    owner = world.person(Role.RESIDENT)
    env = {"PORCHLIGHT_SERVER": live_server.url, "PORCHLIGHT_TOKEN": owner.token, "COLUMNS": "200"}
    made = runner.invoke(
        app,
        [
            "clip",
            "upload",
            str(mp4),
            "--camera",
            owner.camera_id or "",
            "--start",
            "2026-11-28T10:00:00",
            "--end",
            "2026-11-28T10:00:02",
            "--label",
            "person",
            "--thumbnail",
            str(jpeg),
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    clip_id = made.output.split("uploaded clip ")[1].split()[0]
    again = runner.invoke(
        app,
        [
            "clip",
            "upload",
            str(mp4),
            "--camera",
            owner.camera_id or "",
            "--start",
            "2026-11-28T10:00:00",
            "--end",
            "2026-11-28T10:00:02",
        ],
        env=env,
    )
    assert clip_id in again.output  # the same event is stored once
    listed = runner.invoke(app, ["clip", "list"], env=env)
    assert clip_id in listed.output
    out = tmp_path / "export"
    exported = runner.invoke(app, ["clip", "export", clip_id, "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    if shutil.which("age"):
        plain = subprocess.run(
            ["age", "-d", "-i", str(out / "clip.key"), str(out / "clip.age")],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        assert plain == mp4.read_bytes()


def test_keys_init_then_recover(live_server: LiveServer, world: World, tmp_path: Path) -> None:
    owner = world.person(Role.RESIDENT)
    env = {"PORCHLIGHT_SERVER": live_server.url, "PORCHLIGHT_TOKEN": owner.token}
    key_file = tmp_path / "household.key"
    made = runner.invoke(
        app,
        [
            "keys",
            "init",
            "--household",
            owner.household_id or "",
            "--key-file",
            str(key_file),
            "--passphrase",
            "correct horse battery staple",
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert "end-to-end mode is on" in made.output
    wrong = runner.invoke(
        app,
        [
            "keys",
            "recover",
            "--household",
            owner.household_id or "",
            "--key-file",
            str(tmp_path / "r.key"),
            "--passphrase",
            "not the passphrase",
        ],
        env=env,
    )
    assert wrong.exit_code == 2
    assert "wrong recovery passphrase" in wrong.output
    right = runner.invoke(
        app,
        [
            "keys",
            "recover",
            "--household",
            owner.household_id or "",
            "--key-file",
            str(tmp_path / "r.key"),
            "--passphrase",
            "correct horse battery staple",
        ],
        env=env,
    )
    assert right.exit_code == 0, right.output
    assert (
        read_identity_file(tmp_path / "r.key")[0].encode()
        == read_identity_file(key_file)[0].encode()
    )


def test_missing_server_is_a_readable_error() -> None:
    result = runner.invoke(
        app, ["clip", "list"], env={"PORCHLIGHT_SERVER": "", "PORCHLIGHT_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "--server" in result.output


@pytest.mark.parametrize("server", ["http://127.0.0.1:9"])
def test_unreachable_server_is_a_readable_error(server: str) -> None:
    result = runner.invoke(app, ["clip", "list", "--server", server, "--token", "plt_x"])
    assert result.exit_code == 2
    assert "cannot reach" in result.output
