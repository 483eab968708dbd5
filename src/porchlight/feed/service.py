"""Feed use cases: post, edit and resubmit, appeal, withdraw, read, comment and report.

The only code (with :mod:`porchlight.feed.review`) that writes the feed tables.  Every
function asks :mod:`porchlight.authz` first.  A post or comment passes the
pre-publication checks before anyone else sees it: with no reasons it goes live, with
any it is held for a moderator.  Nothing is refused by a machine except floods.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from porchlight import geo
from porchlight.authz import Action, Actor, FeedRes, Role, require
from porchlight.db import utcnow
from porchlight.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from porchlight.feed.clips import Clips, attach_clip, drop_clip, want_copy
from porchlight.feed.models import Comment, Decision, ModerationItem, Post, Report, Status, Trigger
from porchlight.feed.moderation import CITABLE, Pipeline, Reason, Submission
from porchlight.feed.schemas import AppealIn, CommentIn, PostIn, PostPatch, ReportIn
from porchlight.homes.models import Household
from porchlight.pagination import Page, paginate
from porchlight.vault.models import VaultObject
from porchlight.vault.service import MediaStream, Vault

# The feed lives at the public resolution (7, cells of about 5 km², 2.4 km across): the
# coarsest place the foundation lets anything be shown, so a post cannot narrow a
# neighbour down to a street.  A reader's area is their cell and up to two rings around
# it (7 cells ≈ 36 km², 19 cells ≈ 97 km²): wider than that is no longer "nearby".
FEED_RESOLUTION = geo.PUBLIC_RESOLUTION
DEFAULT_RADIUS = 1
MAX_RADIUS = 2
# Floods are the one thing refused by machine; a neighbour rarely has ten alerts an hour.
POSTS_PER_HOUR = 10
COMMENTS_PER_HOUR = 60
# Distinct neighbours' reports that take a live item down until a moderator decides.
REPORTS_TO_HOLD = 3
_WINDOW = timedelta(hours=1)


# -- areas -------------------------------------------------------------------------------


def _home_cells(db: Session, actor: Actor) -> dict[str, str]:
    """The actor's households and the feed cell each lies in."""
    if not actor.household_ids:
        return {}
    rows = db.execute(
        select(Household.id, Household.h3_cell).where(Household.id.in_(actor.household_ids))
    ).all()
    return {hid: geo.coarsen(cell, FEED_RESOLUTION) for hid, cell in rows}


def area(db: Session, actor: Actor, radius: int = DEFAULT_RADIUS) -> set[str]:
    """The cells of the actor's feed: each of their households' cells and its neighbours."""
    if not 0 <= radius <= MAX_RADIUS:
        raise InvalidInput(
            f"radius must be between 0 and {MAX_RADIUS}.", field_loc=["query", "radius"]
        )
    return {c for cell in _home_cells(db, actor).values() for c in geo.disk(cell, radius)}


def _resource(db: Session, actor: Actor, post: Post, live: bool | None = None) -> FeedRes:
    in_area = actor.role is Role.RESIDENT and post.cell in area(db, actor, MAX_RADIUS)
    is_live = post.status == Status.LIVE if live is None else live
    return FeedRes(post.author_id, is_live, in_area)


def _comment_resource(db: Session, actor: Actor, comment: Comment) -> FeedRes:
    post_res = _resource(db, actor, comment.post)
    live = comment.status == Status.LIVE and post_res.live
    return FeedRes(comment.author_id, live, post_res.in_area)


# -- checks and floods --------------------------------------------------------------------


def _flood_guard(db: Session, model: type[Post] | type[Comment], author: str, limit: int) -> None:
    since = utcnow() - _WINDOW
    stmt = select(model.created_at).where(model.author_id == author, model.created_at > since)
    times = sorted(db.scalars(stmt))
    if len(times) >= limit:
        wait = int((times[-limit] + _WINDOW - utcnow()).total_seconds())
        noun = "posts" if model is Post else "comments"
        raise TooManyRequests(f"At most {limit} {noun} an hour; try again later.", wait)


def _submission(post: Post) -> Submission:
    return Submission(body=post.body, title=post.title, category=post.category, person=post.person)


def _hold(db: Session, post: Post, reasons: list[Reason], trigger: Trigger) -> None:
    post.status = Status.HELD
    post.reasons = [r.as_dict() for r in reasons]
    db.add(ModerationItem(post=post, trigger=trigger, reasons=post.reasons))


