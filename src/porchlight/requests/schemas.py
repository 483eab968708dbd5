"""What the requests API accepts and returns.  Agency-facing models carry no owner data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SHARE_TERMS = (
    "Purpose: this case only. Expires at the time shown; the agency's access ends "
    "then whatever it asks. No onward transfer to anyone, including immigration "
    "enforcement. No face recognition."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestIn(Strict):
    case_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
    incident_type: str = Field(max_length=32)
    justification: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
    incident_at: AwareDatetime
    window_start: AwareDatetime
    window_end: AwareDatetime
    area: dict[str, Any] = Field(description="GeoJSON Polygon in WGS84 ([lng, lat] points)")
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


class CountsOut(BaseModel):
    """All an agency learns about who was asked: numbers, never names or places."""

    households_asked: int
    households_shared: int
    no_answer_or_declined: int
    clips_shared: int


class ShareOut(BaseModel):
    id: str
    request_id: str
    clip_started_at: datetime
    clip_ended_at: datetime
    redacted: bool
    with_audio: bool = Field(description="The copy keeps the clip's sound")
    expires_at: datetime
    status: Literal["preparing", "available", "failed", "revoked", "expired"] = Field(
        description="preparing: the copy is being made (redaction takes a while); "
        "failed: it could not be made (see failure)"
    )
    failure: str | None = None
    terms: str = SHARE_TERMS


class RequestOut(BaseModel):
    id: str
    agency_id: str
    case_number: str
    incident_type: str
    justification: str
    incident_at: datetime
    window_start: datetime
    window_end: datetime
    area: dict[str, Any]
    area_sq_mi: float
    contact: str
    status: str
    created_at: datetime
    approved_at: datetime | None
    answer_by: datetime | None
    closed_at: datetime | None
    created_by_you: bool
    counts: CountsOut | None = None
    shares: list[ShareOut] = Field(default_factory=list)


class InboxItemOut(BaseModel):
    """A request as an owner sees it: who asks, under what policy, and their own answer."""

    request_id: str
    agency_name: str
    agency_policy_url: str | None
    agency_retention_days: int | None
    share_expires_in_days: int
    case_number: str
    incident_type: str
    justification: str
    window_start: datetime
    window_end: datetime
    answer_by: datetime | None
    your_answer: str
    your_clip_ids: list[str] = Field(description="Your clips inside the window")
    your_shares: list[ShareOut] = Field(
        default_factory=list, description="What you shared, and whether each copy is ready"
    )
    terms: str = SHARE_TERMS


class ResponseIn(Strict):
    decision: Literal["share", "decline"]
    clip_ids: list[str] = Field(default_factory=list, max_length=20)
    original: bool | None = Field(
        None,
        description="Share the original instead of a redacted copy; unset follows the "
        "household's 'blur what I share' setting (on by default)",
    )
    keep_audio: bool | None = Field(
        None,
        description="Keep the sound in the redacted copy; unset follows the household's "
        "'include audio in what I share' setting (off by default). The original always "
        "has its sound.",
    )


class ExtensionIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=2000)]
    days: int = Field(ge=1, le=90)
