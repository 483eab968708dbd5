"""Request dependencies of the feed routes: the pre-publication pipeline and the vault."""

from __future__ import annotations

from fastapi import BackgroundTasks, Depends, Request

from porchlight.feed.clips import Clips, prepare_soon
from porchlight.feed.moderation import Pipeline, default_pipeline
from porchlight.web.context import context


def get_pipeline(request: Request) -> Pipeline:
    """The app's pipeline: ``app.state.feed_pipeline`` if the composition root (or a test)
    set one, else the default with the shipped classifier, built once per app."""
    pipeline: Pipeline | None = getattr(request.app.state, "feed_pipeline", None)
    if pipeline is None:
        pipeline = default_pipeline()
        request.app.state.feed_pipeline = pipeline
    return pipeline


PIPELINE = Depends(get_pipeline)


def get_clips(request: Request, background: BackgroundTasks) -> Clips:
    """The app's vault, and the redactor its shares use: a post shows a redacted copy,
    made right after the response (the request does not wait for the redaction)."""
    web = context(request)
    plain = Clips(vault=web.vault, redactor=web.requests.redactor)

    def schedule(post_id: str) -> None:
        background.add_task(prepare_soon, web.sessions, plain, [post_id])

    return Clips(vault=web.vault, redactor=web.requests.redactor, schedule=schedule)


CLIPS = Depends(get_clips)