def _open_items(db: Session, post_id: str, comment_id: str | None = None) -> list[ModerationItem]:
    stmt = select(ModerationItem).where(
        ModerationItem.post_id == post_id,
        ModerationItem.comment_id.is_(None)
        if comment_id is None
        else ModerationItem.comment_id == comment_id,
        ModerationItem.is_open.is_(True),
    )
    return list(db.scalars(stmt.order_by(ModerationItem.id)))


def close(item: ModerationItem) -> None:
    """Take an item off the queue."""
    item.is_open, item.closed_at = False, utcnow()


# -- clips --------------------------------------------------------------------------------


def clip_media(
    db: Session,
    actor: Actor,
    post_id: str,
    vault: Vault,
    byte_range: tuple[int | None, int | None] | None,
) -> MediaStream:
    """The redacted copy of a post's clip, for whoever may read the post."""
    post = get_post(db, actor, post_id)
    obj = db.get(VaultObject, post.clip_object_id) if post.clip_object_id else None
    if obj is None:
        raise NotFound("This post has no clip.")
    return vault.open_object(obj, byte_range)


# -- posts --------------------------------------------------------------------------------


def _posting_cell(db: Session, actor: Actor, household_id: str | None) -> str:
    cells = _home_cells(db, actor)
    if household_id is not None:
        if household_id not in cells:
            raise NotFound("No such household.")
        return cells[household_id]
    if not cells:
        raise InvalidInput(
            "Add your household first: a post is placed in your household's area.",
            field_loc=["body", "household_id"],
        )
    return cells[min(cells)]


def create_post(
    db: Session, actor: Actor, data: PostIn, pipeline: Pipeline, clips: Clips | None = None
) -> Post:
    """Check a resident's post and publish it, or hold it for a moderator with reasons.

    With ``clip_id`` the post shows a redacted copy of one of the author's own clips."""
    require(actor, Action.FEED_POST)
    assert actor.user_id is not None
    if data.clip_id is not None and clips is None:
        raise InvalidInput("Attaching a clip is not available here.", field_loc=["body", "clip_id"])
    cell = _posting_cell(db, actor, data.household_id)
    _flood_guard(db, Post, actor.user_id, POSTS_PER_HOUR)
    _refuse_duplicate(db, actor.user_id, data.title, data.body)
    post = Post(
        author_id=actor.user_id,
        cell=cell,
        category=data.category.value,
        title=data.title,
        body=data.body,
        person=data.person.filled() if data.person else {},
        status=Status.LIVE,
        reasons=[],
    )
    db.add(post)
    if data.clip_id is not None:
        attach_clip(db, actor, post, data.clip_id, clips, data.clip_keep_audio)
    reasons = pipeline.run(_submission(post))
    if reasons:
        _hold(db, post, reasons, Trigger.CHECKS)
    db.flush()
    want_copy(post, clips)
    return post


def _refuse_duplicate(db: Session, author: str, title: str, body: str) -> None:
    stmt = select(Post.id).where(
        Post.author_id == author,
        Post.title == title,
        Post.body == body,
        Post.status != Status.WITHDRAWN,
        Post.created_at > utcnow() - timedelta(days=1),
    )
    if db.scalar(stmt.limit(1)) is not None:
        raise Conflict("You posted this already today.", field_loc=["body", "body"])


def get_post(db: Session, actor: Actor, post_id: str) -> Post:
    """One post the actor may see: live in their area, their own, or any for moderators."""
    post = db.get(Post, post_id)
    if post is None:
        raise NotFound("No such post.")
    try:
        require(actor, Action.FEED_ITEM_READ, _resource(db, actor, post))
    except NotFound:
        raise NotFound("No such post.") from None
    return post


def _own_post(db: Session, actor: Actor, post_id: str) -> Post:
    post = get_post(db, actor, post_id)
    require(actor, Action.FEED_ITEM_EDIT, _resource(db, actor, post))
    if post.status == Status.WITHDRAWN:
        raise Conflict("This post was withdrawn.")
    return post


def last_decision(db: Session, post_id: str) -> Decision | None:
    """The latest moderator decision on the post itself (not on one of its comments)."""
    stmt = select(Decision).where(Decision.post_id == post_id, Decision.comment_id.is_(None))
    return db.scalar(stmt.order_by(Decision.id.desc()).limit(1))


def open_appeal(db: Session, post_id: str) -> ModerationItem | None:
    """The post's appeal waiting for a moderator, if any."""
    items = _open_items(db, post_id)
    return next((i for i in items if i.trigger == Trigger.APPEAL), None)


