"""Demo content for the feed: live posts with comments, a held post and an appeal.

Called by the demo seeding with the residents' and a moderator's user ids.  The posts go
through the real services and checks, so the demo shows exactly what a user would get.
Idempotent: it adds nothing when the feed already has posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from porchlight.authz import Actor, Role
from porchlight.feed import review, service
from porchlight.feed.models import Post
from porchlight.feed.moderation import Pipeline, default_pipeline
from porchlight.feed.schemas import AppealIn, CommentIn, DecisionIn, PostIn
from porchlight.homes.service import memberships

LIVE = [
    {
        "category": "crime",
        "title": "Catalytic converter stolen on Tenino",
        "body": "Someone sawed the catalytic converter off our car between 2 and 4am. "
        "The noise lasted a couple of minutes. Worth checking yours.",
    },
    {
        "category": "lost_pet",
        "title": "Lost cat: grey tabby, green collar",
        "body": "Our grey tabby slipped out on Tuesday evening. She is shy and microchipped. "
        "Please check garages and sheds. 🐈",
    },
    {
        "category": "safety",
        "title": "Branch down across the sidewalk",
        "body": "The storm brought a big branch down on SE 15th Ave by the school. "
        "The city has been told; walk on the other side for now.",
    },
    {
        "category": "crime",
        "title": "Car prowler caught on our doorbell",
        "body": "At 3:40am someone went down the street trying car doors. Two unlocked cars "
        "were opened and rummaged through. Lock up tonight.",
        "person": {
            "behaviour": "tried the door handles of parked cars and opened two unlocked ones",
            "clothing": "dark hoodie, light trainers",
            "height": "about 5'10\"",
            "race_ethnicity": "white",
        },
    },
    {
        "category": "found_pet",
        "title": "Found: small brown terrier",
        "body": "Found a small brown terrier near Sellwood Park this morning, no collar. "
        "He is safe with us; comment here if he is yours.",
    },
]
# Race given with a vague behaviour and one other detail: held with guidance.
HELD = {
    "category": "suspicious_activity",
    "title": "Man near the school",
    "body": "There was a man near the school gates this afternoon.",
    "person": {"behaviour": "looked suspicious", "race_ethnicity": "black", "clothing": "hoodie"},
}
# A phone number: held, rejected by the moderator, then appealed by its author.
APPEALED = {
    "category": "lost_pet",
    "title": "Dog found, call me",
    "body": "Found a friendly black lab on Tacoma St. Call me on 503-555-0142 to collect.",
}
COMMENTS = ["Thanks, checking ours now.", "Same thing on Spokane St last week."]


@dataclass
class FeedSeed:
    """What was seeded, for the demo's printout and tests."""

    live: list[str] = field(default_factory=list)
    held: str | None = None
    appealed: str | None = None


def _resident(db: Session, user_id: str) -> Actor:
    ids, owned = memberships(db, user_id)
    return Actor(user_id=user_id, role=Role.RESIDENT, household_ids=ids, owner_of=owned)


def seed_feed(
    db: Session,
    resident_ids: Sequence[str],
    moderator_id: str,
    pipeline: Pipeline | None = None,
) -> FeedSeed:
    """Seed the feed; needs at least three residents with households and one moderator.

    The appeal waits for a moderator other than ``moderator_id``, who made the rejection.
    """
    seeded = FeedSeed()
    if db.scalar(select(func.count()).select_from(Post)):
        return seeded
    if len(resident_ids) < 3:
        raise ValueError("the feed demo needs at least three residents")
    checks = pipeline or default_pipeline()
    people = [_resident(db, uid) for uid in resident_ids]
    for n, data in enumerate(LIVE):
        author = people[n % len(people)]
        post = service.create_post(db, author, PostIn.model_validate(data), checks)
        seeded.live.append(post.id)
        if n < len(COMMENTS):
            neighbour = people[(n + 1) % len(people)]
            service.add_comment(db, neighbour, post.id, CommentIn(body=COMMENTS[n]), checks)
    seeded.held = service.create_post(db, people[1], PostIn.model_validate(HELD), checks).id
    appealed = service.create_post(db, people[2], PostIn.model_validate(APPEALED), checks)
    moderator = Actor(user_id=moderator_id, role=Role.MODERATOR)
    item = next(i for i in review.queue(db, moderator, None, 50).items if i.post_id == appealed.id)
    rejection = DecisionIn.model_validate(
        {
            "outcome": "reject",
            "guideline": "personal-data",
            "note": "Please take the phone number out; neighbours can reply in the comments.",
        }
    )
    review.decide(db, moderator, item.id, rejection)
    service.appeal(
        db,
        people[2],
        appealed.id,
        AppealIn(statement="It is my own number and the owner needs to reach me quickly."),
    )
    seeded.appealed = appealed.id
    db.flush()
    return seeded
