"""Authorization: the one place that decides whether an actor may do an action.

Every service calls :func:`require` (or :func:`can`) before it reads or writes.
The rules are a table, one entry per action, so that the whole policy can be
read in one screen and tested route by route (tests/test_authorization_matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from porchlight.errors import Forbidden, NotFound, Unauthenticated


class Role(StrEnum):
    """The role an account holds.  ``public`` is anyone not signed in."""

    PUBLIC = "public"
    RESIDENT = "resident"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    MODERATOR = "moderator"
    LEGAL_REVIEWER = "legal_reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


AGENCY_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
ACCOUNT_ROLES = tuple(r for r in Role if r is not Role.PUBLIC)


class Scope(StrEnum):
    """What an API token may be used for.  Web sessions carry every scope of their role."""

    ACCOUNT = "account"
    HOUSEHOLD_READ = "household:read"
    HOUSEHOLD_WRITE = "household:write"
    CLIPS_READ = "clips:read"
    CLIPS_UPLOAD = "clips:upload"
    AGENCY = "agency"
    FEED = "feed"
    MODERATION = "moderation"
    ADMIN = "admin"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.PUBLIC: frozenset(),
    Role.RESIDENT: frozenset(
        {
            Scope.ACCOUNT,
            Scope.HOUSEHOLD_READ,
            Scope.HOUSEHOLD_WRITE,
            Scope.CLIPS_READ,
            Scope.CLIPS_UPLOAD,
        }
    ),
    Role.ADMIN: frozenset({Scope.ACCOUNT, Scope.ADMIN}),
}
for _role in (Role.MODERATOR, Role.LEGAL_REVIEWER, Role.AUDITOR):
    ROLE_SCOPES[_role] = frozenset({Scope.ACCOUNT})
for _role in (Role.OFFICER, Role.SUPERVISOR):
    ROLE_SCOPES[_role] = frozenset({Scope.ACCOUNT, Scope.AGENCY})
# The neighbourhood feed: residents read and post in their area; moderators work the queue.
ROLE_SCOPES[Role.RESIDENT] |= {Scope.FEED}
ROLE_SCOPES[Role.MODERATOR] |= {Scope.MODERATION}


@dataclass(frozen=True)
class Actor:
    """Who is asking: an account with its role, households and token scopes."""

    user_id: str | None
    role: Role
    agency_id: str | None = None
    household_ids: frozenset[str] = field(default_factory=frozenset)
    owner_of: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[Scope] | None = None  # None: a web session, every scope of the role

    @property
    def authenticated(self) -> bool:
        """Whether this actor signed in."""
        return self.user_id is not None

    def has_scope(self, scope: Scope) -> bool:
        """Whether the actor's role grants ``scope`` and its token (if any) carries it."""
        if scope not in ROLE_SCOPES[self.role]:
            return False
        return self.scopes is None or scope in self.scopes


ANONYMOUS = Actor(user_id=None, role=Role.PUBLIC)


@dataclass(frozen=True)
class HouseholdRes:
    """A household, or anything owned by one (a camera, a zone, a setting)."""

    household_id: str


@dataclass(frozen=True)
class UserRes:
    """An account."""

    user_id: str


@dataclass(frozen=True)
class FeedRes:
    """A feed post or comment: who wrote it, whether it is live, and whether it lies in the
    asking resident's area (the feed service works that out from the cells)."""

    author_id: str
    live: bool
    in_area: bool


@dataclass(frozen=True)
class AgencyRes:
    """Something that belongs to one agency: its requests, the shares it received."""

    agency_id: str


Resource = HouseholdRes | UserRes | FeedRes | AgencyRes | None


