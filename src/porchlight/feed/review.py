"""Moderators' use cases: the queue, decisions, their own history, and the public figures.

Every decision is recorded with the guideline it cites.  An appeal never reaches the
moderator whose decision it appeals: the queue leaves it out for them, and a decision
by them is refused.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from porchlight.authz import Action, Actor, require
from porchlight.errors import Conflict, Forbidden, InvalidInput, NotFound
from porchlight.feed.clips import Clips, drop_clip, want_copy
from porchlight.feed.models import Comment, Decision, ModerationItem, Post, Report, Status, Trigger
from porchlight.feed.moderation import CITABLE, GUIDELINES
from porchlight.feed.schemas import DecisionIn, Outcome, StatsOut
from porchlight.feed.service import close
from porchlight.pagination import Page, paginate
from porchlight.transparency import service as transparency

HELD_TRIGGERS = (Trigger.CHECKS, Trigger.RESUBMISSION)


def queue(db: Session, actor: Actor, cursor: str | None, limit: int) -> Page[ModerationItem]:
    """Open items, oldest first, without appeals against the actor's own decisions."""
    require(actor, Action.MODERATION_WORK)
    stmt = select(ModerationItem).where(
        ModerationItem.is_open.is_(True),
        or_(
            ModerationItem.excluded_moderator_id.is_(None),
            ModerationItem.excluded_moderator_id != actor.user_id,
        ),
    )
    return paginate(db, stmt, ModerationItem.id, cursor, limit)


def get_item(db: Session, actor: Actor, item_id: str) -> ModerationItem:
    """One queue item, open or closed."""
    require(actor, Action.MODERATION_WORK)
    item = db.get(ModerationItem, item_id)
    if item is None:
        raise NotFound("No such moderation item.")
    return item


def reports_of(db: Session, item: ModerationItem) -> list[Report]:
    """The neighbours' reports gathered in an item (reporters are not shown)."""
    return list(db.scalars(select(Report).where(Report.item_id == item.id).order_by(Report.id)))


def decide(
    db: Session, actor: Actor, item_id: str, data: DecisionIn, clips: Clips | None = None
) -> Decision:
    """Approve (the item goes or stays live) or reject (it comes down, citing a guideline).

    A rejected post's clip copy is destroyed; if the rejection is overturned on appeal
    the copy is made again from the author's clip (when it still exists)."""
    item = get_item(db, actor, item_id)
    if not item.is_open:
        raise Conflict("This item was already decided.")
    if item.excluded_moderator_id == actor.user_id:
        raise Forbidden("An appeal goes to a different moderator than the one who decided.")
    guideline = data.guideline or None
    if data.outcome is Outcome.REJECT and guideline not in CITABLE:
        raise InvalidInput(
            "A rejection cites one of the guidelines.", field_loc=["body", "guideline"]
        )
    if guideline is not None and guideline not in GUIDELINES:
        raise InvalidInput("No such guideline.", field_loc=["body", "guideline"])
    target: Post | Comment = item.comment or item.post
    if target.status == Status.WITHDRAWN:
        raise Conflict("Its author withdrew it.")
    _apply(target, data, guideline)
    decision = Decision(
        item_id=item.id,
        moderator_id=actor.user_id,
        post_id=item.post_id,
        comment_id=item.comment_id,
        trigger=item.trigger,
        outcome=data.outcome.value,
        guideline=guideline,
        note=data.note,
    )
    db.add(decision)
    # Public figures: what was decided, on which trigger and guideline; never by whom
    # about whose post.
    transparency.record(
        db,
        f"moderator:{'comment' if item.comment_id else 'post'}:decided",
        detail={
            "outcome": data.outcome.value,
            "trigger": str(item.trigger),
            "guideline": guideline,
        },
    )
    # Whatever else waits about the same text is settled by this decision too.
    for other in _open_for(db, item):
        close(other)
    if isinstance(target, Post) and target.status == Status.REJECTED:
        drop_clip(db, target, clips, keep_reference=True)
    elif isinstance(target, Post):
        want_copy(target, clips)  # approved: its clip's copy is made again if it has none
    db.flush()
    return decision


def _apply(target: Post | Comment, data: DecisionIn, guideline: str | None) -> None:
    if data.outcome is Outcome.APPROVE:
        target.status, target.reasons = Status.LIVE, []
        return
    assert guideline is not None
    rule = GUIDELINES[guideline]
    target.status = Status.REJECTED
    target.reasons = [{"guideline": guideline, "message": data.note, "fix": rule.fix}]


def _open_for(db: Session, item: ModerationItem) -> list[ModerationItem]:
    comment = (
        ModerationItem.comment_id.is_(None)
        if item.comment_id is None
        else ModerationItem.comment_id == item.comment_id
    )
    stmt = select(ModerationItem).where(
        ModerationItem.post_id == item.post_id, comment, ModerationItem.is_open.is_(True)
    )
    return list(db.scalars(stmt))


def my_decisions(db: Session, actor: Actor, cursor: str | None, limit: int) -> Page[Decision]:
    """The actor's own decisions, newest first."""
    require(actor, Action.MODERATION_WORK)
    stmt = select(Decision).where(Decision.moderator_id == actor.user_id)
    return paginate(db, stmt, Decision.id, cursor, limit, newest_first=True)


def _count(db: Session, *where: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(Decision).where(*where)) or 0)


def stats(db: Session, actor: Actor) -> StatsOut:
    """The figures for the transparency pages: aggregate counts, nothing about anyone."""
    require(actor, Action.MODERATION_STATS)
    held_items = list(
        db.execute(
            select(ModerationItem.post_id, ModerationItem.comment_id, ModerationItem.reasons).where(
                ModerationItem.trigger.in_(HELD_TRIGGERS)
            )
        ).all()
    )
    held_posts = {pid for pid, cid, _ in held_items if cid is None}
    by_guideline: Counter[str] = Counter()
    for _pid, cid, reasons in held_items:
        if cid is None:
            by_guideline.update({r["guideline"] for r in reasons})
    posts = int(db.scalar(select(func.count()).select_from(Post)) or 0)
    rejected = db.execute(
        select(Decision.guideline, func.count())
        .where(Decision.outcome == Outcome.REJECT.value)
        .group_by(Decision.guideline)
    ).all()
    appeal_open = (
        select(func.count())
        .select_from(ModerationItem)
        .where(ModerationItem.trigger == Trigger.APPEAL)
    )
    return StatsOut(
        posts=posts,
        posts_live_without_review=posts - len(held_posts),
        posts_held=len(held_posts),
        held_by_guideline=dict(sorted(by_guideline.items())),
        comments_held=sum(1 for _p, cid, _r in held_items if cid is not None),
        reports=int(db.scalar(select(func.count()).select_from(Report)) or 0),
        decisions=_count(db),
        approved=_count(db, Decision.outcome == Outcome.APPROVE.value),
        rejected=_count(db, Decision.outcome == Outcome.REJECT.value),
        rejected_by_guideline={str(g): int(n) for g, n in rejected},
        appeals=int(db.scalar(appeal_open) or 0),
        appeals_pending=int(db.scalar(appeal_open.where(ModerationItem.is_open.is_(True))) or 0),
        appeals_upheld=_count(
            db, Decision.trigger == Trigger.APPEAL, Decision.outcome == Outcome.REJECT.value
        ),
        appeals_overturned=_count(
            db, Decision.trigger == Trigger.APPEAL, Decision.outcome == Outcome.APPROVE.value
        ),
    )
