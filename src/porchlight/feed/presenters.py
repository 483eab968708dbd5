"""Posts, comments and queue items as the asking actor may see them.

Reasons (which guideline a post touched) are shown to its author and to moderators
only; the author's identity to moderators only.  Neighbours see "a neighbour".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from porchlight.authz import Actor, Role
from porchlight.feed import review, service
from porchlight.feed.clips import clip_state
from porchlight.feed.models import Comment, Decision, ModerationItem, Post, Status, Trigger
from porchlight.feed.moderation import GUIDELINES
from porchlight.feed.schemas import (
    AppealState,
    Category,
    CommentOut,
    DecisionOut,
    GuidelineOut,
    ItemOut,
    PostDetailOut,
    PostOut,
    ReasonOut,
    ReportOut,
)


def reasons_out(reasons: list[dict[str, Any]]) -> list[ReasonOut]:
    """Stored reasons with the title of the guideline each one cites."""
    out = []
    for r in reasons:
        rule = GUIDELINES.get(r["guideline"])
        out.append(ReasonOut(title=rule.title if rule else "", **r))
    return out


def _privileged(actor: Actor, author_id: str) -> bool:
    return actor.role is Role.MODERATOR or actor.user_id == author_id


def _appeal(db: Session, post: Post) -> tuple[AppealState | None, bool]:
    if service.open_appeal(db, post.id):
        return AppealState.PENDING, False
    last = service.last_decision(db, post.id)
    if last is None:
        return None, False
    if last.trigger == Trigger.APPEAL:
        return (AppealState.OVERTURNED if last.outcome == "approve" else AppealState.UPHELD), False
    return None, post.status == Status.REJECTED and last.outcome == "reject"


def post_out(db: Session, actor: Actor, post: Post, comments: int | None = None) -> PostOut:
    """A post for ``actor``."""
    privileged = _privileged(actor, post.author_id)
    appeal, can_appeal = _appeal(db, post) if privileged else (None, False)
    if comments is None:
        comments = service.comment_counts(db, [post.id]).get(post.id, 0)
    return PostOut(
        id=post.id,
        category=Category(post.category),
        title=post.title,
        body=post.body,
        person=post.person,
        area=post.cell,
        status=post.status,
        reasons=reasons_out(post.reasons) if privileged else [],
        mine=post.author_id == actor.user_id,
        author_id=post.author_id if actor.role is Role.MODERATOR else None,
        appeal=appeal,
        can_appeal=can_appeal and post.author_id == actor.user_id,
        clip_id=post.clip_id if post.author_id == actor.user_id else None,
        has_clip=post.clip_object_id is not None,
        clip_with_audio=post.clip_object_id is not None and post.clip_with_audio,
        clip_state=clip_state(post) if post.author_id == actor.user_id else None,
        clip_failure=post.clip_failure if post.author_id == actor.user_id else None,
        comment_count=comments,
        created_at=post.created_at,
        updated_at=post.updated_at,
    )


def posts_out(db: Session, actor: Actor, posts: list[Post]) -> list[PostOut]:
    """Several posts, counting their comments in one query."""
    counts = service.comment_counts(db, [p.id for p in posts])
    return [post_out(db, actor, p, counts.get(p.id, 0)) for p in posts]


def comment_out(actor: Actor, comment: Comment) -> CommentOut:
    """A comment for ``actor``."""
    privileged = _privileged(actor, comment.author_id)
    return CommentOut(
        id=comment.id,
        post_id=comment.post_id,
        body=comment.body,
        status=comment.status,
        reasons=reasons_out(comment.reasons) if privileged else [],
        mine=comment.author_id == actor.user_id,
        created_at=comment.created_at,
    )


def post_detail(db: Session, actor: Actor, post: Post) -> PostDetailOut:
    """A post with the comments ``actor`` may see."""
    comments = service.visible_comments(db, actor, post)
    base = post_out(db, actor, post)
    return PostDetailOut(**base.model_dump(), comments=[comment_out(actor, c) for c in comments])


def item_out(db: Session, actor: Actor, item: ModerationItem) -> ItemOut:
    """A queue item with the post, the comment, the reasons and the reports beside it."""
    return ItemOut(
        id=item.id,
        trigger=item.trigger,
        kind="comment" if item.comment_id else "post",
        post=post_out(db, actor, item.post),
        comment=comment_out(actor, item.comment) if item.comment else None,
        reasons=reasons_out(item.reasons),
        statement=item.statement,
        reports=[
            ReportOut(guideline=r.guideline, note=r.note, created_at=r.created_at)
            for r in review.reports_of(db, item)
        ],
        created_at=item.created_at,
        is_open=item.is_open,
    )


def decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut.model_validate(decision, from_attributes=True)


def guidelines_out() -> list[GuidelineOut]:
    return [
        GuidelineOut(id=g.id, title=g.title, text=g.text, fix=g.fix, citable=g.citable)
        for g in GUIDELINES.values()
    ]