class Action(StrEnum):
    """Everything the system lets someone do, named ``object:verb``."""

    ACCOUNT_READ = "account:read"
    TOKEN_MANAGE = "token:manage"  # noqa: S105 - an action name
    ACCOUNT_SECURITY = "account:security"  # one's own two-step sign-in
    DASHBOARD_VIEW = "dashboard:view"
    HOUSEHOLD_LIST = "household:list"
    HOUSEHOLD_CREATE = "household:create"
    HOUSEHOLD_READ = "household:read"
    HOUSEHOLD_UPDATE = "household:update"
    HOUSEHOLD_DELETE = "household:delete"
    CAMERA_WRITE = "camera:write"
    SETTINGS_UPDATE = "settings:update"
    CLIP_READ = "clip:read"
    CLIP_UPLOAD = "clip:upload"
    CLIP_EXPORT = "clip:export"
    CLIP_DELETE = "clip:delete"
    VAULT_KEYS = "vault:keys"
    REQUEST_DRAFT = "request:draft"
    REQUEST_READ = "request:read"
    REQUEST_APPROVE = "request:approve"
    SHARE_VIEW = "share:view"
    INBOX_RESPOND = "inbox:respond"
    USER_ADMIN = "user:admin"
    AGENCY_ADMIN = "agency:admin"
    AGENCY_LIST = "agency:list"
    FEED_READ = "feed:read"
    FEED_POST = "feed:post"
    FEED_ITEM_READ = "feed:item:read"
    FEED_ITEM_EDIT = "feed:item:edit"
    FEED_ITEM_RESPOND = "feed:item:respond"
    MODERATION_WORK = "moderation:work"
    MODERATION_STATS = "moderation:stats"
    LOG_READ = "log:read"
    TRANSPARENCY_READ = "transparency:read"
    RECORD_READ = "record:read"


def _member(actor: Actor, res: Resource) -> bool:
    return isinstance(res, HouseholdRes) and res.household_id in actor.household_ids


def _owner(actor: Actor, res: Resource) -> bool:
    return isinstance(res, HouseholdRes) and res.household_id in actor.owner_of


def _self(actor: Actor, res: Resource) -> bool:
    return isinstance(res, UserRes) and res.user_id == actor.user_id


def _anyone(actor: Actor, res: Resource) -> bool:
    return True


def _signed_in(actor: Actor, res: Resource) -> bool:
    return actor.authenticated


def _resident(actor: Actor, res: Resource) -> bool:
    return actor.role is Role.RESIDENT


def _agency_member(actor: Actor, res: Resource) -> bool:
    if actor.role not in AGENCY_ROLES or actor.agency_id is None:
        return False
    return res is None or (isinstance(res, AgencyRes) and res.agency_id == actor.agency_id)


def _agency_supervisor(actor: Actor, res: Resource) -> bool:
    return actor.role is Role.SUPERVISOR and _agency_member(actor, res)


def _admin(actor: Actor, res: Resource) -> bool:
    return actor.role is Role.ADMIN


def _moderator(actor: Actor, res: Resource) -> bool:
    return actor.role is Role.MODERATOR


def _author(actor: Actor, res: Resource) -> bool:
    return isinstance(res, FeedRes) and res.author_id == actor.user_id


def _neighbour_of(actor: Actor, res: Resource) -> bool:
    return _resident(actor, res) and isinstance(res, FeedRes) and res.live and res.in_area


def _feed_item_reader(actor: Actor, res: Resource) -> bool:
    return _author(actor, res) or _moderator(actor, res) or _neighbour_of(actor, res)


@dataclass(frozen=True)
class Rule:
    """Who may do an action (``allow``), needing which token scope, and who may see it exists."""

    allow: Callable[[Actor, Resource], bool]
    scope: Scope | None
    # Whether a refusal should look like "not found" (the actor may not learn it exists).
    hide: bool = False


