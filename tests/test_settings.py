"""Settings: environment variables, .env, and refusal of weak production values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from porchlight.settings import Settings

STRONG = "x" * 48
VAULT = "v" * 48
LOG_KEY = "l" * 48


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORCHLIGHT_SECRET_KEY", STRONG)
    monkeypatch.setenv("PORCHLIGHT_VAULT_MASTER_KEY", VAULT)
    monkeypatch.setenv("PORCHLIGHT_LOG_SIGNING_KEY", LOG_KEY)
    monkeypatch.setenv("PORCHLIGHT_PORT", "8123")
    monkeypatch.setenv("PORCHLIGHT_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.port == 8123
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/porchlight.db"
    assert settings.resolved_blob_url == (tmp_path / "blobs").resolve().as_uri()


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"PORCHLIGHT_SECRET_KEY={STRONG}\nPORCHLIGHT_VAULT_MASTER_KEY={VAULT}\n"
        f"PORCHLIGHT_LOG_SIGNING_KEY={LOG_KEY}\n"
        "PORCHLIGHT_SESSION_HOURS=3\n"
    )
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.session_hours == 3


@pytest.mark.parametrize("secret", ["change-me", "secret", "", "short-but-not-placeholder"])
def test_production_refuses_placeholder_or_short_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="PORCHLIGHT_SECRET_KEY"):
        Settings(secret_key=secret, _env_file=None)  # type: ignore[arg-type, call-arg]


def test_demo_and_test_modes_accept_the_placeholder() -> None:
    for environment in ("demo", "test"):
        settings = Settings(environment=environment, _env_file=None)  # type: ignore[arg-type, call-arg]
        assert settings.secret_key.get_secret_value() == "change-me"


def test_production_refuses_argon2_costs_below_owasp() -> None:
    with pytest.raises(ValidationError, match="OWASP"):
        Settings(
            secret_key=STRONG,
            vault_master_key=VAULT,
            log_signing_key=LOG_KEY,
            argon2_memory_kib=1024,
            _env_file=None,
        )  # type: ignore[arg-type, call-arg]


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(environment="test", port=70000, _env_file=None)  # type: ignore[arg-type, call-arg]


def test_secret_is_not_printed() -> None:
    settings = Settings(
        secret_key=STRONG, vault_master_key=VAULT, log_signing_key=LOG_KEY, _env_file=None
    )  # type: ignore[arg-type, call-arg]
    assert STRONG not in repr(settings)
    assert LOG_KEY not in repr(settings)
    assert VAULT not in repr(settings)


def test_production_refuses_a_placeholder_vault_master_key() -> None:
    with pytest.raises(ValidationError, match="PORCHLIGHT_VAULT_MASTER_KEY"):
        Settings(secret_key=STRONG, vault_master_key="change-me", _env_file=None)  # type: ignore[arg-type, call-arg]


def test_production_refuses_a_placeholder_log_signing_key() -> None:
    with pytest.raises(ValidationError, match="PORCHLIGHT_LOG_SIGNING_KEY"):
        Settings(secret_key=STRONG, vault_master_key=VAULT, _env_file=None)  # type: ignore[arg-type, call-arg]
