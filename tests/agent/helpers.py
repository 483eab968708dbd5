"""An agent with one camera, talking to the test app, for the agent tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from porchlight.agent.config import AgentConfig, CameraConfig
from porchlight.agent.runner import Agent
from porchlight.client import PorchlightClient
from tests.conftest import Person


def one_camera_agent(
    client: TestClient, person: Person, source: str | Path, spool: Path, **camera: Any
) -> Agent:
    """The person's camera watching ``source``; ``camera`` sets its other options."""
    assert person.camera_id is not None
    config = AgentConfig(
        server="http://testserver",
        token=person.token,
        spool=spool,
        cameras=[CameraConfig(id=person.camera_id, source=str(source), **camera)],
    )
    return Agent(config, PorchlightClient(token=person.token, http=client))
