"""Pages for signing in and out, API tokens, administration and the agency record."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from porchlight.accounts import twofactor
from porchlight.accounts.models import User
from porchlight.accounts.schemas import AgencyIn, TokenIn, UserIn
from porchlight.authz import ROLE_SCOPES, Action, Role, require
from porchlight.errors import PorchlightError
from porchlight.web.context import CSRF_COOKIE, SESSION_COOKIE, context
from porchlight.web.deps import (
    DB,
    PAGE_USER,
    SIGNED_IN,
    PageUser,
    check_csrf,
    client_address,
    login_csrf_ok,
    new_login_csrf,
)
from porchlight.web.pages import FORM_ERRORS, error_message, redirect, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    # Only local paths: an open redirect after sign-in would help phishing.
    return target if target.startswith("/") and not target.startswith("//") else "/home"


def _landing(role: str) -> str:
    return {"resident": "/home", "admin": "/admin"}.get(role, "/account/tokens")


@router.get("/")
def index(request: Request, visitor: PageUser = PAGE_USER) -> Response:
    return render(request, "index.html", visitor)


def _login_form(
    request: Request, visitor: PageUser, template: str, status: int, **values: object
) -> Response:
    """A sign-in step's page, with its signed double-submit CSRF pair."""
    nonce, token = new_login_csrf(context(request).secret_key)
    response = render(request, template, visitor, status, login_csrf=token, **values)
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=context(request).cookie_secure,
        path="/login",
    )
    return response


