"""Request dependencies: a database transaction, and who is asking.

The API authenticates with bearer tokens only; pages with the session cookie only.
Keeping the two apart means a cookie can never authorise an API call, so the API
needs no CSRF defence, and every page form carries a CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from porchlight.accounts.models import User, WebSession
from porchlight.authz import ANONYMOUS, Actor, Role, Scope
from porchlight.errors import Forbidden, PorchlightError, Unauthenticated
from porchlight.homes import service as homes
from porchlight.web.context import SESSION_COOKIE, context


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed if the route returns, else rolled back."""
    session = context(request).sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB = Depends(get_db, scope="function")


def actor_for(db: Session, user: User, scopes: frozenset[Scope] | None) -> Actor:
    """The authorization view of a signed-in user."""
    household_ids, owner_of = homes.memberships(db, user.id)
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        agency_id=user.agency_id,
        household_ids=household_ids,
        owner_of=owner_of,
        scopes=scopes,
    )


def client_address(request: Request) -> str:
    """The peer address, used to rate-limit sign-ins."""
    return request.client.host if request.client else "unknown"


def api_actor(request: Request, db: Session = DB) -> Actor:
    """The caller of an API route, from ``Authorization: Bearer``; anonymous if none."""
    header = request.headers.get("authorization", "")
    if not header:
        return ANONYMOUS
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Use 'Authorization: Bearer <token>'.")
    found = context(request).accounts.token_user(db, secret.strip())
    if found is None:
        raise Unauthenticated("The token is unknown, expired or revoked.")
    user, token = found
    require_two_step(request, user)
    request.state.token_id = token.id
    return actor_for(db, user, frozenset(Scope(s) for s in token.scopes.split()))


API_ACTOR = Depends(api_actor)


@dataclass
class PageUser:
    """Who is looking at a page: the actor, and their web session if signed in."""

    actor: Actor
    user: User | None
    web: WebSession | None
    pending_requests: int = 0  # police requests awaiting this resident's answer

    @property
    def csrf(self) -> str:
        return self.web.csrf_token if self.web else ""


class LoginRequired(PorchlightError):
    """A page needs a signed-in user; the handler redirects to the sign-in page."""

    def __init__(self) -> None:
        super().__init__("Sign in first.", 401, "unauthenticated", "Sign in")


def page_user(request: Request, db: Session = DB) -> PageUser:
    """The visitor of a page, from the session cookie; anonymous if none or expired."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        found = context(request).accounts.web_session(db, secret)
        if found is not None:
            user, web = found
            actor = actor_for(db, user, None)
            pending = context(request).requests.pending_count(db, actor)
            return PageUser(actor, user, web, pending)
    return PageUser(ANONYMOUS, None, None)


PAGE_USER = Depends(page_user)


def signed_in(request: Request, visitor: PageUser = PAGE_USER) -> PageUser:
    """A page for signed-in users: others are sent to the sign-in page, and staff who
    must use two-step sign-in and have not set it up, to the page that sets it up."""
    if visitor.user is None:
        raise LoginRequired()
    path = request.url.path
    if not path.startswith(TWO_STEP_SETUP_PATHS):
        require_two_step(request, visitor.user, page=True)
    return visitor


#: What a staff member without two-step sign-in may still reach: setting it up, leaving.
TWO_STEP_SETUP_PATHS = ("/account/security", "/logout")
STAFF_ROLES = frozenset(r.value for r in Role if r not in (Role.PUBLIC, Role.RESIDENT))


class TwoStepSetupRequired(PorchlightError):
    """A staff account that must use two-step sign-in has not turned it on."""

    def __init__(self) -> None:
        super().__init__(
            "Your role needs two-step sign-in: turn it on under Sign-in security "
            "(/account/security) first.",
            403,
            "two-step-setup-required",
            "Two-step sign-in required",
        )


class TwoStepSetupPage(TwoStepSetupRequired):
    """The same for a page: the app sends the visitor to the set-up page instead."""


def require_two_step(request: Request, user: User, *, page: bool = False) -> None:
    """Refuse staff without two-step sign-in where the server requires it."""
    ctx = context(request)
    if ctx.staff_need_two_step and user.role in STAFF_ROLES and not ctx.accounts.two_step_on(user):
        raise TwoStepSetupPage() if page else TwoStepSetupRequired()


SIGNED_IN = Depends(signed_in)


def check_csrf(visitor: PageUser, token: str) -> None:
    """Refuse a form post whose CSRF token does not match the visitor's session."""
    if not visitor.web or not hmac.compare_digest(visitor.web.csrf_token, token or ""):
        raise Forbidden("The form expired or did not come from this site; reload and try again.")


def _sign(secret_key: bytes, nonce: str) -> str:
    return hmac.new(secret_key, nonce.encode(), hashlib.sha256).hexdigest()


def new_login_csrf(secret_key: bytes) -> tuple[str, str]:
    """A signed double-submit pair for the sign-in form: (cookie nonce, form token).

    Before sign-in there is no session to bind a token to, so the form token is an
    HMAC of a cookie nonce under the server's secret: someone who can plant a cookie
    still cannot produce the matching form token.
    """
    nonce = secrets.token_urlsafe(24)
    return nonce, _sign(secret_key, nonce)


def login_csrf_ok(secret_key: bytes, nonce: str, token: str) -> bool:
    """Whether a sign-in form's token matches its cookie nonce."""
    return bool(nonce) and hmac.compare_digest(_sign(secret_key, nonce), token or "")
