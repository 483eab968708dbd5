"""Fixtures for the transparency tests: the app's log, a sequencer, and a live server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from porchlight.transparency import service
from porchlight.transparency.service import LogPublisher
from tests.conftest import World


@pytest.fixture
def public_log(app: FastAPI) -> LogPublisher:
    found: LogPublisher = app.state.transparency
    return found


@pytest.fixture
def sequence(world: World, public_log: LogPublisher) -> Callable[[], int]:
    """Run the sequencer once, as the server's job does; returns how many it appended."""

    def run() -> int:
        with world.sessions() as db:
            return service.sequence(db, public_log.signer, public_log.blobs)

    return run
