"""Documentation that cannot rot: every setting and every command is in the README."""

from __future__ import annotations

from pathlib import Path

import typer

from porchlight.cli import app
from porchlight.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _commands(typer_app: typer.Typer, prefix: str = "porchlight") -> list[str]:
    found = []
    for command in typer_app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        found.append(f"{prefix} {name}")
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        found += _commands(group.typer_instance, f"{prefix} {group.name}")
    return found


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`PORCHLIGHT_{name.upper()}`" in README, f"PORCHLIGHT_{name.upper()} undocumented"


def test_every_setting_has_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_every_command_is_documented() -> None:
    commands = _commands(app)
    assert "porchlight user create" in commands
    for command in commands:
        assert f"`{command}" in README, f"{command} is missing from the README"


def test_readme_gives_the_two_commands_and_its_pictures_exist() -> None:
    assert "make demo" in README
    assert "make test" in README
    for line in README.splitlines():
        if line.startswith("![") and "](" in line:
            target = line.split("](", 1)[1].rstrip(")")
            assert (ROOT / target).exists(), target


def test_adrs_and_architecture_exist() -> None:
    adrs = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 3
    assert (ROOT / "docs" / "architecture.md").exists()
    assert "## Unreleased" in (ROOT / "CHANGELOG.md").read_text()


def test_the_agent_config_in_the_readme_loads(tmp_path: Path) -> None:
    from porchlight.agent.config import CameraConfig, load_config

    start = README.index("# agent.toml\n")
    block = README[start : README.index("```", start)]
    path = tmp_path / "agent.toml"
    path.write_text(block)
    config = load_config(path)
    kinds = {camera.kind() for camera in config.cameras}
    assert kinds == {"stream", "v4l2"}
    documented = {name for name in CameraConfig.model_fields if f"\n{name} = " in block}
    documented |= {name for name in CameraConfig.model_fields if f"# {name} = " in block}
    assert documented == set(CameraConfig.model_fields)
