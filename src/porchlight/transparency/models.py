"""Tables of the transparency log: events, household salts and openings, tree hashes
and signed checkpoints.

Only the events' public entries and the tree are published.  Which household an event
is about lives in ``transparency_openings`` and each household's salt in
``transparency_salts``; both are read only through the owner's "My record", and both
go when the household is deleted, after which its log entries can no longer be opened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from porchlight.db import Base, IdMixin, UTCDateTime, utcnow


class LogEvent(IdMixin, Base):
    """One recorded event and its public log entry; ``leaf_index`` is set once sequenced.

    ``agency_id``, ``request_id``, ``cell``, ``counts`` and ``detail`` hold no personal
    data and feed the public reports.  For an event about a household the published
    ``entry`` is only a salted commitment to the whole event.
    """

    __tablename__ = "transparency_events"

    event: Mapped[str] = mapped_column(String(64), index=True)
    agency_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    case_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    cell: Mapped[str | None] = mapped_column(String(16), nullable=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    detail: Mapped[dict[str, str | int | bool | None]] = mapped_column(JSON)
    committed: Mapped[bool] = mapped_column(Boolean, default=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)


class HouseholdSalt(Base):
    """A household's secret salt: without it nobody can link a commitment to the household."""

    __tablename__ = "transparency_salts"

    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Opening(Base):
    """What a household's commitment commits to: the event, household included, as JSON."""

    __tablename__ = "transparency_openings"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("transparency_events.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)


class TreeHash(Base):
    """A complete aligned subtree hash: level 0 holds leaf hashes (tlog hash storage)."""

    __tablename__ = "transparency_tree_hashes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class SignedCheckpoint(Base):
    """A checkpoint the log signed; ``published`` once its tiles are on the blob store."""

    __tablename__ = "transparency_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
