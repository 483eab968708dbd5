"""The public log under ``/log/`` (C2SP tlog-tiles), its JSON helpers, and "My record".

``/log/checkpoint``, ``/log/key`` and ``/log/tile/...`` are what any tlog-tiles client
reads; nobody needs an account for them.  The JSON helpers under ``/api/v1/log`` are
conveniences: ``porchlight verify`` builds its proofs from the tiles instead.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from porchlight.accounts.schemas import PageOut
from porchlight.authz import ANONYMOUS, Actor
from porchlight.ledger import leaf_hash
from porchlight.transparency import entries, receipts, service
from porchlight.transparency.schemas import (
    ConsistencyOut,
    EntryOut,
    InclusionOut,
    LogOut,
    ReceiptOut,
)
from porchlight.web.deps import API_ACTOR, DB

router = APIRouter(tags=["transparency"])
TEXT = "text/plain; charset=utf-8"
# A full tile never changes, and neither does a partial tile of a given width.
IMMUTABLE = "public, max-age=31536000, immutable"


def publisher(request: Request) -> service.LogPublisher:
    log: service.LogPublisher = request.app.state.transparency
    return log


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@router.get("/log/checkpoint", response_class=Response, responses={200: {"content": {TEXT: {}}}})
def checkpoint(db: Session = DB) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    note = service.latest_checkpoint(db, ANONYMOUS).note
    return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})


@router.get("/log/key", response_class=Response, responses={200: {"content": {TEXT: {}}}})
def key(request: Request) -> Response:
    """The checkpoint verifier key, in the C2SP signed-note verifier key format."""
    return Response(publisher(request).vkey + "\n", media_type=TEXT)


@router.get(
    "/log/tile/{tile_path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def tile(tile_path: str, request: Request, db: Session = DB) -> Response:
    """A hash tile ``<L>/<N>[.p/<W>]`` or an entry bundle ``entries/<N>[.p/<W>]``."""
    data = service.tile(db, ANONYMOUS, publisher(request).blobs, "tile/" + tile_path)
    return Response(
        data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE}
    )


@router.get("/api/v1/log", response_model=LogOut)
def log_info(request: Request, actor: Actor = API_ACTOR, db: Session = DB) -> LogOut:
    """The latest checkpoint, its size and root, and the key that signs it."""
    latest = service.latest_checkpoint(db, actor)
    log = publisher(request)
    return LogOut(
        origin=log.origin,
        tree_size=latest.size,
        root_hash=b64(latest.root),
        checkpoint=latest.note,
        key=log.vkey,
    )


@router.get("/api/v1/log/entries/{index}", response_model=EntryOut)
def log_entry(index: int, actor: Actor = API_ACTOR, db: Session = DB) -> EntryOut:
    """Entry ``index`` of the log, decoded and as its exact bytes."""
    raw = service.entry(db, actor, index)
    return EntryOut(
        index=index,
        entry=entries.parse_entry(raw),
        entry_base64=b64(raw),
        leaf_hash=b64(leaf_hash(raw)),
    )


@router.get("/api/v1/log/entries/{index}/proof", response_model=InclusionOut)
def log_inclusion(
    index: int,
    tree_size: int | None = Query(None, description="A tree size; the latest by default."),
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> InclusionOut:
    """The proof that entry ``index`` is in the tree of ``tree_size``."""
    return receipts.inclusion_out(service.inclusion(db, actor, index, tree_size))


@router.get("/api/v1/log/consistency/{first}/{second}", response_model=ConsistencyOut)
def log_consistency(
    first: int, second: int, actor: Actor = API_ACTOR, db: Session = DB
) -> ConsistencyOut:
    """The proof that the tree of size ``second`` extends the tree of size ``first``."""
    proof = service.consistency(db, actor, first, second)
    return ConsistencyOut(first=first, second=second, proof=[b64(h) for h in proof])


@router.get("/api/v1/my-record", response_model=PageOut[ReceiptOut])
def my_record(
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=200),
    actor: Actor = API_ACTOR,
    db: Session = DB,
) -> PageOut[ReceiptOut]:
    """Every logged event about your households, newest first, each with its receipt."""
    page = receipts.my_record(db, actor, cursor, limit)
    return PageOut(
        items=[receipts.receipt_out(r) for r in page.items], next_cursor=page.next_cursor
    )