def edit_post(
    db: Session,
    actor: Actor,
    post_id: str,
    patch: PostPatch,
    pipeline: Pipeline,
    clips: Clips | None = None,
) -> Post:
    """Edit and resubmit: the checks run again; after a rejection a person looks again too."""
    post = _own_post(db, actor, post_id)
    if open_appeal(db, post.id):
        raise Conflict("Your appeal is with a moderator; wait for the decision to edit.")
    # The clip to show after the edit: a new one, or the same one with or without sound.
    clip_id = patch.clip_id
    if clip_id is None and patch.clip_keep_audio is not None and not patch.remove_clip:
        clip_id = post.clip_id
    keep_audio = post.clip_with_audio if patch.clip_keep_audio is None else patch.clip_keep_audio
    if clip_id is not None and (
        clip_id != post.clip_id or post.clip_object_id is None or keep_audio != post.clip_with_audio
    ):
        attach_clip(db, actor, post, clip_id, clips, keep_audio)
    elif patch.remove_clip:
        drop_clip(db, post, clips)
    for name in ("category", "title", "body"):
        value = getattr(patch, name)
        if value is not None:
            setattr(post, name, str(value))
    if patch.remove_person:
        post.person = {}
    elif patch.person is not None:
        post.person = patch.person.filled()
    was_rejected = post.status == Status.REJECTED
    reported = False
    for item in _open_items(db, post.id):
        if item.trigger == Trigger.REPORT:
            reported = post.status == Status.HELD
        else:
            close(item)
    reasons = pipeline.run(_submission(post))
    if was_rejected:
        reasons.append(Reason.of("human-review", "A moderator rejected the earlier version."))
    if reported:
        reasons.append(Reason.of("reported", "Neighbours reported this post."))
    post.updated_at = utcnow()
    if reasons:
        _hold(db, post, reasons, Trigger.RESUBMISSION if was_rejected else Trigger.CHECKS)
    else:
        post.status, post.reasons = Status.LIVE, []
    db.flush()
    want_copy(post, clips)
    return post


def withdraw_post(db: Session, actor: Actor, post_id: str, clips: Clips | None = None) -> None:
    """Take one's own post down.  Its text is erased and its clip's copy destroyed;
    decisions about it stay counted."""
    post = _own_post(db, actor, post_id)
    for item in _open_items(db, post.id):
        close(item)
    post.status, post.title, post.body, post.person = Status.WITHDRAWN, "", "", {}
    post.updated_at = utcnow()
    drop_clip(db, post, clips)
    db.flush()


def appeal(db: Session, actor: Actor, post_id: str, data: AppealIn) -> ModerationItem:
    """Ask for a rejection to be looked at again, by a moderator other than the one who
    decided.  One appeal per rejection."""
    post = _own_post(db, actor, post_id)
    decision = last_decision(db, post.id)
    if post.status != Status.REJECTED or decision is None or decision.outcome != "reject":
        raise Conflict("Only a post a moderator rejected can be appealed.")
    if decision.trigger == Trigger.APPEAL:
        raise Conflict("This rejection was already reviewed on appeal.")
    if open_appeal(db, post.id):
        raise Conflict("You already appealed; a moderator will decide.")
    item = ModerationItem(
        post=post,
        trigger=Trigger.APPEAL,
        statement=data.statement,
        excluded_moderator_id=decision.moderator_id,
        reasons=post.reasons,
    )
    db.add(item)
    db.flush()
    return item


def feed(
    db: Session, actor: Actor, radius: int, cursor: str | None, limit: int
) -> tuple[Page[Post], int]:
    """Live posts in the actor's area, newest first, and how many cells the area spans."""
    require(actor, Action.FEED_READ)
    cells = area(db, actor, radius)
    stmt = select(Post).where(Post.status == Status.LIVE, Post.cell.in_(cells))
    return paginate(db, stmt, Post.id, cursor, limit, newest_first=True), len(cells)


def my_posts(db: Session, actor: Actor, cursor: str | None, limit: int) -> Page[Post]:
    """The actor's own posts in every status, newest first."""
    require(actor, Action.FEED_POST)
    stmt = select(Post).where(Post.author_id == actor.user_id, Post.status != Status.WITHDRAWN)
    return paginate(db, stmt, Post.id, cursor, limit, newest_first=True)


