"""What the homes API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lng = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Point = Annotated[
    list[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]],
    Field(min_length=2, max_length=2),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CameraKind(StrEnum):
    DOORBELL = "doorbell"
    OUTDOOR = "outdoor"
    INDOOR = "indoor"


class HouseholdIn(Strict):
    name: Text200
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    lat: Lat
    lng: Lng


class HouseholdPatch(Strict):
    name: Text200 | None = None
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
        | None
    ) = None
    lat: Lat | None = None
    lng: Lng | None = None


class SettingsIn(Strict):
    """Household settings; every field is optional in a PATCH."""

    retention_days: int | None = Field(None, ge=1, le=180)
    e2e_enabled: bool | None = None
    police_requests_enabled: bool | None = None
    share_blur_default: bool | None = None
    share_audio_default: bool | None = None
    audio_recording_enabled: bool | None = None


class SettingsOut(BaseModel):
    retention_days: int
    e2e_enabled: bool
    police_requests_enabled: bool
    share_blur_default: bool
    share_audio_default: bool
    audio_recording_enabled: bool


class HouseholdOut(BaseModel):
    """A household as its own members see it (address included)."""

    id: str
    name: str
    address: str
    lat: float
    lng: float
    h3_cell: str
    public_cell: str = Field(description="The coarse cell anything public is placed in.")
    your_role: str
    settings: SettingsOut
    created_at: datetime


class CameraIn(Strict):
    name: Text100
    kind: CameraKind
    position: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    people_only: bool = False


class CameraPatch(Strict):
    name: Text100 | None = None
    kind: CameraKind | None = None
    position: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    people_only: bool | None = None


class ZoneOut(BaseModel):
    id: str
    camera_id: str
    name: str
    points: list[list[float]]
    created_at: datetime


class CameraOut(BaseModel):
    id: str
    household_id: str
    name: str
    kind: CameraKind
    position: str
    people_only: bool
    record_audio: bool = Field(
        description="The household turned audio recording on (a recorded setting); "
        "cameras record sound only then"
    )
    zones: list[ZoneOut]
    created_at: datetime


class ZoneIn(Strict):
    name: Text100 = "Privacy zone"
    points: list[Point] = Field(min_length=3, max_length=64)


class SettingChangeOut(BaseModel):
    setting: str
    old_value: str
    new_value: str
    user_id: str | None
    created_at: datetime
