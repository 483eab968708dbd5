"""The feed's demo content: live posts, a held post and a pending appeal."""

from __future__ import annotations

from porchlight.authz import Role
from porchlight.feed import review
from porchlight.feed.demo import seed_feed
from tests.conftest import World
from tests.feed.factories import actor


def test_seed_feed_makes_live_held_and_appealed_posts_once(world: World) -> None:
    residents = [world.person().user.id for _ in range(3)]
    mod, other = world.person(Role.MODERATOR), world.person(Role.MODERATOR)
    with world.sessions.begin() as db:
        seeded = seed_feed(db, residents, mod.user.id)
    assert len(seeded.live) == 5
    assert seeded.held
    assert seeded.appealed
    with world.sessions.begin() as db:
        assert seed_feed(db, residents, mod.user.id).live == []  # idempotent
        figures = review.stats(db, actor(world, other))
        queue = review.queue(db, actor(world, other), None, 50).items
    assert (figures.posts, figures.posts_held, figures.appeals_pending) == (7, 2, 1)
    assert sorted(i.trigger for i in queue) == ["appeal", "checks"]
