"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from porchlight.accounts.models import Agency, ApiToken, User, WebSession
from porchlight.db import Base
from porchlight.feed.models import Comment, Decision, ModerationItem, Post, Report
from porchlight.homes.models import Camera, Household, HouseholdMember, PrivacyZone, SettingChange
from porchlight.requests.models import FootageRequest, RequestRecipient, Share, ShareExtension
from porchlight.transparency.models import (
    HouseholdSalt,
    LogEvent,
    Opening,
    SignedCheckpoint,
    TreeHash,
)
from porchlight.vault.models import (
    AccessEvent,
    Clip,
    HouseholdKey,
    Upload,
    VaultObject,
    WrappedKey,
)

__all__ = [
    "AccessEvent",
    "Agency",
    "ApiToken",
    "Base",
    "Camera",
    "Clip",
    "Comment",
    "Decision",
    "FootageRequest",
    "Household",
    "HouseholdKey",
    "HouseholdMember",
    "HouseholdSalt",
    "LogEvent",
    "ModerationItem",
    "Opening",
    "Post",
    "PrivacyZone",
    "Report",
    "RequestRecipient",
    "SettingChange",
    "Share",
    "ShareExtension",
    "SignedCheckpoint",
    "TreeHash",
    "Upload",
    "User",
    "VaultObject",
    "WebSession",
    "WrappedKey",
]
