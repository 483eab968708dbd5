"""Tables for households, members, cameras, privacy zones and setting changes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from porchlight.db import Base, IdMixin


class Household(IdMixin, Base):
    """A home.  Its address and coordinates are private to its members."""

    __tablename__ = "households"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    h3_cell: Mapped[str] = mapped_column(String(16), index=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    e2e_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    police_requests_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    share_blur_default: Mapped[bool] = mapped_column(Boolean, default=True)
    share_audio_default: Mapped[bool] = mapped_column(Boolean, default=False)
    audio_recording_enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    cameras: Mapped[list[Camera]] = relationship(
        back_populates="household",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Camera.id",
    )


class HouseholdMember(IdMixin, Base):
    """A person's place in a household: ``owner`` decides settings, ``member`` helps."""

    __tablename__ = "household_members"
    __table_args__ = (UniqueConstraint("household_id", "user_id"),)

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="owner")


class Camera(IdMixin, Base):
    """A doorbell or camera of a household."""

    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("household_id", "name"),)

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[str] = mapped_column(String(200), default="")
    people_only: Mapped[bool] = mapped_column(Boolean, default=False)

    household: Mapped[Household] = relationship(back_populates="cameras")
    zones: Mapped[list[PrivacyZone]] = relationship(
        back_populates="camera",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PrivacyZone.id",
    )


class PrivacyZone(IdMixin, Base):
    """A polygon of the frame, in coordinates from 0 to 1, blacked out before storage."""

    __tablename__ = "privacy_zones"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    points: Mapped[list[list[float]]] = mapped_column(JSON)

    camera: Mapped[Camera] = relationship(back_populates="zones")


class SettingChange(IdMixin, Base):
    """A record of every change to a household setting: opt-ins must be recorded."""

    __tablename__ = "setting_changes"

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    setting: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
