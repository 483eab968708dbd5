"""The owner's "My record": every logged event about their households, with receipts.

A receipt holds what anyone needs to check that an event about a household is in
the public log without the log saying whose it is: the opened event, the household's
salt (so the commitment in the entry recomputes), the entry, its index, and an
inclusion proof against the latest signed checkpoint.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from porchlight.authz import Action, Actor, HouseholdRes, can, require
from porchlight.pagination import Page, paginate
from porchlight.transparency.models import HouseholdSalt, LogEvent, Opening, SignedCheckpoint
from porchlight.transparency.schemas import InclusionOut, ReceiptOut
from porchlight.transparency.service import InclusionProof, current_checkpoint, prove_inclusion
from porchlight.transparency.store import SqlTree


@dataclass(frozen=True)
class Receipt:
    """One event about a household, with what proves it is in the public log."""

    event_id: str
    event: str
    household_id: str
    created_at: datetime
    opening: str
    salt: bytes
    entry: bytes
    leaf_index: int | None
    proof: InclusionProof | None
    checkpoint: str | None


def my_record(db: Session, actor: Actor, cursor: str | None, limit: int) -> Page[Receipt]:
    """Every logged event about the actor's households, newest first, with receipts."""
    require(actor, Action.RECORD_READ)
    households = [
        h for h in actor.household_ids if can(actor, Action.HOUSEHOLD_READ, HouseholdRes(h))
    ]
    stmt = (
        select(LogEvent)
        .join(Opening, Opening.event_id == LogEvent.id)
        .where(Opening.household_id.in_(households))
    )
    page = paginate(db, stmt, LogEvent.id, cursor, limit, newest_first=True)
    ids = [e.id for e in page.items]
    openings = {o.event_id: o for o in db.scalars(select(Opening).where(Opening.event_id.in_(ids)))}
    salts = {
        s.household_id: bytes(s.salt)
        for s in db.scalars(select(HouseholdSalt).where(HouseholdSalt.household_id.in_(households)))
    }
    latest, tree = current_checkpoint(db), SqlTree(db)
    receipts = [
        _receipt(e, openings[e.id], salts[openings[e.id].household_id], latest, tree)
        for e in page.items
    ]
    return Page(receipts, page.next_cursor)


def _receipt(
    event: LogEvent, opened: Opening, salt: bytes, latest: SignedCheckpoint | None, tree: SqlTree
) -> Receipt:
    proof, note = None, None
    index = event.leaf_index
    if latest is not None and index is not None and index < latest.size:
        proof, note = prove_inclusion(tree, index, latest.size), latest.note
    return Receipt(
        event_id=event.id,
        event=event.event,
        household_id=opened.household_id,
        created_at=event.created_at,
        opening=opened.body,
        salt=salt,
        entry=bytes(event.entry),
        leaf_index=index,
        proof=proof,
        checkpoint=note,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def inclusion_out(proof: InclusionProof) -> InclusionOut:
    """An inclusion proof as JSON: hashes in base64, as in checkpoints."""
    return InclusionOut(
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=_b64(proof.leaf_hash),
        root_hash=_b64(proof.root),
        proof=[_b64(h) for h in proof.hashes],
    )


def receipt_out(receipt: Receipt) -> ReceiptOut:
    """A receipt as JSON, self-contained so that anyone can check it."""
    return ReceiptOut(
        event_id=receipt.event_id,
        event=receipt.event,
        household_id=receipt.household_id,
        created_at=receipt.created_at,
        status="pending" if receipt.leaf_index is None else "logged",
        opening=receipt.opening,
        salt=receipt.salt.hex(),
        entry=receipt.entry.decode(),
        leaf_index=receipt.leaf_index,
        inclusion=inclusion_out(receipt.proof) if receipt.proof else None,
        checkpoint=receipt.checkpoint,
    )
