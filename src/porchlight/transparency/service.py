"""Transparency log use cases: record events, sequence them into the signed log,
publish tiles, serve proofs, and give owners the receipts for their household.

The only code that writes the transparency tables.  Other features call
:func:`record` inside their own transaction, so an event and its log entry are
committed together or not at all; :func:`sequence` later appends every pending
entry to the Merkle tree, signs one checkpoint per batch and writes the tiles.
"""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import h3
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from porchlight.authz import Action, Actor, require
from porchlight.blobs.base import BlobNotFound, BlobStore
from porchlight.crypto.header import hkdf_sha256
from porchlight.db import utcnow
from porchlight.errors import InvalidInput, NotFound
from porchlight.ids import new_id
from porchlight.ledger import (
    Checkpoint,
    EntryBundle,
    NoteError,
    Signer,
    Tile,
    consistency_proof,
    consistency_proof_ranges,
    encode_entry_bundle,
    inclusion_proof,
    inclusion_proof_ranges,
    new_tiles,
    open_checkpoint,
    parse_tile_path,
    sign_checkpoint,
    tree_root,
)
from porchlight.ledger.tiles import TILE_HEIGHT, TILE_WIDTH
from porchlight.transparency import entries
from porchlight.transparency.models import HouseholdSalt, LogEvent, Opening, SignedCheckpoint
from porchlight.transparency.store import SqlTree

log = logging.getLogger("porchlight.transparency")

PUBLIC_MAX_RESOLUTION = 7
"""The finest H3 resolution an entry may carry (cells of about 5 km²)."""
BATCH_LIMIT = 50_000
BLOB_PREFIX = "log/"
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
Detail = dict[str, str | int | bool | None]


# -- recording ---------------------------------------------------------------------


def record(
    db: Session,
    event: str,
    *,
    household_id: str | None = None,
    agency_id: str | None = None,
    request_id: str | None = None,
    case_number: str | None = None,
    cell: str | None = None,
    counts: dict[str, int] | None = None,
    detail: Detail | None = None,
) -> str:
    """Add a pending log event in the caller's transaction and return its id.

    ``event`` is ``subject:object:verb`` (``agency:request:created``).  Everything
    given becomes public except when ``household_id`` is given: then the entry is
    only a salted commitment to the whole event, which the household's "My record"
    opens.  ``cell`` must be an H3 cell of resolution 7 or coarser.  Raises
    ``ValueError`` for anything that does not fit.
    """
    _check_event(event)
    fields: dict[str, Any] = {
        "agency_id": _short(agency_id, "agency_id", 32),
        "request_id": _short(request_id, "request_id", 32),
        "case_number": _short(case_number, "case_number", 100),
        "cell": _check_cell(cell),
        "counts": _check_counts(counts or {}),
        "detail": _check_detail(detail or {}),
    }
    event_id, now = new_id(), utcnow()
    time = entries.log_time(now)
    opened: bytes | None = None
    if household_id is None:
        entry = entries.public_entry(event, time, fields)
    else:
        opened = entries.opening(event_id, event, time, {"household_id": household_id, **fields})
        digest = entries.commitment(_salt(db, household_id), opened)
        entry = entries.commitment_entry(event, time, digest)
    if len(entry) > entries.MAX_ENTRY_BYTES:
        raise ValueError(f"the log entry would be {len(entry)} bytes; keep detail small")
    db.add(LogEvent(id=event_id, created_at=now, event=event, entry=entry, **fields))
    if opened is not None:
        db.add(Opening(event_id=event_id, household_id=household_id, body=opened.decode()))
    return event_id


def _check_event(event: str) -> None:
    if not isinstance(event, str) or not entries.EVENT_NAME.fullmatch(event):
        raise ValueError(f"event {event!r} is not named subject:object:verb in lower case")


def _short(value: str | None, name: str, limit: int) -> str | None:
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= limit):
        raise ValueError(f"{name} must be a string of 1 to {limit} characters")
    return value


def _check_cell(cell: str | None) -> str | None:
    if cell is None:
        return None
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"cell {cell!r} is not an H3 cell")
    if h3.get_resolution(cell) > PUBLIC_MAX_RESOLUTION:
        raise ValueError(
            f"cell {cell} is finer than resolution {PUBLIC_MAX_RESOLUTION}; coarsen it first"
        )
    return cell


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not 0 < len(key) <= 40 or not set(key) <= _NAME_CHARS:
        raise ValueError(f"key {key!r} must be 1 to 40 characters of a-z, 0-9 and _")


