"""My record: an owner's events with receipts that open the public commitments, and a
public log that names nobody."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from porchlight.authz import Role
from porchlight.ledger import Verifier, leaf_hash, open_checkpoint, verify_inclusion
from porchlight.transparency import entries, service
from porchlight.transparency.models import LogEvent
from porchlight.web.context import SESSION_COOKIE
from tests.conftest import Person, World
from tests.vault.conftest import make_mp4, upload


def _receipts(client: TestClient, person: Person) -> list[dict[str, Any]]:
    response = client.get("/api/v1/my-record", headers=person.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _check(receipt: dict[str, Any], verifier: Verifier) -> dict[str, Any]:
    """What anyone can do with a receipt: open the commitment, check the inclusion."""
    entry = receipt["entry"].encode()
    opened = entries.check_opening(
        entry, receipt["opening"].encode(), bytes.fromhex(receipt["salt"])
    )
    checkpoint = open_checkpoint(receipt["checkpoint"], verifier)
    proof = receipt["inclusion"]
    hashes = [base64.b64decode(h) for h in proof["proof"]]
    verify_inclusion(
        leaf_hash(entry), proof["index"], checkpoint.size, hashes, checkpoint.root_hash
    )
    return opened


def test_receipts_open_and_prove_inclusion(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    owner, neighbour = world.person(Role.RESIDENT), world.person(Role.RESIDENT)
    for person, days in ((owner, 7), (neighbour, 9)):
        response = client.patch(
            f"/api/v1/households/{person.household_id}/settings",
            json={"retention_days": days, "audio_recording_enabled": True},
            headers=person.headers,
        )
        assert response.status_code == 200
    pending = _receipts(client, owner)
    assert [r["status"] for r in pending] == ["pending", "pending"]
    assert pending[0]["inclusion"] is None
    sequence()
    verifier = Verifier.from_string(client.get("/log/key").text.strip())
    receipts = _receipts(client, owner)
    assert len(receipts) == 2
    opened = [_check(r, verifier) for r in receipts]
    assert {o["household_id"] for o in opened} == {owner.household_id}
    assert {o["detail"]["setting"] for o in opened} == {"retention_days", "audio_recording_enabled"}
    # The neighbour sees only their own household's record.
    assert {r["household_id"] for r in _receipts(client, neighbour)} == {neighbour.household_id}
    # A receipt for another household's salt does not open.
    tampered = receipts[0] | {"salt": _receipts(client, neighbour)[0]["salt"]}
    with pytest.raises(ValueError, match="commitment does not match"):
        _check(tampered, verifier)


def test_footage_access_lands_in_my_record(
    client: TestClient, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    owner = world.person(Role.RESIDENT)
    clip = upload(client, owner, make_mp4(tmp_path / "a.mp4"))
    assert client.get(f"/api/v1/clips/{clip['id']}/media", headers=owner.headers).status_code == 200
    assert client.delete(f"/api/v1/clips/{clip['id']}", headers=owner.headers).status_code == 204
    sequence()
    events = [r["event"] for r in _receipts(client, owner)]
    assert events == ["owner:clip:deleted", "owner:clip:viewed"]


def test_the_public_log_names_no_household_person_or_place(
    client: TestClient, world: World, sequence: Callable[[], int], tmp_path: Path
) -> None:
    people = [world.person(Role.RESIDENT) for _ in range(3)]
    for person in people:
        client.patch(
            f"/api/v1/households/{person.household_id}/settings",
            json={"retention_days": 14},
            headers=person.headers,
        )
    clip = upload(client, people[0], make_mp4(tmp_path / "b.mp4"))
    client.get(f"/api/v1/clips/{clip['id']}/media", headers=people[0].headers)
    with world.sessions.begin() as db:
        service.record(db, "agency:request:created", agency_id=world.agency_id(), counts={"n": 3})
    sequence()
    size = client.get("/api/v1/log").json()["tree_size"]
    assert size >= 5
    served = client.get(f"/log/tile/entries/000.p/{size}").content
    for index in range(size):
        served += json.dumps(client.get(f"/api/v1/log/entries/{index}").json()).encode()
    secrets = [clip["id"]]
    for person in people:
        secrets += [person.household_id or "", person.user.id, person.email, person.camera_id or ""]
    secrets += ["12 Test Lane", "45.47", "-122.65", "Test house"]
    for secret in secrets:
        assert secret.encode() not in served, secret
    with world.sessions() as db:
        for raw in db.scalars(select(LogEvent.entry)):
            body = entries.parse_entry(raw)
            assert "household_id" not in body


def test_my_record_page_lists_events_with_receipts(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    owner = world.person(Role.RESIDENT)
    client.patch(
        f"/api/v1/households/{owner.household_id}/settings",
        json={"share_blur_default": False},
        headers=owner.headers,
    )
    sequence()
    with world.sessions.begin() as db:
        secret, _ = world.accounts.start_web_session(db, owner.user)
    client.cookies.set(SESSION_COOKIE, secret, domain="testserver.local")
    page = client.get("/my-record")
    assert page.status_code == 200
    assert "owner:setting:changed" in page.text
    assert "entry 0" in page.text
    assert owner.household_id in page.text  # the receipt, shown to its owner only