def comment_counts(db: Session, post_ids: list[str]) -> dict[str, int]:
    """Live comments per post."""
    if not post_ids:
        return {}
    stmt = (
        select(Comment.post_id, func.count())
        .where(Comment.post_id.in_(post_ids), Comment.status == Status.LIVE)
        .group_by(Comment.post_id)
    )
    return {pid: int(n) for pid, n in db.execute(stmt).all()}


# -- comments and reports -------------------------------------------------------------------


def add_comment(
    db: Session, actor: Actor, post_id: str, data: CommentIn, pipeline: Pipeline
) -> Comment:
    """Reply to a live post in one's area; the reply passes the same checks as posts."""
    post = get_post(db, actor, post_id)
    require(actor, Action.FEED_ITEM_RESPOND, _resource(db, actor, post))
    assert actor.user_id is not None
    _flood_guard(db, Comment, actor.user_id, COMMENTS_PER_HOUR)
    comment = Comment(post=post, author_id=actor.user_id, body=data.body, status=Status.LIVE)
    reasons = pipeline.run(Submission(body=data.body, category=post.category))
    comment.reasons = [r.as_dict() for r in reasons]
    db.add(comment)
    if reasons:
        comment.status = Status.HELD
        db.add(
            ModerationItem(
                post=post, comment=comment, trigger=Trigger.CHECKS, reasons=comment.reasons
            )
        )
    db.flush()
    return comment


def visible_comments(db: Session, actor: Actor, post: Post) -> list[Comment]:
    """The live comments, plus the actor's own held ones (all of them for moderators)."""
    if actor.role is Role.MODERATOR:
        return list(post.comments)
    return [c for c in post.comments if c.status == Status.LIVE or c.author_id == actor.user_id]


def get_comment(db: Session, actor: Actor, comment_id: str) -> Comment:
    """One comment the actor may see."""
    comment = db.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    try:
        require(actor, Action.FEED_ITEM_READ, _comment_resource(db, actor, comment))
    except NotFound:
        raise NotFound("No such comment.") from None
    return comment


def report_post(db: Session, actor: Actor, post_id: str, data: ReportIn) -> Report:
    """Report a live post to the moderators."""
    post = get_post(db, actor, post_id)
    require(actor, Action.FEED_ITEM_RESPOND, _resource(db, actor, post))
    return _report(db, actor, post, None, data)


def report_comment(db: Session, actor: Actor, comment_id: str, data: ReportIn) -> Report:
    """Report a live comment to the moderators."""
    comment = get_comment(db, actor, comment_id)
    require(actor, Action.FEED_ITEM_RESPOND, _comment_resource(db, actor, comment))
    return _report(db, actor, comment.post, comment, data)


def _report(
    db: Session, actor: Actor, post: Post, comment: Comment | None, data: ReportIn
) -> Report:
    target = comment or post
    if target.author_id == actor.user_id:
        raise Conflict("You cannot report what you wrote yourself.")
    if data.guideline not in CITABLE:
        raise InvalidInput("Choose one of the guidelines.", field_loc=["body", "guideline"])
    comment_id = comment.id if comment else None
    item = next(
        (i for i in _open_items(db, post.id, comment_id) if i.trigger == Trigger.REPORT), None
    )
    if item is None:
        item = ModerationItem(post=post, comment=comment, trigger=Trigger.REPORT, reasons=[])
        db.add(item)
        db.flush()
    reporters = set(db.scalars(select(Report.reporter_id).where(Report.item_id == item.id)))
    if actor.user_id in reporters:
        raise Conflict("You already reported this.")
    assert actor.user_id is not None
    report = Report(
        item_id=item.id,
        reporter_id=actor.user_id,
        post_id=post.id,
        comment_id=comment_id,
        guideline=data.guideline,
        note=data.note,
    )
    db.add(report)
    db.flush()
    item.reasons = _report_reasons(db, item.id)
    if len(reporters) + 1 >= REPORTS_TO_HOLD and target.status == Status.LIVE:
        target.status = Status.HELD
    db.flush()
    return report


def _report_reasons(db: Session, item_id: str) -> list[dict[str, str]]:
    stmt = select(Report.guideline, func.count()).where(Report.item_id == item_id)
    counts = {str(g): int(n) for g, n in db.execute(stmt.group_by(Report.guideline)).all()}
    return [
        Reason.of(
            g, f"Reported by {n} neighbour{'s' if n > 1 else ''} under this guideline."
        ).as_dict()
        for g, n in sorted(counts.items())
    ]
