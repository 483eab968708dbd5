"""JSON routes for sign-in, tokens, users and agencies."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from porchlight.accounts.models import Agency, ApiToken, User
from porchlight.accounts.schemas import (
    AgencyIn,
    AgencyOut,
    IssuedTokenOut,
    LoginIn,
    MeOut,
    PageOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from porchlight.authz import ROLE_SCOPES, Action, Actor, Role, Scope, require
from porchlight.db import utcnow
from porchlight.errors import PorchlightError, Unauthenticated
from porchlight.web.context import context
from porchlight.web.deps import API_ACTOR, DB, client_address, require_two_step

router = APIRouter(prefix="/api/v1", tags=["accounts"])

CURSOR = Query(None, description="next_cursor of the previous page")
LIMIT = Query(50, ge=1, le=200)


def token_out(token: ApiToken, secret: str | None = None) -> TokenOut:
    fields = {
        "id": token.id,
        "name": token.name,
        "scopes": [Scope(s) for s in token.scopes.split()],
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }
    return IssuedTokenOut(token=secret, **fields) if secret else TokenOut(**fields)


def user_out(user: User) -> UserOut:
    locked = user.locked_until is not None and user.locked_until > utcnow()
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=Role(user.role),
        agency_id=user.agency_id,
        is_active=user.is_active,
        locked=locked,
        two_step=user.totp_enabled_at is not None,
        created_at=user.created_at,
    )


def agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut.model_validate(agency, from_attributes=True)


@router.post("/auth/login", response_model=IssuedTokenOut, status_code=201)
def login(body: LoginIn, request: Request, db: Session = DB) -> TokenOut:
    """Exchange an email and password (and, with two-step sign-in on, a code) for a
    bearer token (for scripts and the CLI)."""
    accounts = context(request).accounts
    client = client_address(request)
    user = accounts.authenticate(db, str(body.email), body.password, client)
    require_two_step(request, user)  # staff who must use it and have not set it up
    if accounts.two_step_on(user):
        if not body.code:
            raise SecondStepRequired()
        accounts.check_second_step(db, user, body.code, client)
    secret, token = accounts.login_token(db, user)
    return token_out(token, secret)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> Response:
    """Revoke the token that made this call."""
    require(actor, Action.TOKEN_MANAGE)
    context(request).accounts.revoke_token(db, actor, request.state.token_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> MeOut:
    """Your account, your households and what your token may do."""
    if actor.user_id is None:
        raise Unauthenticated()
    user = context(request).accounts.get_user(db, actor, actor.user_id)
    scopes = actor.scopes if actor.scopes is not None else ROLE_SCOPES[actor.role]
    return MeOut(
        **user_out(user).model_dump(),
        household_ids=sorted(actor.household_ids),
        scopes=sorted(scopes),
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> list[TokenOut]:
    """Your API tokens (their secrets are never shown again)."""
    return [token_out(t) for t in context(request).accounts.list_tokens(db, actor)]


@router.post("/tokens", response_model=IssuedTokenOut, status_code=201)
def create_token(
    body: TokenIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> TokenOut:
    """Issue a token with some or all of your scopes; its secret is shown once."""
    secret, token = context(request).accounts.issue_token(db, actor, body)
    return token_out(token, secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> Response:
    """Revoke one of your tokens."""
    context(request).accounts.revoke_token(db, actor, token_id)
    return Response(status_code=204)


@router.get("/agencies", response_model=PageOut[AgencyOut])
def list_agencies(
    request: Request,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> PageOut[AgencyOut]:
    """The public record of partner agencies (anyone may read it)."""
    page = context(request).accounts.list_agencies(db, actor, cursor, limit)
    return PageOut(items=[agency_out(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("/admin/agencies", response_model=AgencyOut, status_code=201)
def create_agency(
    body: AgencyIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> AgencyOut:
    """Register an agency (admins)."""
    return agency_out(context(request).accounts.create_agency(db, actor, body))


@router.get("/admin/users", response_model=PageOut[UserOut])
def list_users(
    request: Request,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> PageOut[UserOut]:
    """Every account, a page at a time (admins)."""
    page = context(request).accounts.list_users(db, actor, cursor, limit)
    return PageOut(items=[user_out(u) for u in page.items], next_cursor=page.next_cursor)


@router.post("/admin/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserIn, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> UserOut:
    """Create an account (admins)."""
    return user_out(context(request).accounts.create_user(db, actor, body))


@router.get("/admin/users/{user_id}", response_model=UserOut)
def get_user(user_id: str, request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> UserOut:
    """One account (admins)."""
    require(actor, Action.USER_ADMIN)
    return user_out(context(request).accounts.get_user(db, actor, user_id))


@router.patch("/admin/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: str, body: UserPatch, request: Request, actor: Actor = API_ACTOR, db: Session = DB
) -> UserOut:
    """Change an account's name, role, agency or status, or clear a lockout (admins)."""
    return user_out(context(request).accounts.update_user(db, actor, user_id, body))


class SecondStepRequired(PorchlightError):
    """The password was right; the account also needs a code (a problem type of its own,
    so that a client knows to ask for it)."""

    def __init__(self) -> None:
        super().__init__(
            "This account uses two-step sign-in: send the 6-digit code from your "
            "authenticator app (or a recovery code) as `code`.",
            401,
            "second-step-required",
            "Two-step sign-in code required",
            headers={"WWW-Authenticate": "Bearer"},
        )
