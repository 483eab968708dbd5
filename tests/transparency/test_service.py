"""Recording and sequencing: events become entries, batches become signed checkpoints."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.homes import service as homes
from porchlight.homes.schemas import SettingsIn
from porchlight.ledger import MemoryTree, open_checkpoint
from porchlight.transparency import service
from porchlight.transparency.models import (
    HouseholdSalt,
    LogEvent,
    Opening,
    SignedCheckpoint,
)
from porchlight.transparency.service import LogPublisher
from porchlight.transparency.store import SqlTree
from tests.conftest import World
from tests.feed.factories import actor
from tests.transparency.factories import CELL


def _entries(world: World) -> list[bytes]:
    with world.sessions() as db:
        rows = db.scalars(
            select(LogEvent.entry)
            .where(LogEvent.leaf_index.is_not(None))
            .order_by(LogEvent.leaf_index)
        )
        return [bytes(r) for r in rows]


def test_recorded_events_are_pending_until_sequenced_then_signed(
    world: World, sequence: Callable[[], int], public_log: LogPublisher
) -> None:
    with world.sessions.begin() as db:
        first = service.record(db, "agency:request:created", agency_id="a" * 32, cell=CELL)
        service.record(db, "system:share:expired", counts={"shares": 2})
    with world.sessions() as db:
        assert db.get(LogEvent, first).leaf_index is None  # type: ignore[union-attr]
    assert sequence() == 2
    assert sequence() == 0
    with world.sessions() as db:
        assert db.get(LogEvent, first).leaf_index == 0  # type: ignore[union-attr]
        checkpoints = list(db.scalars(select(SignedCheckpoint).order_by(SignedCheckpoint.size)))
    assert [c.size for c in checkpoints] == [2]
    signed = open_checkpoint(checkpoints[0].note, public_log.signer.verifier())
    assert signed.origin == "porchlight.example/log"
    assert signed.root_hash == MemoryTree(_entries(world)).root()
    entry = json.loads(_entries(world)[0])
    assert entry == {
        "v": 1,
        "time": entry["time"],
        "event": "agency:request:created",
        "agency_id": "a" * 32,
        "cell": CELL,
    }


def test_an_empty_log_gets_a_signed_checkpoint_of_size_zero(
    world: World, sequence: Callable[[], int]
) -> None:
    assert sequence() == 0
    with world.sessions() as db:
        checkpoint = service.current_checkpoint(db)
    assert checkpoint is not None
    assert checkpoint.size == 0


def test_a_thousand_events_are_one_batch_and_one_checkpoint(
    world: World, sequence: Callable[[], int]
) -> None:
    with world.sessions.begin() as db:
        for n in range(1000):
            service.record(db, "agency:share:viewed", request_id=f"{n:032x}")
    assert sequence() == 1000
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(SignedCheckpoint)) == 1
        checkpoint = service.current_checkpoint(db)
        assert checkpoint is not None
        assert checkpoint.size == 1000
        tree = SqlTree(db)
        # Complete subtrees are stored at every level, so a proof needs no rehashing.
        assert tree.size() == 1000
        assert len(tree.hashes(8, 0, 3)) == 3
    assert checkpoint.root == MemoryTree(_entries(world)).root()


def test_the_tree_grows_batch_by_batch_like_a_memory_tree(
    world: World, sequence: Callable[[], int]
) -> None:
    reference = MemoryTree()
    for batch in (1, 2, 5, 1, 255, 1, 300):
        with world.sessions.begin() as db:
            for _ in range(batch):
                service.record(db, "system:share:expired")
        sequence()
    for entry in _entries(world):
        reference.append(entry)
    with world.sessions() as db:
        tree = SqlTree(db)
        for size in (1, 3, 8, 9, 264, 265, 565):
            assert service.tree_root(tree, size) == reference.root(size)
        assert service.inclusion_proof(tree, 263, 565) == reference.inclusion_proof(263, 565)
        assert service.consistency_proof(tree, 9, 565) == reference.consistency_proof(9, 565)


@pytest.mark.parametrize(
    ("event", "kwargs", "message"),
    [
        ("Agency:Request:Created", {}, "subject:object:verb"),
        ("agency:request", {}, "subject:object:verb"),
        ("agency:request:created", {"cell": "8928308280fffff"}, "finer than resolution 7"),
        ("agency:request:created", {"cell": "not-a-cell"}, "not an H3 cell"),
        ("agency:request:created", {"counts": {"households": -1}}, "non-negative"),
        ("agency:request:created", {"counts": {"Bad Key": 1}}, "must be 1 to 40"),
        ("agency:request:created", {"detail": {"note": "x" * 501}}, "longer than 500"),
        ("agency:request:created", {"detail": {"obj": [1]}}, "must be text"),
        ("agency:request:created", {"agency_id": "a" * 33}, "agency_id"),
    ],
)
def test_bad_events_are_refused(
    world: World, event: str, kwargs: dict[str, object], message: str
) -> None:
    with world.sessions() as db, pytest.raises(ValueError, match=message):
        service.record(db, event, **kwargs)  # type: ignore[arg-type]


def test_detail_stays_small_and_entries_fit_an_entry_bundle(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    detail: dict[str, str | int | bool | None] = {f"k{n}": "\x01" * 500 for n in range(20)}
    with world.sessions() as db:
        service.record(db, "agency:request:created", detail=detail)  # the largest allowed fits
        with pytest.raises(ValueError, match="at most 20 keys"):
            service.record(db, "agency:request:created", detail=detail | {"k21": "x"})
        monkeypatch.setattr(service.entries, "MAX_ENTRY_BYTES", 1000)
        with pytest.raises(ValueError, match="keep detail small"):
            service.record(db, "agency:request:created", detail=detail)


def test_household_events_are_commitments_that_the_salt_opens(
    world: World, sequence: Callable[[], int]
) -> None:
    owner = world.person(Role.RESIDENT)
    assert owner.household_id is not None
    with world.sessions.begin() as db:
        event_id = service.record(
            db,
            "owner:request:answered",
            household_id=owner.household_id,
            agency_id="b" * 32,
            request_id="c" * 32,
            detail={"decision": "declined"},
        )
    sequence()
    with world.sessions() as db:
        event = db.get(LogEvent, event_id)
        opening = db.get(Opening, event_id)
        salt = db.get(HouseholdSalt, owner.household_id)
        assert event is not None
        assert opening is not None
        assert salt is not None
        public = json.loads(event.entry)
        assert set(public) == {"v", "time", "event", "commitment"}
        assert owner.household_id not in event.entry.decode()
        assert "declined" not in event.entry.decode()
        opened = service.entries.check_opening(event.entry, opening.body.encode(), salt.salt)
    assert opened["household_id"] == owner.household_id
    assert opened["detail"] == {"decision": "declined"}
    with pytest.raises(ValueError, match="commitment does not match"):
        service.entries.check_opening(event.entry, opening.body.encode(), b"\x00" * 32)


def test_two_events_of_one_household_do_not_look_alike(world: World) -> None:
    owner = world.person(Role.RESIDENT)
    with world.sessions.begin() as db:
        ids = [
            service.record(db, "owner:setting:changed", household_id=owner.household_id)
            for _ in range(2)
        ]
    with world.sessions() as db:
        entries = [json.loads(db.get(LogEvent, i).entry)["commitment"] for i in ids]  # type: ignore[union-attr]
        assert db.scalar(select(func.count()).select_from(HouseholdSalt)) == 1
    assert entries[0] != entries[1]


def test_deleting_a_household_forgets_its_salt_but_keeps_the_log(
    world: World, sequence: Callable[[], int]
) -> None:
    owner = world.person(Role.RESIDENT)
    assert owner.household_id is not None
    with world.sessions.begin() as db:
        service.record(db, "owner:setting:changed", household_id=owner.household_id)
    sequence()
    with world.sessions.begin() as db:
        homes.delete_household(db, actor(world, owner), owner.household_id)
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(HouseholdSalt)) == 0
        assert db.scalar(select(func.count()).select_from(Opening)) == 0
        assert db.scalar(select(func.count()).select_from(LogEvent)) == 1


def test_changing_a_setting_is_recorded_for_the_household(
    world: World, sequence: Callable[[], int]
) -> None:
    owner = world.person(Role.RESIDENT)
    assert owner.household_id is not None
    with world.sessions.begin() as db:
        homes.update_settings(
            db, actor(world, owner), owner.household_id, SettingsIn(retention_days=7)
        )
    with world.sessions() as db:
        opening = db.scalars(select(Opening)).one()
    body = json.loads(opening.body)
    assert body["event"] == "owner:setting:changed"
    assert body["detail"] == {"setting": "retention_days", "old": "30", "new": "7"}
    assert opening.household_id == owner.household_id


def test_a_rolled_back_event_never_reaches_the_log(
    world: World, sequence: Callable[[], int]
) -> None:
    with world.sessions() as db:
        service.record(db, "agency:request:created")
        db.rollback()
    sequence()
    assert _entries(world) == []


def test_a_new_key_re_signs_the_same_tree(
    world: World, sequence: Callable[[], int], public_log: LogPublisher
) -> None:
    with world.sessions.begin() as db:
        service.record(db, "agency:request:created")
    sequence()
    other = service.log_signer("another secret of enough length", public_log.origin)
    with world.sessions() as db:
        service.sequence(db, other, public_log.blobs)
        checkpoint = service.current_checkpoint(db)
    assert checkpoint is not None
    assert open_checkpoint(checkpoint.note, other.verifier()).size == 1


def test_the_signing_key_is_derived_from_the_setting() -> None:
    one = service.log_signer("s" * 40, "log.example/one")
    assert (
        one.verifier().to_string()
        == service.log_signer("s" * 40, "log.example/one").verifier().to_string()
    )
    assert (
        one.verifier().to_string()
        != service.log_signer("t" * 40, "log.example/one").verifier().to_string()
    )
    assert one.name == "log.example/one"


class _BrokenStore:
    """A blob store whose writes fail, as during an outage."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def put(self, *args: object, **kwargs: object) -> None:
        raise OSError("the blob store is down")

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_tiles_are_written_later_when_the_blob_store_fails(
    world: World, public_log: LogPublisher
) -> None:
    broken = _BrokenStore(public_log.blobs)
    with world.sessions.begin() as db:
        for _ in range(3):
            service.record(db, "system:share:expired")
    with world.sessions() as db:
        assert service.sequence(db, public_log.signer, broken) == 3  # type: ignore[arg-type]
        checkpoint = service.current_checkpoint(db)
        assert checkpoint is not None
        assert not checkpoint.published
    assert list(public_log.blobs.list("log/")) == []
    with world.sessions() as db:
        assert service.sequence(db, public_log.signer, public_log.blobs) == 0
        checkpoint = service.current_checkpoint(db)
        assert checkpoint is not None
        assert checkpoint.published
    assert "log/tile/entries/000.p/3" in set(public_log.blobs.list("log/"))
