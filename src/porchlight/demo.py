"""A believable demo neighbourhood: Sellwood-Moreland, Portland, Oregon.

About 40 households and 60 cameras over roughly one square mile, one agency with an
officer and a supervisor, and one account for every staff role.  Addresses use the
area's street names with made-up house numbers.  Seeding is idempotent: run twice,
it adds nothing the second time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from porchlight import demo_media
from porchlight.accounts.schemas import AgencyIn, UserIn
from porchlight.accounts.service import SYSTEM, Accounts
from porchlight.authz import Actor, Role
from porchlight.client import encrypt_part
from porchlight.feed.demo import seed_feed
from porchlight.homes import service as homes
from porchlight.homes.schemas import CameraIn, CameraKind, HouseholdIn, SettingsIn, ZoneIn
from porchlight.requests.schemas import RequestIn, ResponseIn
from porchlight.requests.service import Requests
from porchlight.vault.schemas import PartIn, UploadIn
from porchlight.vault.service import Vault

# The neighbourhood's bounding box: about 1.5 km by 1.6 km, just under one square mile.
SOUTH, NORTH = 45.4625, 45.4760
WEST, EAST = -122.6640, -122.6450
STREETS = [
    "SE Tacoma St",
    "SE Spokane St",
    "SE Umatilla St",
    "SE Tenino St",
    "SE Lexington St",
    "SE Nehalem St",
    "SE Harney St",
    "SE Bidwell St",
    "SE 13th Ave",
    "SE 15th Ave",
    "SE 17th Ave",
    "SE Milwaukie Ave",
]
FAMILY = [
    "Alvarez",
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Patel",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Fischer",
    "Mendes",
    "Larsen",
    "Osei",
    "Romero",
    "Dubois",
    "Kim",
    "Walsh",
    "Ivanova",
    "Yilmaz",
    "Moreau",
    "Singh",
]
DEMO_PASSWORD = "porchlight-demo-pass"  # noqa: S105 - printed demo login, by design
DOMAIN = "porchlight.example"
AGENCY_NAME = "Sellwood Precinct, Demo City Police"
HOUSEHOLDS = 40


@dataclass(frozen=True)
class DemoAccount:
    """A demo login, printed for people and as JSON for scripts."""

    email: str
    password: str
    role: str
    name: str


def staff_accounts() -> list[DemoAccount]:
    """The demo's staff and agency logins."""
    return [
        DemoAccount(f"admin@{DOMAIN}", DEMO_PASSWORD, Role.ADMIN.value, "Ada Admin"),
        DemoAccount(f"moderator@{DOMAIN}", DEMO_PASSWORD, Role.MODERATOR.value, "Mo Moderator"),
        # A second moderator, so that an appeal has someone other than the first to go to.
        DemoAccount(f"moderator2@{DOMAIN}", DEMO_PASSWORD, Role.MODERATOR.value, "Max Moderator"),
        DemoAccount(f"legal@{DOMAIN}", DEMO_PASSWORD, Role.LEGAL_REVIEWER.value, "Lee Legal"),
        DemoAccount(f"auditor@{DOMAIN}", DEMO_PASSWORD, Role.AUDITOR.value, "Audrey Auditor"),
        DemoAccount(f"officer@{DOMAIN}", DEMO_PASSWORD, Role.OFFICER.value, "Officer Olsen"),
        DemoAccount(f"supervisor@{DOMAIN}", DEMO_PASSWORD, Role.SUPERVISOR.value, "Sgt. Sato"),
    ]


def resident_accounts() -> list[DemoAccount]:
    """One resident login per demo household."""
    return [
        DemoAccount(
            f"resident{i:02d}@{DOMAIN}",
            DEMO_PASSWORD,
            Role.RESIDENT.value,
            f"{FAMILY[i % len(FAMILY)]} household member {i:02d}",
        )
        for i in range(1, HOUSEHOLDS + 1)
    ]


