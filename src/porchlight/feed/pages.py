"""Pages for the feed (read, post, comment, report, edit, appeal) and the moderation queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from porchlight.feed import presenters, review, service
from porchlight.feed.clips import Clips
from porchlight.feed.deps import CLIPS, PIPELINE
from porchlight.feed.moderation import CITABLE, GUIDELINES, Pipeline
from porchlight.feed.schemas import (
    AppealIn,
    CommentIn,
    DecisionIn,
    PersonIn,
    PostIn,
    PostPatch,
    ReportIn,
)
from porchlight.homes import service as homes
from porchlight.web.context import context
from porchlight.web.deps import DB, SIGNED_IN, PageUser, check_csrf
from porchlight.web.pages import FORM_ERRORS, error_message, redirect, render
from porchlight.web.ranges import parse_range, stream_response

router = APIRouter(include_in_schema=False)

CATEGORIES = {
    "crime": "Crime",
    "safety": "Safety",
    "suspicious_activity": "Suspicious activity",
    "lost_pet": "Lost pet",
    "found_pet": "Found pet",
    "other": "Other",
}
RADII = {
    0: "My area only (about 5 km²)",
    1: "My area and the cells around it (about 36 km²)",
    2: "Two rings of cells around mine (about 100 km²)",
}
PERSON_FIELDS = tuple(PersonIn.model_fields)


def _shared(**values: Any) -> dict[str, Any]:
    return {
        "categories": CATEGORIES,
        "guidelines": GUIDELINES,
        "citable": [GUIDELINES[g] for g in CITABLE],
        "person_fields": PERSON_FIELDS,
        **values,
    }


async def _form(request: Request, visitor: PageUser) -> dict[str, str]:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


def _person(form: dict[str, str]) -> PersonIn | None:
    values = {f: form.get(f"person_{f}", "") for f in PERSON_FIELDS}
    return PersonIn(**values) if any(v.strip() for v in values.values()) else None


def _my_clips(request: Request, db: Session, visitor: PageUser) -> list[Any]:
    """The visitor's newest clips that the server can copy (not end-to-end), to attach."""
    if not visitor.actor.household_ids:
        return []
    page = context(request).vault.list_clips(db, visitor.actor, None, None, 200)
    return [c for c in reversed(page.items) if not c.e2e][:20]


def _feed_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    radius: int = service.DEFAULT_RADIUS,
    cursor: str | None = None,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    actor = visitor.actor
    page, cells = service.feed(db, actor, radius, cursor, 20)
    mine = [p for p in service.my_posts(db, actor, None, 20).items if p.status != "live"]
    return render(
        request,
        "feed/index.html",
        visitor,
        status,
        **_shared(
            posts=presenters.posts_out(db, actor, page.items),
            next_cursor=page.next_cursor,
            waiting=presenters.posts_out(db, actor, mine),
            radius=radius,
            radii=RADII,
            cells=cells,
            homes=homes.list_households(db, actor),
            my_clips=_my_clips(request, db, visitor),
            form=form or {},
            person_values={f: (form or {}).get(f"person_{f}", "") for f in PERSON_FIELDS},
            error=error,
        ),
    )


