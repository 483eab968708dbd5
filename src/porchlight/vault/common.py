"""Names and limits shared by the vault's modules."""

from __future__ import annotations

from dataclasses import dataclass

from porchlight.errors import PorchlightError

VAULT = "vault"
HOUSEHOLD = "household"
CONTENT_TYPES = {"media": "video/mp4", "thumbnail": "image/jpeg"}
# Access-log actions as transparency log verbs (owner:clip:viewed, ...).
LOGGED_AS = {
    "view": "viewed",
    "thumbnail": "thumbnail_viewed",
    "export": "exported",
    "download": "downloaded",
    "delete": "deleted",
}


class PayloadTooLarge(PorchlightError):
    """A clip over the size limit, or a household over its storage quota."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 413, "payload-too-large", "Payload too large")


@dataclass(frozen=True)
class VaultLimits:
    """Size limits chosen at start-up (from settings)."""

    max_clip_bytes: int = 2 * 1024**3 + 64 * 1024**2
    max_thumbnail_bytes: int = 2 * 1024**2
    max_clip_seconds: int = 30 * 60
    household_quota_bytes: int = 50 * 1024**3
    upload_hours: int = 24
