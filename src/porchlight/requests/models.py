"""Tables for footage requests, who they reached, shares and extensions.

Agency-facing code reads only ``FootageRequest`` and ``Share``: which households were
asked, and what each answered, never leaves the owners' side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from porchlight.db import Base, IdMixin, UTCDateTime, utcnow


class FootageRequest(IdMixin, Base):
    """An agency's request for footage of one incident, in one area and time window."""

    __tablename__ = "footage_requests"

    agency_id: Mapped[str] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=True
    )
    case_number: Mapped[str] = mapped_column(String(32), index=True)
    incident_type: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(Text)
    incident_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    area: Mapped[dict[str, object]] = mapped_column(JSON)  # GeoJSON Polygon, WGS84
    area_sq_mi: Mapped[float] = mapped_column(Float)
    public_cell: Mapped[str] = mapped_column(String(16))  # coarse cell for public figures
    contact: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|active|closed
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RequestRecipient(IdMixin, Base):
    """A household a request reached, and its answer.  Never shown to agencies."""

    __tablename__ = "request_recipients"
    __table_args__ = (UniqueConstraint("request_id", "household_id"),)

    request_id: Mapped[str] = mapped_column(
        ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(16), default="pending")  # pending|shared|declined
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


ShareState = Literal["preparing", "available", "failed", "revoked", "expired"]


class Share(IdMixin, Base):
    """One clip an owner chose to share for one request: its own encrypted copy and terms."""

    __tablename__ = "shares"

    request_id: Mapped[str] = mapped_column(
        ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[str] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    source_clip_id: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    clip_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clip_ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redacted: Mapped[bool] = mapped_column(Boolean)
    # The owner kept the sound (a redacted copy is silent otherwise).
    with_audio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    first_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why the copy could not be made, for the owner; None while it is prepared or ready.
    failure: Mapped[str | None] = mapped_column(String(300), nullable=True)

    @property
    def state(self) -> ShareState:
        """preparing, available, failed, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        if self.destroyed_at is not None or self.expires_at <= utcnow():
            return "expired"
        if self.failure is not None:
            return "failed"
        return "preparing" if self.object_id is None else "available"


class ShareExtension(IdMixin, Base):
    """A recorded extension of a share's expiry: who approved it and why."""

    __tablename__ = "share_extensions"

    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    approved_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    old_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
