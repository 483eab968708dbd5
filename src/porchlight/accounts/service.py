"""Account use cases: sign-in, sessions, tokens, users and agencies.

This is the only code that writes the accounts tables.  Every function that acts
for someone takes the acting :class:`~porchlight.authz.Actor` and asks
:mod:`porchlight.authz` first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from porchlight.accounts import twofactor
from porchlight.accounts.models import Agency, ApiToken, User, WebSession
from porchlight.accounts.passwords import Passwords, password_problem
from porchlight.accounts.ratelimit import FailureCounter, Limiter, MemoryFailureCounter
from porchlight.accounts.schemas import AgencyIn, TokenIn, UserIn, UserPatch
from porchlight.authz import (
    AGENCY_ROLES,
    ROLE_SCOPES,
    Action,
    Actor,
    Role,
    Scope,
    UserRes,
    require,
)
from porchlight.db import utcnow
from porchlight.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from porchlight.pagination import Page, paginate
from porchlight.transparency import service as transparency

TOKEN_PREFIX = "plt_"  # noqa: S105 - a public prefix that makes leaked tokens findable
# The operator at a shell (the CLI): may do what an admin may.
SYSTEM = Actor(user_id="system", role=Role.ADMIN)


@dataclass(frozen=True)
class AccountRules:
    """Limits chosen at start-up (from settings)."""

    session_hours: int = 12
    login_token_days: int = 30
    max_failures: int = 5
    lockout_minutes: int = 15


def _digest(secret: str) -> str:
    # Secrets are 256 random bits, so a fast hash is enough; there is nothing to guess.
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails are compared and stored in lower case."""
    return email.strip().lower()


