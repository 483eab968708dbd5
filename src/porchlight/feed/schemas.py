"""What the feed and moderation APIs accept and return."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# C0 and C1 control characters other than tab and line breaks, and the bidirectional
# embeddings and overrides (U+202A to U+202E) that make text display differently from what
# it says ("Trojan Source").  Right-to-left text itself, and its marks, are welcome.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]")


def plain_text(value: str) -> str:
    """Refuse control characters; normalise line breaks and Unicode composition (NFC)."""
    if _FORBIDDEN.search(value):
        raise ValueError("contains control or text-direction override characters")
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(value: str) -> str:
    """As :func:`plain_text`, and no line breaks or tabs."""
    if "\n" in value or "\t" in value:
        raise ValueError("must be one line")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=120),
    AfterValidator(plain_text),
    AfterValidator(one_line),
]
Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=4000),
    AfterValidator(plain_text),
]
CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(plain_text),
]
Detail = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    AfterValidator(plain_text),
    AfterValidator(one_line),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
    AfterValidator(plain_text),
]
OptionalNote = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(plain_text),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(StrEnum):
    CRIME = "crime"
    SAFETY = "safety"
    SUSPICIOUS_ACTIVITY = "suspicious_activity"
    LOST_PET = "lost_pet"
    FOUND_PET = "found_pet"
    OTHER = "other"


class PersonIn(Strict):
    """A description of a person: what they did comes first and is required."""

    behaviour: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=500),
        AfterValidator(plain_text),
    ] = Field("", description="What the person did. Required whenever a person is described.")
    clothing: Detail = ""
    height: Detail = ""
    build: Detail = ""
    hair: Detail = ""
    age: Detail = ""
    vehicle: Detail = ""
    other: Detail = ""
    race_ethnicity: Detail = Field(
        "",
        description="Optional. If given, a behaviour and at least two other descriptors "
        "are needed, or the post is held with guidance.",
    )

    def filled(self) -> dict[str, str]:
        """The fields given, in form order (behaviour first)."""
        return {k: v for k, v in self.model_dump().items() if v}


class PostIn(Strict):
    category: Category
    title: Title
    body: Body
    person: PersonIn | None = None
    household_id: str | None = Field(
        None,
        description="Which of your households' areas to post in; the first one by default. "
        "The post shows only a coarse cell, never the household.",
    )
    clip_id: str | None = Field(
        None,
        max_length=32,
        description="One of your own clips (not end-to-end encrypted). Neighbours see a "
        "redacted copy (faces and plates blurred, no audio), never the clip itself.",
    )
    clip_keep_audio: bool | None = Field(
        None,
        description="Keep the clip's sound in the copy; unset follows the household's "
        "'include sound in what I share' setting (off by default).",
    )


class PostPatch(Strict):
    """Edit and resubmit: every field optional; the checks run again on the result."""

    category: Category | None = None
    title: Title | None = None
    body: Body | None = None
    person: PersonIn | None = None
    remove_person: bool = False
    clip_id: str | None = Field(
        None, max_length=32, description="Attach (or replace with) one of your own clips."
    )
    clip_keep_audio: bool | None = Field(
        None, description="Keep the attached clip's sound in the copy (renders it again)."
    )
    remove_clip: bool = Field(False, description="Take the clip off; its copy is destroyed.")


class AppealIn(Strict):
    statement: Note = Field(description="Why the decision should be looked at again.")


class CommentIn(Strict):
    body: CommentBody


class ReportIn(Strict):
    guideline: str = Field(description="The guideline you think it breaks (see /guidelines).")
    note: OptionalNote = ""


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class DecisionIn(Strict):
    outcome: Outcome
    guideline: str | None = Field(
        None, description="The guideline a rejection cites (required to reject)."
    )
    note: Note = Field(description="The reason, in words the poster will read.")


class ReasonOut(BaseModel):
    guideline: str
    title: str = ""
    message: str
    fix: str


class AppealState(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"  # the rejection stands
    OVERTURNED = "overturned"  # the post went live


class CommentOut(BaseModel):
    id: str
    post_id: str
    body: str
    status: str
    reasons: list[ReasonOut]
    mine: bool
    created_at: datetime


class PostOut(BaseModel):
    """A post.  ``reasons`` are shown to its author and to moderators only."""

    id: str
    category: Category
    title: str
    body: str
    person: dict[str, str]
    area: str = Field(description="The coarse H3 cell the post is placed in.")
    status: str
    reasons: list[ReasonOut]
    mine: bool
    author_id: str | None = Field(None, description="Shown to moderators only.")
    appeal: AppealState | None = None
    can_appeal: bool = False
    clip_id: str | None = Field(None, description="Your own clip attached (shown to you only).")
    has_clip: bool = Field(
        False, description="A redacted copy of a clip streams at /feed/posts/{id}/clip."
    )
    clip_with_audio: bool = Field(False, description="The copy keeps the clip's sound.")
    clip_state: Literal["none", "preparing", "ready", "failed"] | None = Field(
        None,
        description="Shown to the author only: whether the clip's redacted copy is being "
        "made, ready, or could not be made (see clip_failure)",
    )
    clip_failure: str | None = Field(None, description="Shown to the author only.")
    comment_count: int
    created_at: datetime
    updated_at: datetime | None


class PostDetailOut(PostOut):
    comments: list[CommentOut]


class FeedPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None
    radius: int
    cells: int = Field(description="How many cells the area spans.")


class GuidelineOut(BaseModel):
    id: str
    title: str
    text: str
    fix: str
    citable: bool


class ReportOut(BaseModel):
    guideline: str
    note: str
    created_at: datetime


class ItemOut(BaseModel):
    """A moderation queue item with what the moderator needs beside it."""

    id: str
    trigger: str
    kind: str
    post: PostOut
    comment: CommentOut | None
    reasons: list[ReasonOut]
    statement: str
    reports: list[ReportOut]
    created_at: datetime
    is_open: bool


class QueuePage(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None


class DecisionOut(BaseModel):
    id: str
    item_id: str | None
    post_id: str | None
    comment_id: str | None
    trigger: str
    outcome: str
    guideline: str | None
    note: str
    created_at: datetime


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    next_cursor: str | None


class StatsOut(BaseModel):
    """The moderation figures, counted from the decisions and the queue."""

    posts: int
    posts_live_without_review: int
    posts_held: int
    held_by_guideline: dict[str, int]
    comments_held: int
    reports: int
    decisions: int
    approved: int
    rejected: int
    rejected_by_guideline: dict[str, int]
    appeals: int
    appeals_pending: int
    appeals_upheld: int
    appeals_overturned: int
