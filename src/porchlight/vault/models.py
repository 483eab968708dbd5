"""Tables for encrypted blobs, their wrapped keys, clips, uploads and the access log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from porchlight.db import Base, IdMixin, UTCDateTime


class VaultObject(IdMixin, Base):
    """One encrypted blob (a clip's video, its thumbnail, a redacted copy).

    The blob is an age file encrypted to a key of its own; that key exists only in
    the wrapped forms below.  Deleting them makes the blob unreadable for good.
    """

    __tablename__ = "vault_objects"

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # media | thumbnail | render
    blob_key: Mapped[str] = mapped_column(String(512), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    header_size: Mapped[int] = mapped_column(Integer)
    plaintext_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_type: Mapped[str] = mapped_column(String(64))

    keys: Mapped[list[WrappedKey]] = relationship(
        back_populates="object", cascade="all, delete-orphan", passive_deletes=True
    )


class WrappedKey(IdMixin, Base):
    """An object's own key, encrypted (age) to one holder: the vault, the household, ..."""

    __tablename__ = "vault_wrapped_keys"
    __table_args__ = (UniqueConstraint("object_id", "holder"),)

    object_id: Mapped[str] = mapped_column(
        ForeignKey("vault_objects.id", ondelete="CASCADE"), index=True
    )
    holder: Mapped[str] = mapped_column(String(64))  # "vault" or "household"
    recipient: Mapped[str] = mapped_column(String(100))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)

    object: Mapped[VaultObject] = relationship(back_populates="keys")


class Clip(IdMixin, Base):
    """An event recorded by a camera: when, what was seen, and its encrypted objects."""

    __tablename__ = "clips"
    __table_args__ = (UniqueConstraint("household_id", "idempotency_key"),)

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[str | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="SET NULL"), nullable=True, index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    labels: Mapped[list[str]] = mapped_column(JSON)
    e2e: Mapped[bool] = mapped_column(Boolean)
    media_id: Mapped[str] = mapped_column(ForeignKey("vault_objects.id", ondelete="RESTRICT"))
    thumbnail_id: Mapped[str | None] = mapped_column(
        ForeignKey("vault_objects.id", ondelete="RESTRICT"), nullable=True
    )
    uploaded_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(100))

    media: Mapped[VaultObject] = relationship(foreign_keys=[media_id])
    thumbnail: Mapped[VaultObject | None] = relationship(foreign_keys=[thumbnail_id])


class Upload(IdMixin, Base):
    """A resumable upload in progress.  It becomes a clip only when complete and checked."""

    __tablename__ = "vault_uploads"
    __table_args__ = (UniqueConstraint("household_id", "idempotency_key"),)

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    labels: Mapped[list[str]] = mapped_column(JSON)
    parts: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    clip_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class HouseholdKey(IdMixin, Base):
    """A household's end-to-end public key; its private half never reaches the server.

    ``recovery`` is the private key encrypted with the owner's recovery passphrase
    (age scrypt): the server stores it but cannot open it.
    """

    __tablename__ = "vault_household_keys"

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(100))
    recovery: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AccessEvent(IdMixin, Base):
    """A record that someone decrypted, downloaded or deleted footage, and why."""

    __tablename__ = "vault_access_log"

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    clip_id: Mapped[str] = mapped_column(String(32), index=True)
    actor_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
