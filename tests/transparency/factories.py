"""Builders for transparency tests and the authorization matrix: events in a signed log."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porchlight.transparency import service
from porchlight.transparency.service import LogPublisher
from tests.conftest import World

# A resolution 7 cell in Portland, where the test households are.
CELL = "8728f0119ffffff"


class _PathValue(str):
    """A path value that also fills a ``{name:path}`` route template in ``str.format``."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return str(self)


def publisher(client: TestClient) -> LogPublisher:
    """The app's log: its signer and blob store."""
    found: LogPublisher = client.app.state.transparency  # type: ignore[attr-defined]
    return found


def logged_requests(world: World, client: TestClient, count: int = 3) -> int:
    """Record ``count`` public request events for the world's agency and sequence them."""
    log = publisher(client)
    with world.sessions() as db:
        for n in range(count):
            service.record(
                db,
                "agency:request:created",
                agency_id=world.agency_id(),
                request_id=f"{n:032x}",
                case_number=f"2026-{n:05d}",
                cell=CELL,
                counts={"households": 4},
            )
        db.commit()
        service.sequence(db, log.signer, log.blobs)
        checkpoint = service.current_checkpoint(db)
        assert checkpoint is not None
        return checkpoint.size


def transparency_ids(world: World, client: TestClient, path: str) -> dict[str, Any]:
    """For the matrix: a log of 3 entries, and the ids its routes' paths need."""
    if not path.startswith(("/log/", "/api/v1/log", "/transparency")):
        return {}
    size = logged_requests(world, client)
    return {
        "tile_path": _PathValue(f"0/000.p/{size}"),
        "index": 0,
        "first": 1,
        "second": size,
        "agency_id": world.agency_id(),
        "jurisdiction": "Testville",
    }