def _login_page(
    request: Request,
    visitor: PageUser,
    *,
    next_url: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    return _login_form(
        request, visitor, "login.html", status, next=next_url, email=email, error=error
    )


@router.get("/login")
def login_form(request: Request, next: str = "/home", visitor: PageUser = PAGE_USER) -> Response:
    if visitor.user is not None:
        return redirect(_landing(visitor.user.role))
    return _login_page(request, visitor, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/home"),
    visitor: PageUser = PAGE_USER,
    db: Session = DB,
) -> Response:
    ctx = context(request)
    if not login_csrf_ok(ctx.secret_key, request.cookies.get(CSRF_COOKIE, ""), csrf_token):
        return _login_page(
            request,
            visitor,
            next_url=_safe_next(next),
            email=email,
            status=403,
            error="The sign-in form expired; please try again.",
        )
    try:
        user = ctx.accounts.authenticate(db, email, password, client_address(request))
    except PorchlightError as exc:
        return _login_page(
            request,
            visitor,
            next_url=_safe_next(next),
            email=email,
            error=exc.detail,
            status=exc.status,
        )
    if ctx.accounts.two_step_on(user):
        # The password was right; the session starts only after the code.
        response = _code_page(request, visitor, next_url=_safe_next(next))
        until = int(time.time()) + SECOND_STEP_SECONDS
        response.set_cookie(
            SECOND_STEP_COOKIE,
            _second_step_token(ctx.secret_key, user.id, until),
            httponly=True,
            samesite="strict",
            secure=ctx.cookie_secure,
            max_age=SECOND_STEP_SECONDS,
            path="/login",
        )
        return response
    return _signed_in(request, db, user, next)


def _signed_in(request: Request, db: Session, user: User, next: str) -> Response:
    ctx = context(request)
    secret, _ = ctx.accounts.start_web_session(db, user)
    target = _safe_next(next) if next != "/home" else _landing(user.role)
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=ctx.cookie_secure,
        max_age=ctx.session_hours * 3600,
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/login")
    response.delete_cookie(SECOND_STEP_COOKIE, path="/login")
    return response


# -- two-step sign-in ------------------------------------------------------------------

SECOND_STEP_COOKIE = "porchlight_second_step"
#: How long the code may take after the password.
SECOND_STEP_SECONDS = 300


def _second_step_token(key: bytes, user_id: str, until: int) -> str:
    mac = hmac.new(key, f"second-step|{user_id}|{until}".encode(), hashlib.sha256).hexdigest()
    return f"{user_id}.{until}.{mac}"


def _second_step_user(key: bytes, token: str) -> str | None:
    """The account whose password was just right, if the cookie is genuine and fresh."""
    user_id, _, rest = token.partition(".")
    until, _, _ = rest.partition(".")
    if not until.isdigit() or int(until) < time.time():
        return None
    if not hmac.compare_digest(_second_step_token(key, user_id, int(until)), token):
        return None
    return user_id


def _code_page(
    request: Request,
    visitor: PageUser,
    *,
    next_url: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return _login_form(request, visitor, "login_code.html", status, next=next_url, error=error)


@router.post("/login/code")
def login_code(
    request: Request,
    code: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/home"),
    visitor: PageUser = PAGE_USER,
    db: Session = DB,
) -> Response:
    if visitor.user is not None:
        return redirect(_landing(visitor.user.role))
    ctx = context(request)
    user_id = _second_step_user(ctx.secret_key, request.cookies.get(SECOND_STEP_COOKIE, ""))
    user = db.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        return _login_page(
            request,
            visitor,
            next_url=_safe_next(next),
            status=401,
            error="Your sign-in took too long; enter your password again.",
        )
    if not login_csrf_ok(ctx.secret_key, request.cookies.get(CSRF_COOKIE, ""), csrf_token):
        return _code_page(
            request,
            visitor,
            next_url=_safe_next(next),
            status=403,
            error="The form expired; please enter the code again.",
        )
    try:
        ctx.accounts.check_second_step(db, user, code, client_address(request))
    except PorchlightError as exc:
        return _code_page(
            request, visitor, next_url=_safe_next(next), error=exc.detail, status=exc.status
        )
    return _signed_in(request, db, user, next)


def _security_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    *,
    status: int = 200,
    error: str | None = None,
    setup: tuple[str, str] | None = None,
    recovery_codes: list[str] | None = None,
) -> Response:
    user = context(request).accounts.security(db, visitor.actor)
    shown = None
    if setup is not None:
        shown = {"key": setup[0], "qr": twofactor.qr_svg(setup[1])}
    return render(
        request,
        "security.html",
        visitor,
        status,
        user=user,
        setup=shown,
        recovery_codes=recovery_codes,
        error=error,
    )


@router.get("/account/security")
def security(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    return _security_page(request, visitor, db)


@router.post("/account/security/setup")
def security_setup(
    request: Request, csrf_token: str = Form(""), visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    check_csrf(visitor, csrf_token)
    try:
        setup = context(request).accounts.begin_two_step(db, visitor.actor)
    except PorchlightError as exc:
        return _security_page(request, visitor, db, status=exc.status, error=exc.detail)
    return _security_page(request, visitor, db, setup=setup)


@router.post("/account/security/confirm")
def security_confirm(
    request: Request,
    code: str = Form(""),
    csrf_token: str = Form(""),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    check_csrf(visitor, csrf_token)
    accounts = context(request).accounts
    try:
        codes = accounts.confirm_two_step(db, visitor.actor, code)
    except PorchlightError as exc:
        setup = accounts.pending_two_step(db, visitor.actor)
        return _security_page(
            request, visitor, db, status=exc.status, error=exc.detail, setup=setup
        )
    return _security_page(request, visitor, db, status=201, recovery_codes=codes)


@router.post("/account/security/disable")
def security_disable(
    request: Request,
    password: str = Form(""),
    code: str = Form(""),
    csrf_token: str = Form(""),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    check_csrf(visitor, csrf_token)
    try:
        context(request).accounts.disable_two_step(
            db, visitor.actor, password, code, client_address(request)
        )
    except PorchlightError as exc:
        return _security_page(request, visitor, db, status=exc.status, error=exc.detail)
    return redirect("/account/security?notice=" + quote("Two-step sign-in is off."))


@router.post("/logout")
def logout(
    request: Request, csrf_token: str = Form(""), visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    check_csrf(visitor, csrf_token)
    assert visitor.web is not None
    context(request).accounts.end_web_session(db, visitor.web.id)
    response = redirect("/?notice=" + quote("You are signed out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/agencies")
def agencies(request: Request, visitor: PageUser = PAGE_USER, db: Session = DB) -> Response:
    page = context(request).accounts.list_agencies(db, visitor.actor, None, 200)
    return render(request, "agencies.html", visitor, agencies=page.items)


# -- API tokens --------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    visitor: PageUser,
    db: Session,
    *,
    status: int = 200,
    new_secret: str | None = None,
    error: str | None = None,
) -> Response:
    tokens = context(request).accounts.list_tokens(db, visitor.actor)
    scopes = sorted(s.value for s in ROLE_SCOPES[visitor.actor.role])
    return render(
        request,
        "tokens.html",
        visitor,
        status,
        tokens=tokens,
        scopes=scopes,
        new_secret=new_secret,
        error=error,
    )


@router.get("/account/tokens")
def tokens(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    return _tokens_page(request, visitor, db)


@router.post("/account/tokens")
async def create_token(
    request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    try:
        data = TokenIn(
            name=str(form.get("name", "")),
            scopes=[str(s) for s in form.getlist("scopes")] or None,
            expires_in_days=int(str(form.get("expires_in_days") or 90)),
        )
        secret, _ = context(request).accounts.issue_token(db, visitor.actor, data)
    except FORM_ERRORS as exc:
        return _tokens_page(
            request,
            visitor,
            db,
            status=422,
            error=error_message(exc, "expires in days: enter a whole number"),
        )
    return _tokens_page(request, visitor, db, status=201, new_secret=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str,
    request: Request,
    csrf_token: str = Form(""),
    visitor: PageUser = SIGNED_IN,
    db: Session = DB,
) -> Response:
    check_csrf(visitor, csrf_token)
    context(request).accounts.revoke_token(db, visitor.actor, token_id)
    return redirect("/account/tokens?notice=" + quote("Token revoked."))


# -- administration ------------------------------------------------------------------------


def _admin_page(
    request: Request, visitor: PageUser, db: Session, *, status: int = 200, error: str | None = None
) -> Response:
    accounts = context(request).accounts
    users = accounts.list_users(db, visitor.actor, None, 200).items
    agencies = accounts.list_agencies(db, visitor.actor, None, 200).items
    return render(
        request,
        "admin.html",
        visitor,
        status,
        users=users,
        agencies=agencies,
        roles=[r.value for r in Role if r is not Role.PUBLIC],
        error=error,
    )


@router.get("/admin")
def admin(request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB) -> Response:
    require(visitor.actor, Action.USER_ADMIN)
    return _admin_page(request, visitor, db)


@router.post("/admin/users")
async def admin_create_user(
    request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    require(visitor.actor, Action.USER_ADMIN)
    fields = {k: str(form.get(k, "")) for k in ("email", "display_name", "password", "role")}
    try:
        data = UserIn(**fields, agency_id=str(form.get("agency_id") or "") or None)
        user = context(request).accounts.create_user(db, visitor.actor, data)
    except FORM_ERRORS as exc:
        return _admin_page(request, visitor, db, status=422, error=error_message(exc))
    return redirect("/admin?notice=" + quote(f"Account {user.email} created."))


@router.post("/admin/agencies")
async def admin_create_agency(
    request: Request, visitor: PageUser = SIGNED_IN, db: Session = DB
) -> Response:
    form = await request.form()
    check_csrf(visitor, str(form.get("csrf_token", "")))
    require(visitor.actor, Action.AGENCY_ADMIN)
    try:
        retention = str(form.get("retention_days") or "")
        data = AgencyIn(
            name=str(form.get("name", "")),
            jurisdiction=str(form.get("jurisdiction", "")),
            public_contact=str(form.get("public_contact", "")),
            policy_url=str(form.get("policy_url") or "") or None,
            retention_days=int(retention) if retention.isdigit() else None,
        )
        agency = context(request).accounts.create_agency(db, visitor.actor, data)
    except FORM_ERRORS as exc:
        return _admin_page(request, visitor, db, status=422, error=error_message(exc))
    return redirect("/admin?notice=" + quote(f"Agency {agency.name} registered."))
