"""The one error the video library raises for input it cannot use."""

from __future__ import annotations

from porchlight.errors import PorchlightError


class VideoError(PorchlightError):
    """A video cannot be opened, decoded or written; ``detail`` says why, for people.

    It is a :class:`~porchlight.errors.PorchlightError` so that a worker that
    ingests an upload can answer it as a 422 problem without translating it.
    """

    def __init__(self, detail: str, *, source: str | None = None) -> None:
        super().__init__(detail, 422, "unusable-video", "Unusable video")
        self.source = source


class DetectorUnavailable(VideoError):
    """A detector cannot run here: its package or model file is missing."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
