"""Builders for feed tests and the authorization matrix: posts, comments, queue items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from porchlight.accounts.models import User
from porchlight.authz import Actor, Role
from porchlight.feed import review, service
from porchlight.feed.moderation import Pipeline, default_pipeline
from porchlight.feed.schemas import CommentIn, DecisionIn, PostIn
from porchlight.web.deps import actor_for
from tests.conftest import Person, World

CLEAN: dict[str, Any] = {
    "category": "crime",
    "title": "Bike taken from a porch",
    "body": "A grey bike was taken from our porch overnight. Has anyone seen it?",
}
HELD: dict[str, Any] = {
    "category": "safety",
    "title": "Call me about the car",
    "body": "Someone keeps parking across our drive; call me on 503-555-0142 if you know whose.",
}


class FixedScores:
    """A stand-in classifier: a fixed score for every text (the Protocol is all it needs)."""

    def __init__(self, score: float = 0.0) -> None:
        self.score = score
        self.seen: list[str] = []

    def scores(self, texts: Sequence[str]) -> list[float]:
        self.seen.extend(texts)
        return [self.score for _ in texts]


def quiet_pipeline() -> Pipeline:
    """The default rule checks with a classifier that never objects."""
    return default_pipeline(FixedScores(0.0))


def actor(world: World, user: User | Person) -> Actor:
    """The web-session actor (every scope of the role) of a test account."""
    account = user.user if isinstance(user, Person) else user
    with world.sessions() as db:
        return actor_for(db, account, None)


def post(world: World, person: Person, fields: dict[str, Any] | None = None) -> str:
    """A post by ``person`` through the service; returns its id."""
    with world.sessions.begin() as db:
        data = PostIn.model_validate(fields or CLEAN)
        return service.create_post(db, actor(world, person), data, default_pipeline()).id


def comment(world: World, person: Person, post_id: str, body: str = "Seen it, sorry.") -> str:
    with world.sessions.begin() as db:
        made = service.add_comment(
            db, actor(world, person), post_id, CommentIn(body=body), default_pipeline()
        )
        return made.id


def open_item(world: World, post_id: str) -> str:
    """The id of the post's first open queue item."""
    with world.sessions() as db:
        mod = world.person(Role.MODERATOR)
        items = review.queue(db, actor(world, mod), None, 200).items
        return next(i.id for i in items if i.post_id == post_id)


def decide(
    world: World, moderator: Person, item_id: str, outcome: str, guideline: str | None = None
) -> None:
    with world.sessions.begin() as db:
        data = DecisionIn.model_validate(
            {"outcome": outcome, "guideline": guideline, "note": "Decided in a test."}
        )
        review.decide(db, actor(world, moderator), item_id, data)


def rejected_post(world: World, person: Person) -> str:
    """A post held by the checks and then rejected by a moderator."""
    post_id = post(world, person, HELD)
    decide(
        world, world.person(Role.MODERATOR), open_item(world, post_id), "reject", "personal-data"
    )
    return post_id


def feed_ids(world: World, owner: Person, path: str) -> dict[str, str]:
    """Path parameters for the matrix: objects of ``owner`` that the path's route needs.

    ``{post_id}`` is a live post, except on appeal routes, where only a rejected post can
    be appealed; ``{item_id}`` is a post held by the checks.
    """
    ids: dict[str, str] = {}
    if path.endswith("/appeal"):
        ids["post_id"] = rejected_post(world, owner)
    elif "{post_id}" in path or "{comment_id}" in path:
        ids["post_id"] = post(world, owner)
    if "{comment_id}" in path:
        ids["comment_id"] = comment(world, owner, ids["post_id"])
    if "{item_id}" in path:
        ids["item_id"] = open_item(world, post(world, owner, HELD))
    return ids