@router.get("/feed")
def feed_page(
    request: Request,
    radius: int = service.DEFAULT_RADIUS,
    cursor: str | None = None,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    return _feed_page(request, visitor, db, radius, cursor)


@router.post("/feed/posts")
async def create_post(
    request: Request,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
    clips: Clips = CLIPS,
) -> Response:
    form = await _form(request, visitor)
    try:
        data = PostIn.model_validate(
            {
                "category": form.get("category", ""),
                "title": form.get("title", ""),
                "body": form.get("body", ""),
                "person": _person(form),
                "household_id": form.get("household_id") or None,
                "clip_id": form.get("clip_id") or None,
                "clip_keep_audio": form.get("clip_keep_audio") == "1",
            }
        )
        post = service.create_post(db, visitor.actor, data, pipeline, clips)
    except FORM_ERRORS as exc:
        return _feed_page(request, visitor, db, status=422, error=error_message(exc), form=form)
    notice = "Your post is live." if post.status == "live" else _HELD_NOTICE
    return redirect(f"/feed/posts/{post.id}?notice=" + quote(notice))


_HELD_NOTICE = "Your post is held for a moderator. See why below: you can edit it and resubmit."


def _post_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    post_id: str,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    post = service.get_post(db, visitor.actor, post_id)
    return render(
        request,
        "feed/post.html",
        visitor,
        status,
        **_shared(post=presenters.post_detail(db, visitor.actor, post), error=error),
    )


@router.get("/feed/posts/{post_id}")
def post_page(
    post_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    return _post_page(request, visitor, db, post_id)


@router.get("/feed/posts/{post_id}/clip")
def post_clip(
    post_id: str,
    range: str | None = Header(None),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    clips: Clips = CLIPS,
) -> Response:
    """The redacted copy of the post's clip, for the video element (seeking works)."""
    wanted = parse_range(range)
    stream = service.clip_media(db, visitor.actor, post_id, clips.vault, wanted)
    return stream_response(stream, wanted is not None)


@router.post("/feed/posts/{post_id}/edit")
async def edit_post(
    post_id: str,
    request: Request,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
    clips: Clips = CLIPS,
) -> Response:
    form = await _form(request, visitor)
    try:
        person = _person(form)
        patch = PostPatch.model_validate(
            {
                "category": form.get("category") or None,
                "title": form.get("title") or None,
                "body": form.get("body") or None,
                "person": person,
                "remove_person": person is None,
                "clip_id": form.get("clip_id") or None,
                "remove_clip": form.get("remove_clip") == "1",
                # The box is on the form only when the post has a clip.
                "clip_keep_audio": (
                    form.get("clip_keep_audio") == "1"
                    if form.get("clip_keep_audio_shown")
                    else None
                ),
            }
        )
        post = service.edit_post(db, visitor.actor, post_id, patch, pipeline, clips)
    except FORM_ERRORS as exc:
        return _post_page(request, visitor, db, post_id, status=422, error=error_message(exc))
    notice = "Your post is live again." if post.status == "live" else _HELD_NOTICE
    return redirect(f"/feed/posts/{post_id}?notice=" + quote(notice))


@router.post("/feed/posts/{post_id}/appeal")
async def appeal(
    post_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        service.appeal(db, visitor.actor, post_id, AppealIn(statement=form.get("statement", "")))
    except FORM_ERRORS as exc:
        return _post_page(request, visitor, db, post_id, status=422, error=error_message(exc))
    notice = "Your appeal was sent. A different moderator will decide."
    return redirect(f"/feed/posts/{post_id}?notice=" + quote(notice))


@router.post("/feed/posts/{post_id}/delete")
async def withdraw_post(
    post_id: str,
    request: Request,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    clips: Clips = CLIPS,
) -> Response:
    await _form(request, visitor)
    service.withdraw_post(db, visitor.actor, post_id, clips)
    return redirect("/feed?notice=" + quote("Your post was withdrawn."))


@router.post("/feed/posts/{post_id}/comments")
async def add_comment(
    post_id: str,
    request: Request,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    pipeline: Pipeline = PIPELINE,
) -> Response:
    form = await _form(request, visitor)
    try:
        data = CommentIn(body=form.get("body", ""))
        comment = service.add_comment(db, visitor.actor, post_id, data, pipeline)
    except FORM_ERRORS as exc:
        return _post_page(request, visitor, db, post_id, status=422, error=error_message(exc))
    notice = (
        "Comment added."
        if comment.status == "live"
        else "Your comment is held for a moderator; the reasons are shown beside it."
    )
    return redirect(f"/feed/posts/{post_id}?notice=" + quote(notice) + "#comments")


def _report_in(form: dict[str, str]) -> ReportIn:
    return ReportIn(guideline=form.get("guideline", ""), note=form.get("note", ""))


_REPORTED = "Thank you: a moderator will look at it."


@router.post("/feed/posts/{post_id}/report")
async def report_post(
    post_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    try:
        service.report_post(db, visitor.actor, post_id, _report_in(form))
    except FORM_ERRORS as exc:
        return _post_page(request, visitor, db, post_id, status=422, error=error_message(exc))
    return redirect(f"/feed/posts/{post_id}?notice=" + quote(_REPORTED))


@router.post("/feed/comments/{comment_id}/report")
async def report_comment(
    comment_id: str, request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await _form(request, visitor)
    post_id = service.get_comment(db, visitor.actor, comment_id).post_id
    try:
        service.report_comment(db, visitor.actor, comment_id, _report_in(form))
    except FORM_ERRORS as exc:
        return _post_page(request, visitor, db, post_id, status=422, error=error_message(exc))
    return redirect(f"/feed/posts/{post_id}?notice=" + quote(_REPORTED))


def _moderation_page(
    request: Request, visitor: PageUser, db: Session, *, status: int = 200, error: str | None = None
) -> Response:
    actor = visitor.actor
    queue = review.queue(db, actor, None, 50)
    decisions = review.my_decisions(db, actor, None, 50)
    return render(
        request,
        "feed/moderation.html",
        visitor,
        status,
        **_shared(
            items=[presenters.item_out(db, actor, i) for i in queue.items],
            more=queue.next_cursor is not None,
            decisions=[presenters.decision_out(d) for d in decisions.items],
            stats=review.stats(db, actor),
            error=error,
        ),
    )


@router.get("/moderation")
def moderation_page(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    return _moderation_page(request, visitor, db)


@router.post("/moderation/items/{item_id}/decision")
async def decide(
    item_id: str,
    request: Request,
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
    clips: Clips = CLIPS,
) -> Response:
    form = await _form(request, visitor)
    try:
        data = DecisionIn.model_validate(
            {
                "outcome": form.get("outcome", ""),
                "guideline": form.get("guideline") or None,
                "note": form.get("note", ""),
            }
        )
        decision = review.decide(db, visitor.actor, item_id, data, clips)
    except FORM_ERRORS as exc:
        return _moderation_page(request, visitor, db, status=422, error=error_message(exc))
    done = "Approved" if decision.outcome == "approve" else "Rejected"
    return redirect("/moderation?notice=" + quote(f"{done}; the decision is recorded."))
