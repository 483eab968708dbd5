"""Tables for feed posts, comments, reports, the moderation queue and its decisions.

A post keeps its coarse cell and never its household: nothing in these tables leads
from a post back to an address.  Decisions are never deleted with the item they
decided, so that the moderation figures stay whole when a post is withdrawn.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from porchlight.db import Base, IdMixin, UTCDateTime


class Status(StrEnum):
    """Where a post or comment stands."""

    LIVE = "live"
    HELD = "held"  # waiting for a moderator
    REJECTED = "rejected"  # a moderator decided it breaks a guideline
    WITHDRAWN = "withdrawn"  # its author took it down


class Trigger(StrEnum):
    """Why an item is in the moderation queue."""

    CHECKS = "checks"  # the pre-publication checks held it
    RESUBMISSION = "resubmission"  # edited after a moderator rejected it
    REPORT = "report"  # neighbours reported it
    APPEAL = "appeal"  # its author appealed a rejection


class Post(IdMixin, Base):
    """A resident's alert, placed at a coarse H3 cell."""

    __tablename__ = "feed_posts"

    author_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cell: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # behaviour, race_ethnicity and the descriptors (clothing, height, ...), or empty.
    person: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The author's own clip the post shows, and the redacted copy neighbours stream: never
    # the clip itself.  The copy is destroyed when the post is withdrawn or rejected.
    clip_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    clip_object_id: Mapped[str | None] = mapped_column(
        ForeignKey("vault_objects.id", ondelete="SET NULL"), nullable=True
    )
    # The author kept the clip's sound for neighbours (the copy is silent otherwise).
    clip_with_audio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why the clip's copy could not be made, for the author; None otherwise.
    clip_failure: Mapped[str | None] = mapped_column(String(300), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The reasons it was last held or rejected: [{guideline, message, fix}].
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    comments: Mapped[list[Comment]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Comment.id",
    )


class Comment(IdMixin, Base):
    """A neighbour's reply to a post; it passes the same checks."""

    __tablename__ = "feed_comments"

    post_id: Mapped[str] = mapped_column(
        ForeignKey("feed_posts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    post: Mapped[Post] = relationship(back_populates="comments")


class ModerationItem(IdMixin, Base):
    """Something a moderator must decide: a held post or comment, a report or an appeal."""

    __tablename__ = "moderation_items"

    post_id: Mapped[str] = mapped_column(
        ForeignKey("feed_posts.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[str | None] = mapped_column(
        ForeignKey("feed_comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    trigger: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")  # an appeal's words
    is_open: Mapped[bool] = mapped_column(default=True, index=True)
    # An appeal may not go to the moderator who made the decision appealed against.
    excluded_moderator_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    post: Mapped[Post] = relationship()
    comment: Mapped[Comment | None] = relationship()


class Report(IdMixin, Base):
    """A neighbour's report of a live post or comment."""

    __tablename__ = "feed_reports"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("moderation_items.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(
        ForeignKey("feed_posts.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[str | None] = mapped_column(
        ForeignKey("feed_comments.id", ondelete="CASCADE"), nullable=True
    )
    guideline: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class Decision(IdMixin, Base):
    """A moderator's decision on an item, citing a guideline; kept for the public figures."""

    __tablename__ = "moderation_decisions"

    item_id: Mapped[str | None] = mapped_column(
        ForeignKey("moderation_items.id", ondelete="SET NULL"), nullable=True, index=True
    )
    moderator_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    post_id: Mapped[str | None] = mapped_column(
        ForeignKey("feed_posts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    comment_id: Mapped[str | None] = mapped_column(
        ForeignKey("feed_comments.id", ondelete="SET NULL"), nullable=True
    )
    trigger: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    guideline: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text)
