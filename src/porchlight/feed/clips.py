"""A post's clip: neighbours only ever see a redacted copy, made after the post is saved.

Attaching a clip records the choice at once (the author's clip, with or without its
sound); the copy itself is rendered by :func:`prepare_post_clips` (faces and plates
blurred, which takes a while for a long clip): right after the response for web
requests, and by a periodic job for anything left over.  A copy is made only for a post
that is live or held; a rejected post keeps the name of its clip (for its author and
for an appeal) but no copy, and a withdrawn post neither.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from porchlight.authz import Actor
from porchlight.errors import InvalidInput, NotFound
from porchlight.feed.models import Post, Status
from porchlight.homes.models import Household
from porchlight.vault import copies
from porchlight.vault.models import Clip, VaultObject
from porchlight.vault.service import Vault

log = logging.getLogger("porchlight.feed")

# The kind of vault object a post's redacted copy is.
CLIP_COPY_KIND = "feed"
# Posts whose copies may be made: not rejected, not withdrawn.
_SHOWN = (Status.LIVE, Status.HELD)
# One preparation at a time per process.
_PREPARING = threading.Lock()


@dataclass(frozen=True)
class Clips:
    """What a post's clip needs: the vault, the redactor shares use (faces and plates
    blurred, sound dropped unless kept) and, from the web layer, a way to have a post's
    copy made right after the response (None: the caller runs the preparation)."""

    vault: Vault
    redactor: copies.Redactor | None
    schedule: Callable[[str], None] | None = None


def attach_clip(
    db: Session,
    actor: Actor,
    post: Post,
    clip_id: str,
    clips: Clips | None,
    keep_audio: bool | None = None,
) -> None:
    """Choose one of the author's own clips for the post (replacing any), silent unless
    ``keep_audio`` (unset: the household's "include sound" setting).  Its copy is made
    by :func:`prepare_post_clips` once the caller has saved the post and called
    :func:`want_copy`."""
    if clips is None:
        raise InvalidInput("Attaching a clip is not available here.", field_loc=["body", "clip_id"])
    not_yours = InvalidInput(
        "Attach a clip from one of your own households.", field_loc=["body", "clip_id"]
    )
    try:
        clip = clips.vault.get_clip(db, actor, clip_id)
    except NotFound:
        raise not_yours from None
    if clip.household_id not in actor.household_ids:
        raise not_yours
    copies.check_copyable(clip)  # an end-to-end clip is refused now (409), not later
    if keep_audio is None:
        home = db.get(Household, clip.household_id)
        keep_audio = bool(home and home.share_audio_default)
    drop_clip(db, post, clips)
    post.clip_id, post.clip_with_audio, post.clip_failure = clip.id, keep_audio, None


def want_copy(post: Post, clips: Clips | None) -> None:
    """Have the post's copy made soon, if it needs one (call after a flush)."""
    if clips is not None and clips.schedule is not None and needs_copy(post):
        clips.schedule(post.id)


def needs_copy(post: Post) -> bool:
    """A shown post with a clip, no copy yet, and no failure."""
    return (
        post.clip_id is not None
        and post.clip_object_id is None
        and post.clip_failure is None
        and post.status in _SHOWN
    )


ClipState = Literal["none", "preparing", "ready", "failed"]


def clip_state(post: Post) -> ClipState:
    """none, preparing, ready or failed: what the author is told about the copy."""
    if post.clip_object_id is not None:
        return "ready"
    if post.clip_id is None:
        return "none"
    if post.clip_failure is not None:
        return "failed"
    return "preparing" if post.status in _SHOWN else "none"


def drop_clip(
    db: Session, post: Post, clips: Clips | None, *, keep_reference: bool = False
) -> None:
    """Destroy the post's copy of its clip (key, then blob, then record) and forget it.

    With ``keep_reference`` the post still names the author's own clip (shown to the
    author only), so that a rejection overturned on appeal can bring the copy back."""
    object_id = post.clip_object_id
    post.clip_object_id = None
    if not keep_reference:
        post.clip_id, post.clip_with_audio, post.clip_failure = None, False, None
    db.flush()
    if object_id is None:
        return
    if clips is None:
        raise RuntimeError("A post's clip copy cannot be destroyed without the vault.")
    if db.get(VaultObject, object_id) is not None:
        copies.destroy_object(clips.vault, db, object_id)


def prepare_post_clips(db: Session, clips: Clips, post_ids: Iterable[str] | None = None) -> int:
    """Make the copies posts wait for (all, or those named); returns how many were made.

    Each post is committed on its own.  A clip deleted meanwhile leaves the post without
    one; a clip that cannot be rendered marks the post's clip as failed, with the reason
    for its author."""
    with _PREPARING:
        stmt = select(Post.id).where(
            Post.clip_id.is_not(None),
            Post.clip_object_id.is_(None),
            Post.clip_failure.is_(None),
            Post.status.in_([s.value for s in _SHOWN]),
        )
        if post_ids is not None:
            stmt = stmt.where(Post.id.in_(list(post_ids)))
        made = 0
        for post_id in list(db.scalars(stmt)):
            made += _prepare(db, clips, post_id)
        return made


def prepare_soon(sessions: sessionmaker[Session], clips: Clips, post_ids: list[str]) -> None:
    """Prepare the named posts' copies in a session of its own (a background task)."""
    try:
        with sessions() as db:
            prepare_post_clips(db, clips, post_ids)
    except Exception:  # the periodic job tries again
        log.exception("preparing the clips of posts %s failed", post_ids)


def _prepare(db: Session, clips: Clips, post_id: str) -> bool:
    post = db.get(Post, post_id)
    if post is None or not needs_copy(post):
        return False
    clip_id = post.clip_id
    clip = db.get(Clip, clip_id) if clip_id else None
    if clip is None:
        post.clip_id, post.clip_with_audio = None, False  # deleted by its owner meanwhile
        db.commit()
        return False
    try:
        copy = copies.attempt_copy(
            clips.vault, db, clip, CLIP_COPY_KIND, clips.redactor, keep_audio=post.clip_with_audio
        )
    except copies.CopyFailed as exc:
        failure = str(exc)
    else:
        post.clip_object_id = copy.id
        db.commit()
        _drop_if_unwanted(db, clips, post_id, clip_id)
        return True
    db.rollback()
    failed = db.get(Post, post_id)
    if failed is not None:
        failed.clip_failure = failure[:300]
        db.commit()
    return False


def _drop_if_unwanted(db: Session, clips: Clips, post_id: str, clip_id: str | None) -> None:
    """A post withdrawn, rejected or given another clip while its copy was being made
    loses that copy."""
    db.expire_all()
    post = db.get(Post, post_id)
    if post is None or post.clip_object_id is None:
        return
    if post.status not in _SHOWN or post.clip_id != clip_id:
        object_id = post.clip_object_id
        post.clip_object_id = None
        db.flush()
        if db.get(VaultObject, object_id) is not None:
            copies.destroy_object(clips.vault, db, object_id)
        db.commit()


def sweep_unwanted(db: Session, clips: Clips) -> int:
    """Copies of posts that no longer show them (a race the checks above can lose)."""
    stmt = select(Post).where(
        Post.clip_object_id.is_not(None), Post.status.not_in([s.value for s in _SHOWN])
    )
    count = 0
    for post in list(db.scalars(stmt)):
        drop_clip(db, post, clips, keep_reference=True)
        count += 1
    db.commit()
    return count