def all_accounts() -> list[DemoAccount]:
    """Every demo login."""
    return staff_accounts() + resident_accounts()


def _actor(user_id: str) -> Actor:
    return Actor(user_id=user_id, role=Role.RESIDENT)


def _seed_household(db: Session, accounts: Accounts, index: int, rng: random.Random) -> None:
    account = resident_accounts()[index - 1]
    user = accounts.create_user(
        db,
        SYSTEM,
        UserIn(email=account.email, display_name=account.name, password=account.password),
    )
    lat = round(rng.uniform(SOUTH, NORTH), 6)
    lng = round(rng.uniform(WEST, EAST), 6)
    address = f"{rng.randrange(1000, 2000, 2)} {rng.choice(STREETS)}, Portland, OR"
    home = homes.create_household(
        db,
        _actor(user.id),
        HouseholdIn(
            name=f"The {FAMILY[index % len(FAMILY)]} house", address=address, lat=lat, lng=lng
        ),
    )
    actor = Actor(
        user_id=user.id,
        role=Role.RESIDENT,
        household_ids=frozenset({home.id}),
        owner_of=frozenset({home.id}),
    )
    # About one household in seven has turned police requests off.
    if index % 7 == 0:
        homes.update_settings(db, actor, home.id, SettingsIn(police_requests_enabled=False))
    if index % 11 == 0:
        homes.update_settings(db, actor, home.id, SettingsIn(retention_days=14))
    door = homes.add_camera(
        db,
        actor,
        home.id,
        CameraIn(
            name="Front door", kind=CameraKind.DOORBELL, position="front porch, facing the street"
        ),
    )
    if index % 2 == 0:
        homes.add_camera(
            db,
            actor,
            home.id,
            CameraIn(
                name="Driveway",
                kind=CameraKind.OUTDOOR,
                position="over the garage",
                people_only=index % 4 == 0,
            ),
        )
    if index % 3 == 0:
        # Keep the neighbour's window across the street out of the frame.
        homes.add_zone(
            db,
            actor,
            door.id,
            ZoneIn(
                name="Neighbour's window",
                points=[[0.62, 0.10], [0.95, 0.10], [0.95, 0.42], [0.62, 0.42]],
            ),
        )


def seed_clips(db: Session, vault: Vault, workdir: Path, now: datetime) -> int:
    """Give every demo household two clips from the last few days, encrypted as usual."""
    events = [demo_media.render(workdir, kind) for kind in ("person", "vehicle", "animal")]
    holders = {"vault": vault.recipient}
    count = 0
    for index, account in enumerate(resident_accounts()):
        from porchlight.accounts.models import User

        user = db.scalar(select(User).where(User.email == account.email))
        assert user is not None
        ids, owned = homes.memberships(db, user.id)
        actor = Actor(user_id=user.id, role=Role.RESIDENT, household_ids=ids, owner_of=owned)
        camera = homes.list_cameras(db, actor, next(iter(ids)))[0]
        for n in range(2):
            event = events[(index + n) % len(events)]
            started = now - timedelta(days=(index + 3 * n) % 10, hours=n * 5 + 1)
            media = encrypt_part(event.media, holders, workdir)
            thumb = encrypt_part(event.thumbnail, holders, workdir)
            upload = vault.start_upload(
                db,
                actor,
                UploadIn(
                    camera_id=camera.id,
                    idempotency_key=f"demo-{index}-{n}",
                    started_at=started,
                    ended_at=started + timedelta(seconds=event.seconds),
                    labels=event.labels,
                    media=PartIn(**media.announce()),
                    thumbnail=PartIn(**thumb.announce()),
                ),
            )
            for name, part in (("media", media), ("thumbnail", thumb)):
                with part.path.open("rb") as f:
                    vault.receive(db, actor, upload.id, name, 0, f)
                part.path.unlink()
            vault.complete(db, actor, upload.id)
            count += 1
    return count


