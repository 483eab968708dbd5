"""What the accounts API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from porchlight.authz import Role, Scope

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    """Input models refuse fields they do not know, so typos are not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(
        None,
        max_length=32,
        description="With two-step sign-in on: the 6-digit code from the authenticator "
        "app, or an unused recovery code",
    )


class TokenOut(BaseModel):
    """A token as listed: never its secret."""

    id: str
    name: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    """A newly issued token: the only time its secret is shown."""

    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type name, not a secret


class TokenIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: list[Scope] | None = Field(
        None, description="Defaults to every scope your role allows."
    )
    expires_in_days: int | None = Field(90, ge=1, le=365)


class UserIn(Strict):
    email: EmailStr
    display_name: Name
    password: str = Field(max_length=256)
    role: Role = Role.RESIDENT
    agency_id: str | None = None


class UserPatch(Strict):
    display_name: Name | None = None
    role: Role | None = None
    agency_id: str | None = None
    is_active: bool | None = None
    unlock: bool | None = Field(None, description="Clear a login lockout.")
    reset_two_step: bool | None = Field(
        None,
        description="Turn the account's two-step sign-in off (the person lost their phone and "
        "their recovery codes); recorded in the public log. They set it up again after "
        "signing in with their password.",
    )


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    role: Role
    agency_id: str | None
    is_active: bool
    locked: bool
    two_step: bool = Field(description="Two-step sign-in is on")
    created_at: datetime


class MeOut(UserOut):
    household_ids: list[str]
    scopes: list[Scope]


class AgencyIn(Strict):
    name: Name
    jurisdiction: Name
    public_contact: Name
    policy_url: (
        Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")] | None
    ) = None
    retention_days: int | None = Field(None, ge=1, le=3650)


class AgencyOut(BaseModel):
    """The public record of an agency."""

    id: str
    name: str
    jurisdiction: str
    public_contact: str
    policy_url: str | None
    retention_days: int | None
    created_at: datetime


class PageOut(BaseModel, Generic[T]):
    """A page of results; pass ``next_cursor`` as ``cursor`` to get the next one."""

    items: list[T]
    next_cursor: str | None
