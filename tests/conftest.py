"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
PORCHLIGHT_TEST_DATABASE_URL is set), the app, a client, and account factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from porchlight.accounts.models import User
from porchlight.accounts.schemas import AgencyIn, UserIn
from porchlight.accounts.service import SYSTEM, Accounts
from porchlight.app import build_accounts, create_app
from porchlight.authz import Actor, Role
from porchlight.db import Base, make_engine, make_sessionmaker, transaction
from porchlight.homes import service as homes
from porchlight.homes.schemas import CameraIn, CameraKind, HouseholdIn, ZoneIn
from porchlight.migrate import upgrade
from porchlight.settings import Settings
from porchlight.web.deps import actor_for

# The browser fixtures live in one module, so one Chromium serves every test that needs it.
pytest_plugins = ["tests.browser"]

PASSWORD = "correct-horse-battery"
TEST_DB_ENV = "PORCHLIGHT_TEST_DATABASE_URL"


def _postgres_database(url: str) -> Iterator[str]:
    """Create a fresh database on the server named by ``url``, and drop it afterwards."""
    base = make_url(url)
    name = f"porchlight_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get(TEST_DB_ENV)
    if url and url.startswith("postgresql"):
        yield from _postgres_database(url)
    else:
        path = tmp_path_factory.mktemp("db") / "porchlight.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the database."""
    yield
    if "engine" not in request.fixturenames:
        return
    eng: Engine = request.getfixturevalue("engine")
    with eng.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=database_url,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        login_rate_per_minute=1000,
        jobs_interval_minutes=0,
        log_sequence_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https so that Secure cookies travel, as they do in a browser on localhost.
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    return build_accounts(settings)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with transaction(make_sessionmaker(engine)) as session:
        yield session


@dataclass
class Person:
    """A test account with its API headers and (for residents) a household."""

    user: User
    email: str
    token: str
    household_id: str | None = None
    camera_id: str | None = None
    zone_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class World:
    """Builds accounts, agencies and households directly through the services."""

    def __init__(self, engine: Engine, accounts: Accounts) -> None:
        self.sessions = make_sessionmaker(engine)
        self.accounts = accounts
        self._agency_id: str | None = None

    def agency_id(self) -> str:
        if self._agency_id is None:
            with transaction(self.sessions) as db:
                agency = self.accounts.create_agency(
                    db,
                    SYSTEM,
                    AgencyIn(
                        name=f"Test Police {uuid.uuid4().hex[:6]}",
                        jurisdiction="Testville",
                        public_contact="desk@police.example",
                        policy_url="https://police.example/footage-policy",
                        retention_days=30,
                    ),
                )
                self._agency_id = agency.id
        return self._agency_id

    def person(
        self, role: Role = Role.RESIDENT, *, home: bool | None = None, email: str | None = None
    ) -> Person:
        email = email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.org"
        agency = self.agency_id() if role in (Role.OFFICER, Role.SUPERVISOR) else None
        with transaction(self.sessions) as db:
            user = self.accounts.create_user(
                db,
                SYSTEM,
                UserIn(
                    email=email,
                    display_name=f"Test {role.value}",
                    password=PASSWORD,
                    role=role,
                    agency_id=agency,
                ),
            )
            secret, _ = self.accounts.login_token(db, user)
            person = Person(user, email, secret)
            if home if home is not None else role is Role.RESIDENT:
                actor = Actor(user_id=user.id, role=role)
                house = homes.create_household(
                    db,
                    actor,
                    HouseholdIn(name="Test house", address="12 Test Lane", lat=45.47, lng=-122.65),
                )
                actor = actor_for(db, user, None)
                camera = homes.add_camera(
                    db, actor, house.id, CameraIn(name="Front door", kind=CameraKind.DOORBELL)
                )
                zone = homes.add_zone(
                    db, actor, camera.id, ZoneIn(points=[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]])
                )
                person.household_id, person.camera_id, person.zone_id = (
                    house.id,
                    camera.id,
                    zone.id,
                )
        return person


@pytest.fixture
def world(engine: Engine, accounts: Accounts) -> World:
    return World(engine, accounts)


@pytest.fixture
def resident(world: World) -> Person:
    return world.person(Role.RESIDENT)


# Small real media, made once per test session, for every feature that needs clips.
@pytest.fixture(scope="session")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_mp4(tmp_path_factory.mktemp("media") / "event.mp4")


@pytest.fixture(scope="session")
def mp4_with_sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s clip of the video tests' scene with a 440 Hz tone: for the audio choices."""
    from tests.video.conftest import moving_box, write_video

    path = tmp_path_factory.mktemp("media") / "sound.mp4"
    return write_video(path, moving_box(seconds=2.0, start=0.5, stop=1.5), audio_seconds=2.0)


@pytest.fixture(scope="session")
def jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "thumb.jpg"
    image = np.zeros((90, 160, 3), dtype=np.uint8)
    image[20:70, 40:120] = (40, 160, 220)
    assert cv2.imwrite(str(path), image)
    return path


def _make_mp4(path: Path) -> Path:
    from tests.vault.conftest import make_mp4

    return make_mp4(path)