def _check_counts(counts: dict[str, int]) -> dict[str, int]:
    if len(counts) > 20:
        raise ValueError("counts may have at most 20 keys")
    for key, value in counts.items():
        _check_key(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
            raise ValueError(f"count {key!r} must be a non-negative integer")
    return dict(counts)


def _check_detail(detail: Detail) -> Detail:
    if len(detail) > 20:
        raise ValueError("detail may have at most 20 keys")
    for key, value in detail.items():
        _check_key(key)
        if isinstance(value, str) and len(value) > 500:
            raise ValueError(f"detail {key!r} is longer than 500 characters")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
            raise ValueError(f"detail {key!r} is too large a number")
        if value is not None and not isinstance(value, str | int | bool):
            raise ValueError(f"detail {key!r} must be text, a number, true/false or null")
    return dict(detail)


def _salt(db: Session, household_id: str) -> bytes:
    """The household's secret salt, made on first use (safely, if two requests race)."""
    stmt = select(HouseholdSalt.salt).where(HouseholdSalt.household_id == household_id)
    found = db.scalar(stmt)
    if found is None:
        values = {
            "household_id": household_id,
            "salt": secrets.token_bytes(entries.SALT_BYTES),
            "created_at": utcnow(),
        }
        dialect = db.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.execute(insert(HouseholdSalt).values(values).on_conflict_do_nothing())
        found = db.scalar(stmt)
    assert found is not None
    return bytes(found)


# -- sequencing and publishing -----------------------------------------------------


def log_signer(secret: str, origin: str) -> Signer:
    """The log's Ed25519 signer, derived from the configured secret and named ``origin``.

    Deriving rather than storing the key means it exists only where the secret does;
    changing the secret changes the public key that every verifier has pinned.
    """
    seed = hkdf_sha256(secret.encode(), b"porchlight-log", b"checkpoint signing key v1")
    return Signer(origin, seed)


@dataclass(frozen=True)
class LogPublisher:
    """What the composition root hands the web layer and the sequencer job."""

    signer: Signer
    blobs: BlobStore

    @property
    def origin(self) -> str:
        """The log's origin, which is also its key's name."""
        return self.signer.name

    @property
    def vkey(self) -> str:
        """The checkpoint verifier key, in the C2SP signed-note format."""
        return self.signer.verifier().to_string()


def sequence(db: Session, signer: Signer, blobs: BlobStore, limit: int = BATCH_LIMIT) -> int:
    """Append every pending event (up to ``limit``) to the log; return how many.

    One batch is one transaction: leaf and subtree hashes, the events' indexes and
    one newly signed checkpoint are committed together.  Tiles, entry bundles and
    the checkpoint are then written to the blob store under ``log/``.  When another
    sequencer won the race for the same indexes, nothing is written and 0 returned.
    """
    latest = current_checkpoint(db)
    pending = db.execute(
        select(LogEvent.id, LogEvent.entry)
        .where(LogEvent.leaf_index.is_(None))
        .order_by(LogEvent.id)
        .limit(limit)
    ).all()
    if not pending and latest is not None and _signed_by(latest.note, signer):
        publish(db, blobs)
        return 0
    size = latest.size if latest is not None else 0
    tree = SqlTree(db)
    try:
        new_size = tree.append(size, [bytes(row[1]) for row in pending])
        if pending:
            db.execute(
                update(LogEvent),
                [{"id": row[0], "leaf_index": size + i} for i, row in enumerate(pending)],
            )
        _sign(db, tree, signer, new_size, latest)
        db.commit()
    except IntegrityError:
        db.rollback()
        log.info("another sequencer appended first; retrying at the next run")
        return 0
    publish(db, blobs)
    return len(pending)


def _sign(
    db: Session, tree: SqlTree, signer: Signer, size: int, latest: SignedCheckpoint | None
) -> None:
    root = tree_root(tree, size)
    note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
    if latest is not None and latest.size == size:
        # Nothing new, but the key or origin changed: sign the same tree afresh.
        latest.note, latest.published = note, False
    else:
        db.add(SignedCheckpoint(size=size, root=root, note=note, published=False))
    db.flush()


def _signed_by(note: str, signer: Signer) -> bool:
    try:
        open_checkpoint(note, signer.verifier())
    except NoteError:
        return False
    return True


def publish(db: Session, blobs: BlobStore) -> int:
    """Write the tiles, entry bundles and checkpoint of every unpublished checkpoint.

    Failures are logged and retried at the next run; meanwhile ``/log/`` serves the
    same bytes computed from the database.  Returns how many checkpoints it published.
    """
    done = 0
    stmt = select(SignedCheckpoint).where(SignedCheckpoint.published.is_(False))
    for checkpoint in list(db.scalars(stmt.order_by(SignedCheckpoint.size))):
        # Tiles up to the last published size below this one are already stored.
        before = select(func.max(SignedCheckpoint.size)).where(
            SignedCheckpoint.published, SignedCheckpoint.size < checkpoint.size
        )
        previous = int(db.scalar(before) or 0)
        try:
            _write_tiles(db, blobs, previous, checkpoint.size)
            _put(blobs, "checkpoint", checkpoint.note.encode())
        except Exception:  # A store outage must not stop sequencing; retried next run.
            log.exception("could not publish the log's tiles for size %d", checkpoint.size)
            db.rollback()
            return done
        checkpoint.published = True
        db.commit()
        done += 1
    return done


def _write_tiles(db: Session, blobs: BlobStore, old_size: int, new_size: int) -> None:
    tree = SqlTree(db)
    for tile in new_tiles(old_size, new_size):
        _put(blobs, tile.path, tree.tile_data(tile))
    for index in range(old_size // TILE_WIDTH, -(-new_size // TILE_WIDTH)):
        width = min(new_size - index * TILE_WIDTH, TILE_WIDTH)
        bundle = EntryBundle(index, width)
        _put(blobs, bundle.path, encode_entry_bundle(tree.entries(bundle.start, bundle.end)))


def _put(blobs: BlobStore, path: str, data: bytes) -> None:
    blobs.put(BLOB_PREFIX + path, io.BytesIO(data), content_type="application/octet-stream")


# -- reading the log ---------------------------------------------------------------


def current_checkpoint(db: Session) -> SignedCheckpoint | None:
    """The latest signed checkpoint, if any (no authorization: for this package's use)."""
    stmt = select(SignedCheckpoint).order_by(SignedCheckpoint.size.desc()).limit(1)
    return db.scalars(stmt).first()


def latest_checkpoint(db: Session, actor: Actor) -> SignedCheckpoint:
    """The latest signed checkpoint."""
    require(actor, Action.LOG_READ)
    latest = current_checkpoint(db)
    if latest is None:
        raise NotFound("The log has no checkpoint yet.")
    return latest


def tile(db: Session, actor: Actor, blobs: BlobStore, path: str) -> bytes:
    """A tile or entry bundle at ``tile/...``: from the blob store, else from the tables."""
    try:
        found = parse_tile_path(path)
    except ValueError:
        raise NotFound(f"{path} is not a tile path.") from None
    size = latest_checkpoint(db, actor).size
    level = found.level if isinstance(found, Tile) else 0
    if found.end > size >> (level * TILE_HEIGHT):
        raise NotFound(f"The log of size {size} has no {path}.")
    try:
        with blobs.open(BLOB_PREFIX + path) as stored:
            return stored.read()
    except BlobNotFound:
        pass
    tree = SqlTree(db)
    if isinstance(found, Tile):
        return tree.tile_data(found)
    return encode_entry_bundle(tree.entries(found.start, found.end))


def _tree_size(db: Session, actor: Actor, tree_size: int | None, field: str) -> int:
    size = latest_checkpoint(db, actor).size
    if tree_size is None:
        return size
    if not 0 <= tree_size <= size:
        raise InvalidInput(
            f"The log has {size} entries; {field} must be between 0 and {size}.",
            field_loc=["query" if field == "tree_size" else "path", field],
        )
    return tree_size


def entry(db: Session, actor: Actor, index: int) -> bytes:
    """The entry at ``index`` of the log."""
    size = latest_checkpoint(db, actor).size
    if not 0 <= index < size:
        raise NotFound(f"The log has {size} entries; there is no entry {index}.")
    return SqlTree(db).entries(index, index + 1)[0]


@dataclass(frozen=True)
class InclusionProof:
    """A leaf's inclusion proof in the tree of ``tree_size`` with root ``root``."""

    index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    root: bytes


def inclusion(db: Session, actor: Actor, index: int, tree_size: int | None) -> InclusionProof:
    """The proof that entry ``index`` is in the tree of ``tree_size`` (latest by default)."""
    size = _tree_size(db, actor, tree_size, "tree_size")
    if not 0 <= index < size:
        raise InvalidInput(
            f"Entry {index} is not in a tree of size {size}.", field_loc=["path", "index"]
        )
    return prove_inclusion(SqlTree(db), index, size)


def prove_inclusion(tree: SqlTree, index: int, size: int) -> InclusionProof:
    """The inclusion proof of ``index`` in the tree of ``size``, read from ``tree``."""
    tree.prefetch([*inclusion_proof_ranges(index, size), (index, index + 1), (0, size)])
    return InclusionProof(
        index,
        size,
        tree.subtree_hash(0, index),
        inclusion_proof(tree, index, size),
        tree_root(tree, size),
    )


def consistency(db: Session, actor: Actor, first: int, second: int) -> list[bytes]:
    """The proof that the tree of size ``second`` extends the tree of size ``first``."""
    second = _tree_size(db, actor, second, "second")
    if not 0 < first <= second:
        raise InvalidInput(f"first must be between 1 and {second}.", field_loc=["path", "first"])
    return prove_consistency(SqlTree(db), first, second)


def prove_consistency(tree: SqlTree, first: int, second: int) -> list[bytes]:
    """The consistency proof between two sizes, read from ``tree`` in one query."""
    tree.prefetch(consistency_proof_ranges(first, second))
    return consistency_proof(tree, first, second)