# Household data (address, cameras, zones, settings) is private to the household's
# members: no staff role, not even an admin, may read it.  Settings that change who
# can reach the footage are the owner's alone.
RULES: dict[Action, Rule] = {
    # Any live token may tell whose it is and what it may do.
    Action.ACCOUNT_READ: Rule(_self, None),
    Action.TOKEN_MANAGE: Rule(_signed_in, Scope.ACCOUNT),
    Action.ACCOUNT_SECURITY: Rule(_signed_in, Scope.ACCOUNT),
    Action.DASHBOARD_VIEW: Rule(_resident, Scope.HOUSEHOLD_READ),
    Action.HOUSEHOLD_LIST: Rule(_signed_in, None),
    Action.HOUSEHOLD_CREATE: Rule(_resident, Scope.HOUSEHOLD_WRITE),
    Action.HOUSEHOLD_READ: Rule(_member, Scope.HOUSEHOLD_READ, hide=True),
    Action.HOUSEHOLD_UPDATE: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    Action.HOUSEHOLD_DELETE: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    Action.CAMERA_WRITE: Rule(_member, Scope.HOUSEHOLD_WRITE, hide=True),
    Action.SETTINGS_UPDATE: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    # Footage: members of the household see and upload it; only the owner exports,
    # deletes or changes its keys.  No staff role appears here: nobody else can.
    Action.CLIP_READ: Rule(_member, Scope.CLIPS_READ, hide=True),
    Action.CLIP_UPLOAD: Rule(_member, Scope.CLIPS_UPLOAD, hide=True),
    Action.CLIP_EXPORT: Rule(_owner, Scope.CLIPS_READ, hide=True),
    Action.CLIP_DELETE: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    Action.VAULT_KEYS: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    # Police requests: officers draft, a supervisor of the same agency approves (and not
    # their own: the service checks the two-person rule).  An agency sees only its own
    # requests and the shares made to it; owners answer for their own household.
    Action.REQUEST_DRAFT: Rule(_agency_member, Scope.AGENCY),
    Action.REQUEST_READ: Rule(_agency_member, Scope.AGENCY, hide=True),
    Action.REQUEST_APPROVE: Rule(_agency_supervisor, Scope.AGENCY),
    Action.SHARE_VIEW: Rule(_agency_member, Scope.AGENCY, hide=True),
    Action.INBOX_RESPOND: Rule(_owner, Scope.HOUSEHOLD_WRITE, hide=True),
    Action.USER_ADMIN: Rule(_admin, Scope.ADMIN),
    Action.AGENCY_ADMIN: Rule(_admin, Scope.ADMIN),
    Action.AGENCY_LIST: Rule(_anyone, None),
    # The feed is for residents, each in their own area; staff never post as residents.
    # A post that is not live (held, rejected) is seen by its author and moderators alone.
    Action.FEED_READ: Rule(_resident, Scope.FEED),
    Action.FEED_POST: Rule(_resident, Scope.FEED),
    Action.FEED_ITEM_READ: Rule(_feed_item_reader, None, hide=True),
    Action.FEED_ITEM_EDIT: Rule(_author, Scope.FEED),
    Action.FEED_ITEM_RESPOND: Rule(_neighbour_of, Scope.FEED),
    Action.MODERATION_WORK: Rule(_moderator, Scope.MODERATION),
    # Moderation figures are aggregate counts meant for the public transparency pages.
    Action.MODERATION_STATS: Rule(_anyone, None),
    # The transparency log and its reports are public; "My record" (the receipts that open
    # a household's commitments) is for the household's own members.
    Action.LOG_READ: Rule(_anyone, None),
    Action.TRANSPARENCY_READ: Rule(_anyone, None),
    Action.RECORD_READ: Rule(_resident, Scope.HOUSEHOLD_READ),
}


def can(actor: Actor, action: Action, resource: Resource = None) -> bool:
    """Decide whether ``actor`` may do ``action`` on ``resource``."""
    rule = RULES[action]
    if rule.scope is not None and not actor.has_scope(rule.scope):
        return False
    return rule.allow(actor, resource)


def require(actor: Actor, action: Action, resource: Resource = None) -> None:
    """Raise unless ``actor`` may do ``action``: 401 if not signed in, else 404 or 403.

    A refusal on an object the actor may not even see is reported as "not found", so
    that nobody learns which households or cameras exist.
    """
    if can(actor, action, resource):
        return
    rule = RULES[action]
    if not actor.authenticated and rule.allow is not _anyone:
        raise Unauthenticated()
    if rule.hide and not (isinstance(resource, HouseholdRes) and _member(actor, resource)):
        raise NotFound()
    if (
        rule.scope is not None
        and rule.scope in ROLE_SCOPES[actor.role]
        and actor.scopes is not None
    ):
        raise Forbidden(f"This token lacks the scope {rule.scope.value!r}.")
    raise Forbidden()
