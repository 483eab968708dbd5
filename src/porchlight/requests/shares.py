"""What happens to shares once made: their copies prepared in the background, the
agency's views and downloads, the owner's revocation, supervised extensions, and
destruction at expiry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from porchlight.accounts.models import Agency
from porchlight.authz import Action, Actor, AgencyRes, HouseholdRes, require
from porchlight.db import utcnow
from porchlight.errors import Conflict, NotFound, PorchlightError
from porchlight.requests.limits import RequestLimits
from porchlight.requests.models import FootageRequest, Share, ShareExtension
from porchlight.requests.schemas import ExtensionIn
from porchlight.transparency import service as transparency
from porchlight.vault import copies
from porchlight.vault.models import Clip, VaultObject
from porchlight.vault.service import MediaStream, Vault
from porchlight.video.watermark import watermark_video

log = logging.getLogger("porchlight.requests")

# One preparation at a time per process: the answer's background task and the periodic
# job never render the same share twice.
_PREPARING = threading.Lock()


class ShareKeeping:
    """The share-related use cases of :class:`porchlight.requests.service.Requests`."""

    vault: Vault
    limits: RequestLimits
    redactor: copies.Redactor | None

    # -- copies, made after the owner's answer ----------------------------------------

    def prepare_shares(self, db: Session, share_ids: Iterable[str] | None = None) -> int:
        """Make the copies of shares still ``preparing`` (all, or those named); returns
        how many were made.  Each share is committed on its own, so one failure (a clip
        that cannot be decoded, say) marks that share ``failed`` and the rest go on."""
        with _PREPARING:
            stmt = select(Share.id).where(
                Share.object_id.is_(None),
                Share.failure.is_(None),
                Share.revoked_at.is_(None),
                Share.destroyed_at.is_(None),
            )
            if share_ids is not None:
                stmt = stmt.where(Share.id.in_(list(share_ids)))
            made = 0
            for share_id in list(db.scalars(stmt)):
                made += self._prepare(db, share_id)
            return made

    def prepare_soon(self, sessions: sessionmaker[Session], share_ids: list[str]) -> None:
        """Prepare the named shares in a session of its own (a route's background task)."""
        try:
            with sessions() as db:
                self.prepare_shares(db, share_ids)
        except Exception:  # the periodic job tries again
            log.exception("preparing shares %s failed", share_ids)

    def _prepare(self, db: Session, share_id: str) -> bool:
        share = db.get(Share, share_id)
        if share is None or share.state != "preparing":
            return False
        clip = db.get(Clip, share.source_clip_id)
        if clip is None:
            share.failure = "The clip was deleted before its copy was made."
            db.commit()
            return False
        redactor = self.redactor if share.redacted else None
        try:
            copy = copies.attempt_copy(
                self.vault, db, clip, "share", redactor, keep_audio=share.with_audio
            )
        except copies.CopyFailed as exc:
            failure = str(exc)
        else:
            share.object_id = copy.id
            db.commit()
            self._destroy_if_withdrawn(db, share_id)
            return True
        db.rollback()
        failed = db.get(Share, share_id)
        if failed is not None:
            failed.failure = failure[:300]
            db.commit()
        return False

    def _destroy_if_withdrawn(self, db: Session, share_id: str) -> None:
        """A share revoked or expired while its copy was being made loses the copy."""
        db.expire_all()
        share = db.get(Share, share_id)
        if share is not None and share.object_id is not None and share.destroyed_at is not None:
            copies.destroy_object(self.vault, db, share.object_id)
            share.object_id = None
            db.commit()

    def revoke(self, db: Session, actor: Actor, share_id: str) -> Share:
        """Take a share back, as long as the agency has not opened it yet."""
        share = self._own_share(db, actor, share_id)
        if share.first_viewed_at is not None:
            raise Conflict(
                "The agency has already opened this share; it can no longer be "
                "revoked, and it is destroyed at its expiry."
            )
        if share.revoked_at is None:
            share.revoked_at = utcnow()
            transparency.record(
                db, "owner:share:revoked", agency_id=share.agency_id, request_id=share.request_id
            )
            self._destroy(db, share)
        return share

    def retry(self, db: Session, actor: Actor, share_id: str) -> Share:
        """Try again to make a share whose copy failed (owners); it is preparing again."""
        share = self._own_share(db, actor, share_id)
        if share.state != "failed":
            raise Conflict("Only a share whose copy could not be made can be tried again.")
        clip = db.get(Clip, share.source_clip_id)
        if clip is None:
            raise Conflict("The clip was deleted: share another one instead.")
        share.failure = None
        db.flush()
        return share

    def _own_share(self, db: Session, actor: Actor, share_id: str) -> Share:
        require(actor, Action.HOUSEHOLD_LIST)
        share = db.get(Share, share_id)
        if share is None or share.household_id not in actor.household_ids:
            raise NotFound("No such share.")
        require(actor, Action.INBOX_RESPOND, HouseholdRes(share.household_id))
        return share

    # -- shares --------------------------------------------------------------------

    def agency_share(self, db: Session, actor: Actor, share_id: str) -> Share:
        """A share the actor's agency received, while it lasts."""
        share = db.get(Share, share_id)
        if share is None or share.revoked_at is not None:
            raise NotFound("No such share.")
        require(actor, Action.SHARE_VIEW, AgencyRes(share.agency_id))
        if share.destroyed_at is not None or share.expires_at <= utcnow():
            raise Gone("This share has expired and its copy was destroyed.")
        return share

    def _ready_object(self, db: Session, share: Share) -> VaultObject:
        """The share's copy, or a problem saying why there is none yet."""
        if share.failure is not None:
            raise Gone(f"The owner's copy could not be made. {share.failure}")
        obj = db.get(VaultObject, share.object_id) if share.object_id else None
        if obj is None:
            raise Conflict("This copy is still being prepared; try again in a minute.")
        return obj

    def share_media(
        self,
        db: Session,
        actor: Actor,
        share_id: str,
        byte_range: tuple[int | None, int | None] | None,
    ) -> MediaStream:
        """Decrypt a share for the agency; every view is recorded for the owner to see."""
        share = self.agency_share(db, actor, share_id)
        request = db.get(FootageRequest, share.request_id)
        assert request is not None
        obj = self._ready_object(db, share)
        if share.first_viewed_at is None:
            share.first_viewed_at = utcnow()
        copies.log_access(
            db,
            share.household_id,
            share.source_clip_id,
            actor.user_id,
            actor.role.value,
            f"agency officer ({actor.role.value})",
            "agency view",
            f"case {request.case_number}",
        )
        self._record_access(db, share, request, "agency:share:viewed")
        return self.vault.open_object(obj, byte_range)

    def share_download(
        self, db: Session, actor: Actor, share_id: str, viewer: str, workdir: Path
    ) -> Path:
        """A watermarked copy for download: who took it, for which case, until when.

        The plaintext exists only inside ``workdir``, which the caller removes.
        """
        share = self.agency_share(db, actor, share_id)
        request = db.get(FootageRequest, share.request_id)
        agency = db.get(Agency, share.agency_id)
        assert request is not None
        assert agency is not None
        obj = self._ready_object(db, share)
        plain, marked = workdir / "share.mp4", workdir / "download.mp4"
        with plain.open("wb") as f:
            for chunk in self.vault.open_object(obj, None).chunks:
                f.write(chunk)
        now = utcnow()
        watermark_video(
            plain,
            marked,
            [
                f"{agency.name} - case {request.case_number}",
                f"downloaded by {viewer} at {now:%Y-%m-%d %H:%M} UTC",
                f"no onward transfer - destroyed {share.expires_at:%Y-%m-%d}",
            ],
        )
        plain.unlink()
        if share.first_viewed_at is None:
            share.first_viewed_at = now
        copies.log_access(
            db,
            share.household_id,
            share.source_clip_id,
            actor.user_id,
            actor.role.value,
            f"agency officer ({actor.role.value})",
            "agency download",
            f"case {request.case_number}, watermarked",
        )
        self._record_access(db, share, request, "agency:share:downloaded")
        return marked

    def extend(self, db: Session, actor: Actor, share_id: str, data: ExtensionIn) -> Share:
        """A supervisor extends a share for an open case, with a recorded reason."""
        share = self.agency_share(db, actor, share_id)
        require(actor, Action.REQUEST_APPROVE, AgencyRes(share.agency_id))
        request = db.get(FootageRequest, share.request_id)
        assert request is not None
        if request.status != "active":
            raise Conflict("Only shares of an open case can be extended.")
        latest = utcnow() + timedelta(days=self.limits.jurisdiction_max_days)
        new = min(share.expires_at + timedelta(days=data.days), latest)
        db.add(
            ShareExtension(
                share_id=share.id,
                approved_by=actor.user_id,
                reason=data.reason,
                old_expires_at=share.expires_at,
                new_expires_at=new,
            )
        )
        share.expires_at = new
        transparency.record(
            db,
            "agency:share:extended",
            agency_id=share.agency_id,
            request_id=share.request_id,
            case_number=request.case_number,
            detail={"new_expiry": new.date().isoformat()},
        )
        return share

    def _record_access(
        self, db: Session, share: Share, request: FootageRequest, event: str
    ) -> None:
        # In public: that the agency opened a share of this case.  In the household's
        # own record: that it was their clip.
        transparency.record(
            db,
            event,
            agency_id=share.agency_id,
            request_id=request.id,
            case_number=request.case_number,
        )
        transparency.record(
            db,
            event,
            household_id=share.household_id,
            agency_id=share.agency_id,
            request_id=request.id,
        )

    def _destroy(self, db: Session, share: Share) -> None:
        if share.object_id is not None:
            copies.destroy_object(self.vault, db, share.object_id)
            share.object_id = None
        share.destroyed_at = utcnow()

    def expire(self, db: Session) -> int:
        """Destroy every share past its expiry: its key, then its copy.  A copy that was
        finished after its share was revoked or expired is destroyed too."""
        stmt = select(Share).where(Share.expires_at <= utcnow(), Share.destroyed_at.is_(None))
        count = 0
        for share in list(db.scalars(stmt)):
            self._destroy(db, share)
            transparency.record(
                db, "system:share:expired", agency_id=share.agency_id, request_id=share.request_id
            )
            count += 1
        late = select(Share).where(Share.destroyed_at.is_not(None), Share.object_id.is_not(None))
        for share in list(db.scalars(late)):
            assert share.object_id is not None
            copies.destroy_object(self.vault, db, share.object_id)
            share.object_id = None
        db.commit()
        return count


class Gone(PorchlightError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 410, "gone", "Gone")
