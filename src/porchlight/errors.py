"""Errors that services raise and the web layer turns into RFC 9457 problems.

Services know nothing of HTTP; each error carries the status a client should see
and, for validation errors, the fields at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One invalid field: its location (``["body", "email"]``) and a message."""

    loc: list[str | int]
    msg: str


@dataclass
class PorchlightError(Exception):
    """Base class: a message for people and a short machine-readable kind."""

    detail: str
    status: int = 400
    kind: str = "bad-request"
    title: str = "Bad request"
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


class InvalidInput(PorchlightError):
    """The request is well formed but a value is not acceptable."""

    def __init__(self, detail: str, *, field_loc: list[str | int] | None = None) -> None:
        errors = [FieldError(field_loc, detail)] if field_loc else []
        super().__init__(detail, 422, "invalid-input", "Invalid input", errors)


class NotFound(PorchlightError):
    """The object does not exist, or the caller may not know that it exists."""

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail, 404, "not-found", "Not found")


class Forbidden(PorchlightError):
    """The caller is known but may not do this."""

    def __init__(self, detail: str = "You may not do this.") -> None:
        super().__init__(detail, 403, "forbidden", "Forbidden")


class Unauthenticated(PorchlightError):
    """No valid credentials were given."""

    def __init__(self, detail: str = "Sign in first.") -> None:
        super().__init__(
            detail,
            401,
            "unauthenticated",
            "Unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )


class Conflict(PorchlightError):
    """The request clashes with existing state (a duplicate, a stale version)."""

    def __init__(self, detail: str, *, field_loc: list[str | int] | None = None) -> None:
        errors = [FieldError(field_loc, detail)] if field_loc else []
        super().__init__(detail, 409, "conflict", "Conflict", errors)


class TooManyRequests(PorchlightError):
    """A rate limit or lockout applies; ``retry_after`` is in seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(
            detail,
            429,
            "too-many-requests",
            "Too many requests",
            headers={"Retry-After": str(max(1, retry_after))},
        )
