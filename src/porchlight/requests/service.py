"""Police request use cases: draft, approve (two people), fan out, answer, share, view,
extend, close and expire.  The only code that writes the requests tables.

What an agency can learn is decided here: its requests, counts of households, and the
copies owners chose to share.  Nothing here returns to an agency which households
were asked, where they are, or who declined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from porchlight import geo
from porchlight.accounts.models import Agency
from porchlight.authz import Action, Actor, AgencyRes, HouseholdRes, require
from porchlight.db import utcnow
from porchlight.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PorchlightError,
)
from porchlight.homes import service as homes
from porchlight.homes.models import Household
from porchlight.requests import rules
from porchlight.requests.limits import RequestLimits
from porchlight.requests.models import FootageRequest, RequestRecipient, Share
from porchlight.requests.schemas import RequestIn, ResponseIn
from porchlight.requests.shares import ShareKeeping
from porchlight.transparency import service as transparency
from porchlight.vault import copies
from porchlight.vault.models import Clip
from porchlight.vault.service import Vault


@dataclass
class Counts:
    households_asked: int
    households_shared: int
    no_answer_or_declined: int
    clips_shared: int


class RuleProblem(PorchlightError):
    """A request broke a rule; the problem's type names the rule."""

    def __init__(self, broken: rules.RuleBroken) -> None:
        super().__init__(
            broken.message,
            422,
            f"rule/{broken.rule}",
            "A request rule was broken",
            [FieldError(["body", broken.field], broken.message)],
        )


class TooManyRequestsHere(PorchlightError):
    """A weekly cap on requests (per agency, or per area for all agencies) is reached."""

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(
            detail,
            429,
            f"rule/{rule}",
            "Request limit reached",
            headers={"Retry-After": str(24 * 3600)},
        )


def _rule(check: Callable[..., None], *args: object) -> None:
    try:
        check(*args)
    except rules.RuleBroken as broken:
        raise RuleProblem(broken) from None


