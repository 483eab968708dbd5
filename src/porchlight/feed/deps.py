"""Request dependencies of the feed routes: the pre-publication pipeline and the vault."""

from __future__ import annotations

from fastapi import Depends, Request

from porchlight.feed.moderation import Pipeline, default_pipeline
from porchlight.feed.service import Clips
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


def get_clips(request: Request) -> Clips:
    """The app's vault, and the redactor its shares use: a post shows a redacted copy."""
    web = context(request)
    return Clips(vault=web.vault, redactor=web.requests.redactor)


CLIPS = Depends(get_clips)
