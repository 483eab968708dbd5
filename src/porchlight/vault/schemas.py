"""What the vault API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Recipient = Annotated[str, StringConstraints(pattern=r"^age1[02-9ac-hj-np-z]{58}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Base64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$", max_length=8192)]
Label = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,100}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WrappedKeyIn(Strict):
    """An object's own age identity, itself age-encrypted to one holder."""

    holder: Literal["vault", "household"]
    recipient: Recipient
    wrapped: Base64 = Field(description="base64 of the age file holding the object's key")


class PartIn(Strict):
    size: int = Field(ge=1, description="bytes of the encrypted (age) file")
    sha256: Sha256
    keys: list[WrappedKeyIn] = Field(min_length=1, max_length=4)


class UploadIn(Strict):
    """Start an upload: what the clip is, and the encrypted parts that will follow."""

    camera_id: str
    idempotency_key: IdempotencyKey
    started_at: AwareDatetime
    ended_at: AwareDatetime
    labels: list[Label] = Field(default_factory=list, max_length=16)
    media: PartIn
    thumbnail: PartIn | None = None


class PartOut(BaseModel):
    size: int
    received: int


class UploadOut(BaseModel):
    id: str
    status: Literal["receiving", "complete"]
    clip_id: str | None
    parts: dict[str, PartOut]
    expires_at: datetime


class ClipOut(BaseModel):
    id: str
    household_id: str
    camera_id: str | None
    started_at: datetime
    ended_at: datetime
    duration_seconds: float
    labels: list[str]
    e2e: bool
    size: int
    has_thumbnail: bool
    created_at: datetime


class VaultInfoOut(BaseModel):
    """How a household's clips must be encrypted."""

    household_id: str
    mode: Literal["standard", "e2e"]
    vault_recipient: str | None = Field(
        description="Wrap each clip's key to this too (standard mode only)."
    )
    household_recipients: list[str]


class HouseholdKeyIn(Strict):
    recipient: Recipient
    recovery: Base64 | None = Field(
        None, description="base64 of the private key encrypted with a recovery passphrase"
    )


class HouseholdKeyOut(BaseModel):
    id: str
    recipient: str
    has_recovery: bool
    created_at: datetime
    retired_at: datetime | None


class RecoveryOut(BaseModel):
    recipient: str
    recovery: str


class ClipKeyOut(BaseModel):
    """What opens a clip: its identity (standard mode) or its key wrapped to you (e2e)."""

    clip_id: str
    identity: str | None
    wrapped: str | None
    recipient: str | None


class AccessEventOut(BaseModel):
    clip_id: str
    actor: str
    actor_role: str
    action: str
    purpose: str
    created_at: datetime