class Requests(ShareKeeping):
    """Footage requests, configured with the vault (for shared copies) and the limits."""

    def __init__(
        self, vault: Vault, limits: RequestLimits, redactor: copies.Redactor | None = None
    ) -> None:
        self.vault = vault
        self.limits = limits
        self.redactor = redactor

    # -- the agency's side --------------------------------------------------------------

    def _agency(self, db: Session, actor: Actor) -> Agency:
        agency = db.get(Agency, actor.agency_id) if actor.agency_id else None
        if agency is None:
            raise Forbidden("Only members of an agency may do this.")
        return agency

    def draft(self, db: Session, actor: Actor, data: RequestIn) -> FootageRequest:
        """An officer drafts a request; it goes nowhere until a supervisor approves it."""
        require(actor, Action.REQUEST_DRAFT)
        agency = self._agency(db, actor)
        if not (agency.policy_url and agency.retention_days and agency.public_contact):
            raise Conflict(
                "Your agency's public record is incomplete (footage policy and "
                "retention must be published) so it cannot ask for footage."
            )
        _rule(rules.check_case_number, data.case_number)
        _rule(rules.check_incident_type, data.incident_type)
        _rule(rules.check_justification, data.justification)
        _rule(rules.check_window, data.incident_at, data.window_start, data.window_end, utcnow())
        try:
            points, sq_mi = rules.check_area(data.area)
        except rules.RuleBroken as broken:
            raise RuleProblem(broken) from None
        same_case = (
            db.scalar(
                select(func.count())
                .select_from(FootageRequest)
                .where(
                    FootageRequest.agency_id == agency.id,
                    FootageRequest.case_number == data.case_number,
                )
            )
            or 0
        )
        if same_case >= rules.MAX_REQUESTS_PER_CASE:
            raise RuleProblem(
                rules.RuleBroken(
                    "requests-per-case",
                    "case_number",
                    f"At most {rules.MAX_REQUESTS_PER_CASE} requests may be made for one case.",
                )
            )
        lng = sum(p[0] for p in points) / len(points)
        lat = sum(p[1] for p in points) / len(points)
        request = FootageRequest(
            agency_id=agency.id,
            created_by=actor.user_id,
            case_number=data.case_number,
            incident_type=data.incident_type,
            justification=data.justification,
            incident_at=data.incident_at,
            window_start=data.window_start,
            window_end=data.window_end,
            area=data.area,
            area_sq_mi=round(sq_mi, 4),
            public_cell=geo.cell_for(lat, lng, geo.PUBLIC_RESOLUTION),
            contact=data.contact,
        )
        db.add(request)
        db.flush()
        transparency.record(
            db,
            "agency:request:created",
            agency_id=agency.id,
            request_id=request.id,
            case_number=request.case_number,
            cell=request.public_cell,
            detail={"incident_type": request.incident_type, "area_sq_mi": str(request.area_sq_mi)},
        )
        return request

    def _own(self, db: Session, actor: Actor, request_id: str) -> FootageRequest:
        request = db.get(FootageRequest, request_id)
        if request is None:
            raise NotFound("No such request.")
        require(actor, Action.REQUEST_READ, AgencyRes(request.agency_id))
        return request

    def approve(self, db: Session, actor: Actor, request_id: str) -> FootageRequest:
        """A supervisor, not the author, approves a draft; it then reaches households."""
        request = self._own(db, actor, request_id)
        require(actor, Action.REQUEST_APPROVE, AgencyRes(request.agency_id))
        if request.created_by == actor.user_id:
            raise Forbidden("Two people must agree: you cannot approve your own request.")
        if request.status != "draft":
            raise Conflict(f"This request is {request.status}, not a draft.")
        now = utcnow()
        self._check_rates(db, request, now)
        request.status, request.approved_by, request.approved_at = "active", actor.user_id, now
        request.answer_by = now + timedelta(days=self.limits.answer_days)
        reached = self._reached(db, request)
        for household_id in reached:
            db.add(RequestRecipient(request_id=request.id, household_id=household_id))
            transparency.record(
                db,
                "agency:request:received",
                household_id=household_id,
                agency_id=request.agency_id,
                request_id=request.id,
                case_number=request.case_number,
            )
        db.flush()
        transparency.record(
            db,
            "agency:request:approved",
            agency_id=request.agency_id,
            request_id=request.id,
            case_number=request.case_number,
            cell=request.public_cell,
            counts={"households": len(reached)},
        )
        return request

    def _check_rates(self, db: Session, request: FootageRequest, now: datetime) -> None:
        week = now - timedelta(days=7)

        def approved_since(*where: Any) -> int:
            stmt = select(func.count()).select_from(FootageRequest)
            return db.scalar(stmt.where(FootageRequest.approved_at >= week, *where)) or 0

        by_agency = approved_since(FootageRequest.agency_id == request.agency_id)
        if by_agency >= self.limits.per_agency_week:
            raise TooManyRequestsHere(
                f"Your agency has sent {by_agency} requests this week; the limit is "
                f"{self.limits.per_agency_week}.",
                "requests-per-agency",
            )
        here = approved_since(FootageRequest.public_cell == request.public_cell)
        if here >= self.limits.per_cell_week:
            raise TooManyRequestsHere(
                f"This area has been asked {here} times this week by all agencies together; "
                f"the limit is {self.limits.per_cell_week}.",
                "requests-per-area",
            )

    def _reached(self, db: Session, request: FootageRequest) -> list[str]:
        points = rules.check_area(request.area)[0]
        cells = geo.polygon_cells([(lat, lng) for lng, lat in points])
        # Cells whose centre is outside can still hold homes inside: add a ring, then
        # decide by the exact geometry.
        cells = set().union(*(geo.disk(c, 1) for c in cells)) if cells else set()
        return [
            h.id
            for h in homes.households_in_cells(db, cells)
            if h.police_requests_enabled and h.cameras and rules.contains(points, h.lng, h.lat)
        ]

    def counts(self, db: Session, request_id: str) -> Counts:
        """Numbers only: asked, shared, and the rest together (silence and no look alike)."""
        rows = db.execute(
            select(RequestRecipient.answer, func.count())
            .where(RequestRecipient.request_id == request_id)
            .group_by(RequestRecipient.answer)
        ).all()
        by: dict[str, int] = dict(rows)
        asked = sum(by.values())
        clips = (
            db.scalar(
                select(func.count())
                .select_from(Share)
                .where(Share.request_id == request_id, Share.revoked_at.is_(None))
            )
            or 0
        )
        return Counts(asked, by.get("shared", 0), asked - by.get("shared", 0), clips)

    def agency_requests(self, db: Session, actor: Actor) -> list[FootageRequest]:
        """The actor's agency's requests, newest first."""
        require(actor, Action.REQUEST_DRAFT)
        stmt = select(FootageRequest).where(FootageRequest.agency_id == actor.agency_id)
        return list(db.scalars(stmt.order_by(FootageRequest.id.desc())))

    def agency_request(
        self, db: Session, actor: Actor, request_id: str
    ) -> tuple[FootageRequest, Counts, list[Share]]:
        """One of the agency's requests with its counts and the shares it received."""
        request = self._own(db, actor, request_id)
        shares = list(
            db.scalars(
                select(Share)
                .where(Share.request_id == request.id, Share.revoked_at.is_(None))
                .order_by(Share.id)
            )
        )
        return request, self.counts(db, request.id), shares

    def close(self, db: Session, actor: Actor, request_id: str) -> FootageRequest:
        """Mark a request resolved; it stays in the record."""
        request = self._own(db, actor, request_id)
        require(actor, Action.REQUEST_DRAFT)
        if request.status == "closed":
            return request
        request.status, request.closed_at = "closed", utcnow()
        transparency.record(
            db,
            "agency:request:closed",
            agency_id=request.agency_id,
            request_id=request.id,
            case_number=request.case_number,
        )
        return request

    # -- the owner's side --------------------------------------------------------------

    def pending_count(self, db: Session, actor: Actor) -> int:
        """How many open requests await an answer from the actor's households (the badge)."""
        if not actor.household_ids:
            return 0
        return (
            db.scalar(
                select(func.count())
                .select_from(RequestRecipient)
                .join(FootageRequest, FootageRequest.id == RequestRecipient.request_id)
                .where(
                    RequestRecipient.household_id.in_(actor.household_ids),
                    RequestRecipient.answer == "pending",
                    FootageRequest.status == "active",
                    FootageRequest.answer_by > utcnow(),
                )
            )
            or 0
        )

    def inbox(self, db: Session, actor: Actor) -> list[tuple[FootageRequest, RequestRecipient]]:
        """Requests that reached the actor's households, newest first."""
        require(actor, Action.DASHBOARD_VIEW)
        if not actor.household_ids:
            return []
        stmt = (
            select(FootageRequest, RequestRecipient)
            .join(RequestRecipient, RequestRecipient.request_id == FootageRequest.id)
            .where(RequestRecipient.household_id.in_(actor.household_ids))
            .order_by(FootageRequest.id.desc())
        )
        return [(r, rr) for r, rr in db.execute(stmt).all()]

    def inbox_item(
        self, db: Session, actor: Actor, request_id: str
    ) -> tuple[FootageRequest, RequestRecipient, Agency, list[Clip]]:
        """A request as the owner sees it, with their own clips inside its window."""
        for request, recipient in self.inbox(db, actor):
            if request.id == request_id:
                if recipient.seen_at is None:
                    recipient.seen_at = utcnow()
                agency = db.get(Agency, request.agency_id)
                assert agency is not None
                clips = list(
                    db.scalars(
                        select(Clip)
                        .where(
                            Clip.household_id == recipient.household_id,
                            Clip.ended_at >= request.window_start,
                            Clip.started_at <= request.window_end,
                        )
                        .order_by(Clip.started_at)
                    )
                )
                return request, recipient, agency, clips
        raise NotFound("No such request in your inbox.")

    def share_days(self, agency: Agency) -> int:
        """How long a share lasts: the agency's retention, capped by the jurisdiction."""
        days = agency.retention_days or self.limits.default_share_days
        return min(days, self.limits.jurisdiction_max_days)

    def respond(self, db: Session, actor: Actor, request_id: str, data: ResponseIn) -> list[Share]:
        """The owner shares chosen clips (copies, redacted by default) or declines.

        The shares are saved as ``preparing``; :meth:`prepare_shares` makes their copies
        (the web routes run it right after answering, a periodic job catches the rest).
        """
        request, recipient, agency, clips = self.inbox_item(db, actor, request_id)
        require(actor, Action.INBOX_RESPOND, HouseholdRes(recipient.household_id))
        now = utcnow()
        if request.status != "active" or (request.answer_by and request.answer_by < now):
            raise Conflict("This request is no longer open for answers.")
        if data.decision == "decline":
            if data.clip_ids:
                raise InvalidInput(
                    "Declining shares nothing: leave clip_ids empty.",
                    field_loc=["body", "clip_ids"],
                )
            recipient.answer, recipient.answered_at = "declined", now
            # Only the household's own record holds a decline: in public it is silence.
            transparency.record(
                db,
                "owner:request:answered",
                household_id=recipient.household_id,
                agency_id=request.agency_id,
                request_id=request.id,
                detail={"answer": "declined"},
            )
            return []
        allowed = {c.id: c for c in clips}
        if not data.clip_ids:
            raise InvalidInput("Choose at least one clip to share.", field_loc=["body", "clip_ids"])
        for clip_id in data.clip_ids:
            if clip_id not in allowed:
                raise InvalidInput(
                    f"Clip {clip_id} is not one of your clips in this window.",
                    field_loc=["body", "clip_ids"],
                )
        shares = []
        expires = now + timedelta(days=self.share_days(agency))
        # Unset choices follow the household's recorded sharing settings.
        home = db.get(Household, recipient.household_id)
        assert home is not None
        original = (not home.share_blur_default) if data.original is None else data.original
        keep_audio = home.share_audio_default if data.keep_audio is None else data.keep_audio
        for clip_id in dict.fromkeys(data.clip_ids):
            clip = allowed[clip_id]
            copies.check_copyable(clip)  # an end-to-end clip is refused now, not later
            # The copy itself is made by prepare_shares, after the answer is saved:
            # redacting a long clip takes minutes.
            share = Share(
                request_id=request.id,
                agency_id=request.agency_id,
                household_id=clip.household_id,
                source_clip_id=clip.id,
                object_id=None,
                clip_started_at=clip.started_at,
                clip_ended_at=clip.ended_at,
                redacted=not original and self.redactor is not None,
                with_audio=keep_audio,
                expires_at=expires,
            )
            db.add(share)
            shares.append(share)
        recipient.answer, recipient.answered_at = "shared", now
        db.flush()
        transparency.record(
            db,
            "owner:request:answered",
            household_id=recipient.household_id,
            agency_id=request.agency_id,
            request_id=request.id,
            detail={"answer": "shared", "clips": len(shares), "redacted": not original},
        )
        # In public: that one household shared, and how many clips, never which.
        transparency.record(
            db,
            "owner:request:shared",
            agency_id=request.agency_id,
            request_id=request.id,
            case_number=request.case_number,
        )
        transparency.record(
            db,
            "owner:clip:shared",
            agency_id=request.agency_id,
            request_id=request.id,
            case_number=request.case_number,
            counts={"clips": len(shares)},
            detail={"redacted": not original},
        )
        return shares

    def my_shares(self, db: Session, actor: Actor, request_id: str) -> list[Share]:
        """The shares the actor's household made for a request."""
        _, recipient, _, _ = self.inbox_item(db, actor, request_id)
        return list(
            db.scalars(
                select(Share).where(
                    Share.request_id == request_id, Share.household_id == recipient.household_id
                )
            )
        )
