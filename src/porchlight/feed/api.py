"""JSON routes for the neighbourhood feed and its moderation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from porchlight.authz import Actor
from porchlight.feed import presenters, review, service
from porchlight.feed.clips import Clips
from porchlight.feed.deps import CLIPS, PIPELINE
from porchlight.feed.moderation import Pipeline
from porchlight.feed.schemas import (
    AppealIn,
    CommentIn,
    CommentOut,
    DecisionIn,
    DecisionOut,
    DecisionPage,
    FeedPage,
    GuidelineOut,
    ItemOut,
    PostDetailOut,
    PostIn,
    PostOut,
    PostPatch,
    QueuePage,
    ReportIn,
    StatsOut,
)
from porchlight.pagination import DEFAULT_LIMIT, MAX_LIMIT
from porchlight.web.deps import API_ACTOR, DB
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(prefix="/api/v1", tags=["feed"])

Cursor = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Radius = Annotated[
    int,
    Query(
        ge=0,
        le=service.MAX_RADIUS,
        description="Rings of neighbouring cells around your own: 0 is your cell only.",
    ),
]


@router.get("/feed", response_model=FeedPage)
def read_feed(
    radius: Radius = service.DEFAULT_RADIUS,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> FeedPage:
    """Live posts in your area, newest first."""
    page, cells = service.feed(db, actor, radius, cursor, limit)
    items = presenters.posts_out(db, actor, page.items)
    return FeedPage(items=items, next_cursor=page.next_cursor, radius=radius, cells=cells)


@router.get("/feed/mine", response_model=FeedPage)
def my_posts(
    cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, actor: Actor = API_ACTOR, db: Session = DB
) -> FeedPage:
    """Your own posts, live, held or rejected, with the reasons."""
    page = service.my_posts(db, actor, cursor, limit)
    items = presenters.posts_out(db, actor, page.items)
    return FeedPage(items=items, next_cursor=page.next_cursor, radius=0, cells=0)


@router.get("/feed/guidelines", response_model=list[GuidelineOut])
def guidelines() -> list[GuidelineOut]:
    """The community guidelines that checks, reports and moderators cite."""
    return presenters.guidelines_out()


@router.post("/feed/posts", response_model=PostOut, status_code=201)
def create_post(
    body: PostIn,
    actor: Actor = API_ACTOR,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
    clips: Clips = CLIPS,
) -> PostOut:
    """Post an alert.  It goes ``live``, or is ``held`` for a moderator with ``reasons``.

    With ``clip_id`` neighbours see a redacted copy of your clip, never the clip itself."""
    return presenters.post_out(db, actor, service.create_post(db, actor, body, pipeline, clips))


@router.get("/feed/posts/{post_id}", response_model=PostDetailOut)
def get_post(post_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> PostDetailOut:
    """One post with its comments."""
    return presenters.post_detail(db, actor, service.get_post(db, actor, post_id))


@router.patch("/feed/posts/{post_id}", response_model=PostOut)
def edit_post(
    post_id: str,
    body: PostPatch,
    actor: Actor = API_ACTOR,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
    clips: Clips = CLIPS,
) -> PostOut:
    """Edit and resubmit your post; the checks run again."""
    edited = service.edit_post(db, actor, post_id, body, pipeline, clips)
    return presenters.post_out(db, actor, edited)


@router.delete("/feed/posts/{post_id}", status_code=204)
def withdraw_post(
    post_id: str, actor: Actor = API_ACTOR, db: Session = DB, clips: Clips = CLIPS
) -> Response:
    """Withdraw your post; its text is erased and its clip's copy destroyed."""
    service.withdraw_post(db, actor, post_id, clips)
    return Response(status_code=204)


@router.get("/feed/posts/{post_id}/clip", response_class=StreamingResponse)
def post_clip(
    post_id: str,
    range: str | None = Header(None),
    actor: Actor = API_ACTOR,
    db: Session = DB,
    clips: Clips = CLIPS,
) -> StreamingResponse:
    """The post's clip, a redacted copy (range requests work); whoever may read the post."""
    wanted = parse_range(range)
    stream = service.clip_media(db, actor, post_id, clips.vault, wanted)
    return stream_response(stream, wanted is not None)


@router.post("/feed/posts/{post_id}/appeal", response_model=PostOut, status_code=201)
def appeal(post_id: str, body: AppealIn, actor: Actor = API_ACTOR, db: Session = DB) -> PostOut:
    """Appeal a moderator's rejection; a different moderator decides."""
    item = service.appeal(db, actor, post_id, body)
    return presenters.post_out(db, actor, item.post)


@router.post("/feed/posts/{post_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(
    post_id: str,
    body: CommentIn,
    actor: Actor = API_ACTOR,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
) -> CommentOut:
    """Comment on a live post in your area; comments pass the same checks."""
    return presenters.comment_out(actor, service.add_comment(db, actor, post_id, body, pipeline))


@router.post("/feed/posts/{post_id}/reports", status_code=204)
def report_post(
    post_id: str, body: ReportIn, actor: Actor = API_ACTOR, db: Session = DB
) -> Response:
    """Report a post to the moderators, naming the guideline it breaks."""
    service.report_post(db, actor, post_id, body)
    return Response(status_code=204)


@router.post("/feed/comments/{comment_id}/reports", status_code=204)
def report_comment(
    comment_id: str, body: ReportIn, actor: Actor = API_ACTOR, db: Session = DB
) -> Response:
    """Report a comment to the moderators."""
    service.report_comment(db, actor, comment_id, body)
    return Response(status_code=204)


@router.get("/moderation/queue", response_model=QueuePage, tags=["moderation"])
def moderation_queue(
    cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, actor: Actor = API_ACTOR, db: Session = DB
) -> QueuePage:
    """Items waiting for a decision, oldest first, with reasons and guideline text."""
    page = review.queue(db, actor, cursor, limit)
    items = [presenters.item_out(db, actor, i) for i in page.items]
    return QueuePage(items=items, next_cursor=page.next_cursor)


@router.get("/moderation/items/{item_id}", response_model=ItemOut, tags=["moderation"])
def moderation_item(item_id: str, actor: Actor = API_ACTOR, db: Session = DB) -> ItemOut:
    """One queue item."""
    return presenters.item_out(db, actor, review.get_item(db, actor, item_id))


@router.post(
    "/moderation/items/{item_id}/decision",
    response_model=DecisionOut,
    status_code=201,
    tags=["moderation"],
)
def decide(
    item_id: str,
    body: DecisionIn,
    actor: Actor = API_ACTOR,
    db: Session = DB,
    clips: Clips = CLIPS,
) -> DecisionOut:
    """Approve or reject, with a reason; a rejection cites a guideline (and destroys the
    copy of a rejected post's clip)."""
    return presenters.decision_out(review.decide(db, actor, item_id, body, clips))


@router.get("/moderation/decisions", response_model=DecisionPage, tags=["moderation"])
def my_decisions(
    cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, actor: Actor = API_ACTOR, db: Session = DB
) -> DecisionPage:
    """Your own decisions, newest first."""
    page = review.my_decisions(db, actor, cursor, limit)
    items = [presenters.decision_out(d) for d in page.items]
    return DecisionPage(items=items, next_cursor=page.next_cursor)


@router.get("/moderation/stats", response_model=StatsOut, tags=["moderation"])
def moderation_stats(actor: Actor = API_ACTOR, db: Session = DB) -> StatsOut:
    """Public figures: posts held and by which guideline, decisions, appeals and outcomes."""
    return review.stats(db, actor)