class Accounts:
    """Account use cases, configured once and shared by the API, pages and CLI."""

    def __init__(
        self,
        passwords: Passwords,
        rules: AccountRules,
        limiter: Limiter,
        *,
        second_factor_key: str = "",
        unknown: FailureCounter | None = None,
    ) -> None:
        self.passwords = passwords
        self.rules = rules
        self.limiter = limiter
        # Seals two-step sign-in secrets (the server's SECRET_KEY).
        self.second_factor_key = second_factor_key
        # Failures against emails that have no account, counted like real ones so that
        # a lockout answer does not reveal which emails are registered.
        self.unknown = unknown or MemoryFailureCounter(
            rules.max_failures, timedelta(minutes=rules.lockout_minutes)
        )

    # -- sign-in -------------------------------------------------------------------

    def authenticate(self, db: Session, email: str, password: str, client: str) -> User:
        """Check credentials, counting failures; lock the account after too many."""
        wait = self.limiter.hit(client)
        if wait:
            raise TooManyRequests(
                "Too many sign-in attempts from your address; wait a minute.", wait
            )
        key = normalise_email(email)
        user = db.scalar(select(User).where(User.email == key))
        now = utcnow()
        locked_until = user.locked_until if user is not None else self.unknown.locked_until(key)
        if locked_until is not None and locked_until > now:
            seconds = int((locked_until - now).total_seconds())
            raise TooManyRequests(
                "This account is locked after repeated failed sign-ins; try again later.", seconds
            )
        ok = self.passwords.verify(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            if user is None:
                self.unknown.fail(key)
            elif not ok:
                self._count_failure(user, now)
                # The count must survive the refusal, which rolls the request back.
                db.commit()
            raise Unauthenticated("The email or password is wrong.")
        if user.totp_enabled_at is None:
            # With two-step sign-in the count is cleared only after the code: a known
            # password must not buy unlimited guesses at the code.
            user.failed_logins = 0
            user.locked_until = None
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = self.passwords.hash(password)
        return user

    def _count_failure(self, user: User, now: datetime) -> None:
        user.failed_logins += 1
        if user.failed_logins >= self.rules.max_failures:
            user.locked_until = now + timedelta(minutes=self.rules.lockout_minutes)
            user.failed_logins = 0

    # -- two-step sign-in --------------------------------------------------------------

    @staticmethod
    def two_step_on(user: User) -> bool:
        """Whether signing in as ``user`` needs a code after the password."""
        return user.totp_enabled_at is not None

    def _me(self, db: Session, actor: Actor) -> User:
        require(actor, Action.ACCOUNT_SECURITY)
        user = db.get(User, actor.user_id) if actor.user_id else None
        if user is None:
            raise Unauthenticated()
        return user

    def security(self, db: Session, actor: Actor) -> User:
        """The actor's own account, for its security page."""
        return self._me(db, actor)

    def begin_two_step(self, db: Session, actor: Actor) -> tuple[str, str]:
        """Start setting up two-step sign-in: a new secret, as text and as an otpauth
        address (for the QR code).  Nothing changes until a code confirms it."""
        user = self._me(db, actor)
        if self.two_step_on(user):
            raise Conflict("Two-step sign-in is already on.")
        secret = twofactor.new_secret()
        user.totp_pending = twofactor.seal(secret, self.second_factor_key, user.id)
        db.flush()
        return twofactor.secret_text(secret), twofactor.setup_uri(secret, user.email)

    def pending_two_step(self, db: Session, actor: Actor) -> tuple[str, str] | None:
        """The secret being set up (to show its QR code again), if any."""
        user = self._me(db, actor)
        if user.totp_pending is None:
            return None
        secret = twofactor.unseal(user.totp_pending, self.second_factor_key, user.id)
        return twofactor.secret_text(secret), twofactor.setup_uri(secret, user.email)

    def confirm_two_step(self, db: Session, actor: Actor, code: str) -> list[str]:
        """Turn two-step sign-in on with a code from the app; returns the recovery codes
        (shown once, stored only as digests)."""
        user = self._me(db, actor)
        if user.totp_pending is None:
            raise Conflict("Start setting up two-step sign-in first.")
        secret = twofactor.unseal(user.totp_pending, self.second_factor_key, user.id)
        step = twofactor.matching_step(secret, code, time.time(), None)
        if step is None:
            raise InvalidInput(
                "That is not the code your app shows now; check that your phone's clock is "
                "right and try the next code.",
                field_loc=["body", "code"],
            )
        user.totp_secret, user.totp_pending = user.totp_pending, None
        user.totp_enabled_at, user.totp_last_step = utcnow(), step
        codes = twofactor.new_recovery_codes()
        user.recovery_digests = [twofactor.recovery_digest(c) for c in codes]
        db.flush()
        return codes

    def disable_two_step(
        self, db: Session, actor: Actor, password: str, code: str, client: str
    ) -> None:
        """Turn two-step sign-in off: needs the password and a code (or a recovery code)."""
        user = self._me(db, actor)
        if not self.two_step_on(user):
            raise Conflict("Two-step sign-in is off.")
        if not self.passwords.verify(user.password_hash, password):
            raise InvalidInput("The password is wrong.", field_loc=["body", "password"])
        self.check_second_step(db, user, code, client)
        user.totp_secret = user.totp_pending = None
        user.totp_enabled_at = user.totp_last_step = None
        user.recovery_digests = []
        db.flush()

    def check_second_step(self, db: Session, user: User, code: str, client: str) -> None:
        """Accept a current code (once) or an unused recovery code (then spent).  A wrong
        code counts like a wrong password towards the lockout."""
        wait = self.limiter.hit(client)
        if wait:
            raise TooManyRequests(
                "Too many sign-in attempts from your address; wait a minute.", wait
            )
        now = utcnow()
        if user.locked_until is not None and user.locked_until > now:
            seconds = int((user.locked_until - now).total_seconds())
            raise TooManyRequests(
                "This account is locked after repeated failed sign-ins; try again later.", seconds
            )
        step = None
        if user.totp_secret is not None:
            try:
                secret = twofactor.unseal(user.totp_secret, self.second_factor_key, user.id)
            except InvalidTag:  # SECRET_KEY changed: only recovery codes still work
                secret = None
            if secret is not None:
                step = twofactor.matching_step(secret, code, time.time(), user.totp_last_step)
        digest = twofactor.recovery_digest(code)
        if step is not None:
            user.totp_last_step = step
        elif digest in user.recovery_digests:
            user.recovery_digests = [d for d in user.recovery_digests if d != digest]
        else:
            self._count_failure(user, now)
            db.commit()  # the count survives the refusal
            raise Unauthenticated("The code is wrong, or was used already.")
        user.failed_logins = 0
        user.locked_until = None

    def start_web_session(self, db: Session, user: User) -> tuple[str, WebSession]:
        """Open a browser session; return the cookie secret (stored only as a hash)."""
        secret = secrets.token_urlsafe(32)
        web = WebSession(
            user_id=user.id,
            secret_hash=_digest(secret),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(hours=self.rules.session_hours),
        )
        db.add(web)
        db.flush()
        return secret, web

    def web_session(self, db: Session, secret: str) -> tuple[User, WebSession] | None:
        """The live session and user behind a cookie secret, if any."""
        web = db.scalar(select(WebSession).where(WebSession.secret_hash == _digest(secret)))
        if web is None or web.expires_at <= utcnow():
            return None
        user = db.get(User, web.user_id)
        if user is None or not user.is_active:
            return None
        return user, web

    def end_web_session(self, db: Session, web_session_id: str) -> None:
        """Sign a browser out."""
        web = db.get(WebSession, web_session_id)
        if web is not None:
            db.delete(web)

    # -- API tokens ----------------------------------------------------------------

    def issue_token(self, db: Session, actor: Actor, data: TokenIn) -> tuple[str, ApiToken]:
        """Create a token for the actor; return its secret, which is never shown again."""
        require(actor, Action.TOKEN_MANAGE)
        assert actor.user_id is not None
        allowed = ROLE_SCOPES[actor.role] if actor.scopes is None else actor.scopes
        scopes = set(data.scopes) if data.scopes is not None else set(allowed)
        extra = scopes - set(allowed)
        if extra:
            names = ", ".join(sorted(s.value for s in extra))
            raise InvalidInput(f"Your role cannot grant: {names}.", field_loc=["body", "scopes"])
        if not scopes:
            raise InvalidInput("A token needs at least one scope.", field_loc=["body", "scopes"])
        return self._new_token(db, actor.user_id, data.name, scopes, data.expires_in_days)

    def login_token(self, db: Session, user: User) -> tuple[str, ApiToken]:
        """A token for a script that signed in with a password: every scope of the role."""
        scopes = set(ROLE_SCOPES[Role(user.role)])
        return self._new_token(db, user.id, "login", scopes, self.rules.login_token_days)

    def _new_token(
        self, db: Session, user_id: str, name: str, scopes: set[Scope], days: int | None
    ) -> tuple[str, ApiToken]:
        token = ApiToken(
            user_id=user_id,
            name=name,
            secret_hash="",
            scopes=" ".join(sorted(s.value for s in scopes)),
            expires_at=utcnow() + timedelta(days=days) if days else None,
        )
        db.add(token)
        db.flush()
        secret = f"{TOKEN_PREFIX}{token.id}_{secrets.token_urlsafe(32)}"
        token.secret_hash = _digest(secret)
        return secret, token

    def token_user(self, db: Session, secret: str) -> tuple[User, ApiToken] | None:
        """The user and token behind a bearer secret, if it is live."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        token_id = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
        token = db.get(ApiToken, token_id)
        if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
            return None
        now = utcnow()
        if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            return None
        user = db.get(User, token.user_id)
        if user is None or not user.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
        return user, token

    def list_tokens(self, db: Session, actor: Actor) -> list[ApiToken]:
        """The actor's own tokens, newest first, revoked ones included."""
        require(actor, Action.TOKEN_MANAGE)
        stmt = select(ApiToken).where(ApiToken.user_id == actor.user_id)
        return list(db.scalars(stmt.order_by(ApiToken.id.desc())))

    def revoke_token(self, db: Session, actor: Actor, token_id: str) -> ApiToken:
        """Revoke one of the actor's own tokens.  Revoking twice is harmless."""
        require(actor, Action.TOKEN_MANAGE)
        token = db.get(ApiToken, token_id)
        if token is None or token.user_id != actor.user_id:
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
        return token

    # -- users ---------------------------------------------------------------------

    def create_user(self, db: Session, actor: Actor, data: UserIn) -> User:
        """Create an account (admins, and the operator through the CLI)."""
        require(actor, Action.USER_ADMIN)
        email = normalise_email(str(data.email))
        problem = password_problem(data.password, email=email)
        if problem:
            raise InvalidInput(problem, field_loc=["body", "password"])
        self._check_agency(db, data.role, data.agency_id)
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict(
                "An account with this email already exists.", field_loc=["body", "email"]
            )
        user = User(
            email=email,
            display_name=data.display_name,
            password_hash=self.passwords.hash(data.password),
            role=data.role.value,
            agency_id=data.agency_id if data.role in AGENCY_ROLES else None,
        )
        db.add(user)
        db.flush()
        return user

    def _check_agency(self, db: Session, role: Role, agency_id: str | None) -> None:
        if role in AGENCY_ROLES:
            if not agency_id or db.get(Agency, agency_id) is None:
                raise InvalidInput(
                    "Officers and supervisors must belong to an existing agency.",
                    field_loc=["body", "agency_id"],
                )
        elif agency_id:
            raise InvalidInput(
                "Only officers and supervisors belong to an agency.",
                field_loc=["body", "agency_id"],
            )

    def get_user(self, db: Session, actor: Actor, user_id: str) -> User:
        """One account: your own, or any for an admin."""
        if actor.user_id != user_id:
            require(actor, Action.USER_ADMIN)
        else:
            require(actor, Action.ACCOUNT_READ, UserRes(user_id))
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        return user

    def list_users(self, db: Session, actor: Actor, cursor: str | None, limit: int) -> Page[User]:
        """Every account, oldest first, a page at a time (admins)."""
        require(actor, Action.USER_ADMIN)
        return paginate(db, select(User), User.id, cursor, limit)

    def update_user(self, db: Session, actor: Actor, user_id: str, patch: UserPatch) -> User:
        """Change an account's name, role, agency or status; clear a lockout (admins)."""
        require(actor, Action.USER_ADMIN)
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        fields = patch.model_dump(exclude_unset=True)
        role = Role(fields.get("role", user.role))
        agency_id = fields.get("agency_id", user.agency_id)
        if role not in AGENCY_ROLES and "agency_id" not in fields:
            agency_id = None
        self._check_agency(db, role, agency_id)
        if user.id == actor.user_id and (
            role is not Role.ADMIN or fields.get("is_active") is False
        ):
            raise InvalidInput("You cannot demote or deactivate yourself.", field_loc=["body"])
        user.role, user.agency_id = role.value, agency_id
        if patch.display_name is not None:
            user.display_name = patch.display_name
        if patch.is_active is not None:
            user.is_active = patch.is_active
        if patch.unlock:
            user.locked_until, user.failed_logins = None, 0
        if patch.reset_two_step and self.two_step_on(user):
            user.totp_secret = user.totp_pending = None
            user.totp_enabled_at = user.totp_last_step = None
            user.recovery_digests = []
            # In public: that an admin turned someone's two-step sign-in off, and of
            # which role; never whose.
            transparency.record(db, "admin:two_step:reset", detail={"role": user.role})
        return user

    def count_users(self, db: Session) -> int:
        """How many accounts exist (for the demo and the health page)."""
        return db.scalar(select(func.count()).select_from(User)) or 0

    def find_user(self, db: Session, email: str) -> User | None:
        """Look an account up by email (for the operator's CLI and the demo seeder)."""
        return db.scalar(select(User).where(User.email == normalise_email(email)))

    # -- agencies ------------------------------------------------------------------

    def create_agency(self, db: Session, actor: Actor, data: AgencyIn) -> Agency:
        """Register a police department (admins).  Its record is public from then on."""
        require(actor, Action.AGENCY_ADMIN)
        if db.scalar(select(Agency.id).where(Agency.name == data.name)) is not None:
            raise Conflict("An agency with this name already exists.", field_loc=["body", "name"])
        agency = Agency(**data.model_dump())
        db.add(agency)
        db.flush()
        return agency

    def list_agencies(
        self, db: Session, actor: Actor, cursor: str | None, limit: int
    ) -> Page[Agency]:
        """The public record of every partner agency."""
        require(actor, Action.AGENCY_LIST)
        return paginate(db, select(Agency), Agency.id, cursor, limit)

    def find_agency(self, db: Session, name: str) -> Agency | None:
        """Look an agency up by its exact name."""
        return db.scalar(select(Agency).where(Agency.name == name))