def _staff_actor(db: Session, email: str) -> Actor:
    from porchlight.accounts.models import User

    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    return Actor(user_id=user.id, role=Role(user.role), agency_id=user.agency_id)


def seed_requests(db: Session, requests: Requests, now: datetime) -> int:
    """Three requests in different states: awaiting approval, open with a share, resolved."""
    from porchlight.requests.rules import circle

    officer = _staff_actor(db, f"officer@{DOMAIN}")
    supervisor = _staff_actor(db, f"supervisor@{DOMAIN}")
    first = resident_accounts()[0]
    owner_user = _staff_actor(db, first.email)
    ids, owned = homes.memberships(db, owner_user.user_id or "")
    owner = Actor(user_id=owner_user.user_id, role=Role.RESIDENT, household_ids=ids, owner_of=owned)
    home = homes.get_household(db, owner, next(iter(ids)))
    # resident01's first demo clip started an hour ago (see seed_clips).
    window = (now - timedelta(hours=1, minutes=30), now - timedelta(minutes=20))
    made = []
    for case, kind, why in (
        (
            "2026-004512",
            "package_theft",
            "A parcel was taken from a porch on this block at "
            "about the time shown; a grey hatchback was seen leaving. Footage may show it.",
        ),
        (
            "2026-004519",
            "vehicle_break_in",
            "Two cars were broken into on this street; we are "
            "looking for footage of anyone trying car doors in the window.",
        ),
        (
            "2026-004388",
            "vandalism",
            "A fence and a parked car were spray-painted overnight; "
            "footage of the street may show when and by whom.",
        ),
    ):
        made.append(
            requests.draft(
                db,
                officer,
                RequestIn(
                    case_number=case,
                    incident_type=kind,
                    justification=why,
                    incident_at=window[0] + timedelta(minutes=20),
                    window_start=window[0],
                    window_end=window[1],
                    area=circle(home.lng, home.lat, 350),
                    contact="records@police.demo-city.example",
                ),
            )
        )
    open_request, _, resolved = made
    requests.approve(db, supervisor, open_request.id)
    requests.approve(db, supervisor, resolved.id)
    clips = requests.inbox_item(db, owner, open_request.id)[3]
    if clips:
        shares = requests.respond(
            db,
            owner,
            open_request.id,
            ResponseIn(decision="share", clip_ids=[clips[0].id], original=True),
        )
        db.commit()  # the answer is saved before its copy is made, as on the server
        requests.prepare_shares(db, [s.id for s in shares])  # ready when the demo opens
    requests.close(db, officer, resolved.id)
    return len(made)


def _user_id(accounts: Accounts, db: Session, email: str) -> str:
    user = accounts.find_user(db, email)
    assert user is not None
    return user.id


def seed(db: Session, accounts: Accounts) -> bool:
    """Seed the demo neighbourhood; return False if it was already there."""
    if accounts.find_user(db, staff_accounts()[0].email) is not None:
        return False
    agency = accounts.create_agency(
        db,
        SYSTEM,
        AgencyIn(
            name=AGENCY_NAME,
            jurisdiction="Demo City, Oregon",
            public_contact="records@police.demo-city.example",
            policy_url="https://police.demo-city.example/footage-policy",
            retention_days=90,
        ),
    )
    for account in staff_accounts():
        role = Role(account.role)
        accounts.create_user(
            db,
            SYSTEM,
            UserIn(
                email=account.email,
                display_name=account.name,
                password=account.password,
                role=role,
                agency_id=agency.id if role in (Role.OFFICER, Role.SUPERVISOR) else None,
            ),
        )
    rng = random.Random(20261128)  # noqa: S311 - layout of demo data, not a secret
    for index in range(1, HOUSEHOLDS + 1):
        _seed_household(db, accounts, index, rng)
    residents = [_user_id(accounts, db, a.email) for a in resident_accounts()[:6]]
    seed_feed(db, residents, _user_id(accounts, db, f"moderator@{DOMAIN}"))
    return True
