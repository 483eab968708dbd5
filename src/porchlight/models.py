"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from porchlight.accounts.models import Agency, ApiToken, User, WebSession
from porchlight.db import Base
from porchlight.homes.models import Camera, Household, HouseholdMember, PrivacyZone, SettingChange

__all__ = [
    "Agency",
    "ApiToken",
    "Base",
    "Camera",
    "Household",
    "HouseholdMember",
    "PrivacyZone",
    "SettingChange",
    "User",
    "WebSession",
]
