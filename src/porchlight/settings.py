"""The one typed settings class, read once at start-up by ``app.py`` and ``cli.py``.

Every setting comes from an environment variable ``PORCHLIGHT_<NAME>`` or from a
``.env`` file in the working directory.  Nothing below the composition root
imports this module: values are passed down as arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "placeholder", "demo"})

# OWASP's minimum for argon2id; lower costs are only accepted in test mode.
OWASP_ARGON2_MEMORY_KIB = 19 * 1024
OWASP_ARGON2_TIME_COST = 2


class Settings(BaseSettings):
    """Porchlight's configuration.  Each field's description is its documentation."""

    model_config = SettingsConfigDict(env_prefix="PORCHLIGHT_", env_file=".env", extra="ignore")

    environment: Literal["production", "demo", "test"] = Field(
        "production",
        description="production refuses placeholder secrets; demo and test accept them.",
    )
    data_dir: Path = Field(
        Path("var"), description="Folder for the SQLite database, blobs and local state."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; defaults to SQLite at DATA_DIR/porchlight.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/name",
    )
    blob_url: str | None = Field(
        None, description="Where encrypted blobs live; defaults to the folder DATA_DIR/blobs."
    )
    host: str = Field("127.0.0.1", description="Address `porchlight serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `porchlight serve` listens on.")
    secret_key: SecretStr = Field(
        SecretStr("change-me"),
        description="Signs the sign-in form's CSRF tokens; at least 32 characters outside "
        "demo and test mode.",
    )
    vault_master_key: SecretStr = Field(
        SecretStr("change-me"),
        description="Derives the vault's own key, which opens standard-mode clips; at least 32 "
        "characters outside demo and test mode. Losing it loses those clips.",
    )
    vault_previous_master_key: SecretStr | None = Field(
        None,
        description="While rotating VAULT_MASTER_KEY: the old key, so that clips wrapped to "
        "it still open (and are re-wrapped on upload) until `porchlight vault rewrap` has "
        "re-wrapped every key to the new one; then remove it.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis shared by several server processes for sign-in limits (attempts "
        "per address, lockouts of unknown emails), e.g. redis://127.0.0.1:6379/0. Unset: "
        "kept in the process, enough for one server process.",
    )
    two_step_for_staff: bool | None = Field(
        None,
        description="Staff accounts (agency officers and supervisors, moderators, legal "
        "reviewers, auditors, admins) must turn on two-step sign-in before they can use "
        "anything else; unset: on in production, off in demo and test.",
    )
    log_signing_key: SecretStr = Field(
        SecretStr("change-me"),
        description="Derives the Ed25519 key that signs the transparency log's checkpoints; at "
        "least 32 characters outside demo and test mode. Changing it changes the key that "
        "every verifier has pinned.",
    )
    log_origin: str = Field(
        "porchlight.example/log",
        pattern=r"^[^\s+]{1,200}$",
        description="The transparency log's name: the first line of every checkpoint and the "
        "name of its key; use this server's host and path, e.g. porchlight.example.org/log.",
    )
    log_sequence_seconds: float = Field(
        2.0,
        ge=0,
        description="How often the server appends recorded events to the transparency log and "
        "signs a checkpoint (0: never; run `porchlight log sequence` instead).",
    )
    household_quota_bytes: int = Field(
        50 * 1024**3, ge=1024**2, description="Encrypted footage a household may store."
    )
    max_clip_bytes: int = Field(
        2 * 1024**3 + 64 * 1024**2, ge=1024**2, description="Largest encrypted clip accepted."
    )
    max_clip_seconds: int = Field(1800, ge=1, description="Longest clip accepted, in seconds.")
    jobs_interval_minutes: int = Field(
        10,
        ge=0,
        description="How often the server sweeps expired footage and leftovers "
        "(0: never; run `porchlight vault sweep` instead).",
    )
    requests_per_agency_week: int = Field(
        25, ge=1, description="Footage requests one agency may send in seven days."
    )
    requests_per_area_week: int = Field(
        3,
        ge=1,
        description="Requests all agencies together may send to one neighbourhood "
        "cell (H3 resolution 7) in seven days.",
    )
    jurisdiction_max_share_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="Longest a shared clip may live, whatever the agency's "
        "retention or extensions.",
    )
    request_answer_days: int = Field(
        7, ge=1, le=90, description="Days owners have to answer a request; silence is a no."
    )
    cookie_secure: bool = Field(
        True, description="Mark session cookies Secure (browsers still send them to localhost)."
    )
    session_hours: int = Field(12, ge=1, le=720, description="Lifetime of a web session.")
    login_token_days: int = Field(
        30, ge=1, le=365, description="Lifetime of a token issued by POST /api/v1/auth/login."
    )
    login_max_failures: int = Field(
        5, ge=1, le=100, description="Failed logins in a row before an account is locked."
    )
    login_lockout_minutes: int = Field(15, ge=1, description="How long a lockout lasts.")
    login_rate_per_minute: int = Field(
        20, ge=1, description="Login attempts allowed per client address per minute."
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body the JSON API and forms accept."
    )
    argon2_memory_kib: int = Field(
        OWASP_ARGON2_MEMORY_KIB, ge=8, description="argon2id memory cost for passwords."
    )
    argon2_time_cost: int = Field(
        OWASP_ARGON2_TIME_COST, ge=1, description="argon2id iterations for passwords."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Server log level."
    )

    @property
    def staff_need_two_step(self) -> bool:
        """Whether staff must use two-step sign-in (the setting, or production's default)."""
        if self.two_step_for_staff is not None:
            return self.two_step_for_staff
        return self.environment == "production"

    @model_validator(mode="after")
    def _refuse_weak_production_values(self) -> Settings:
        if self.environment != "production":
            return self
        for name, value in (
            ("SECRET_KEY", self.secret_key),
            ("VAULT_MASTER_KEY", self.vault_master_key),
            ("LOG_SIGNING_KEY", self.log_signing_key),
        ):
            secret = value.get_secret_value()
            if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
                raise ValueError(
                    f"PORCHLIGHT_{name} is a placeholder or shorter than 32 characters; set a "
                    "random value (python -c 'import secrets; print(secrets.token_urlsafe(48))') "
                    "or run with PORCHLIGHT_ENVIRONMENT=demo"
                )
        if (
            self.argon2_memory_kib < OWASP_ARGON2_MEMORY_KIB
            or self.argon2_time_cost < OWASP_ARGON2_TIME_COST
        ):
            raise ValueError(
                "argon2 costs below the OWASP minimum (19 MiB, 2 iterations) are for tests only"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'porchlight.db').resolve()}"

    @property
    def resolved_blob_url(self) -> str:
        """The blob store URL, defaulting to a folder in the data folder."""
        if self.blob_url:
            return self.blob_url
        return (self.data_dir / "blobs").resolve().as_uri()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``.env``, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
