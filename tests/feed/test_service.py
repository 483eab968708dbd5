"""Feed and moderation use cases on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from porchlight import geo
from porchlight.authz import Actor, Role
from porchlight.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from porchlight.feed import review, service
from porchlight.feed.models import Decision, ModerationItem, Post
from porchlight.feed.schemas import AppealIn, CommentIn, DecisionIn, PostIn, PostPatch, ReportIn
from porchlight.homes import service as homes
from porchlight.homes.schemas import HouseholdIn
from tests.conftest import Person, World
from tests.feed.factories import CLEAN, HELD, actor, decide, open_item, post, quiet_pipeline

PIPE = quiet_pipeline()


def _post(world: World, person: Person, **fields: Any) -> Post:
    with world.sessions.begin() as db:
        return service.create_post(
            db, actor(world, person), PostIn.model_validate(CLEAN | fields), PIPE
        )


def _resident_at(world: World, lat: float, lng: float) -> Person:
    person = world.person(Role.RESIDENT, home=False)
    with world.sessions.begin() as db:
        home = HouseholdIn(name="Elsewhere", address="1 Far Rd", lat=lat, lng=lng)
        person.household_id = homes.create_household(db, actor(world, person), home).id
    return person


def _feed_ids(world: World, person: Person, radius: int = 1) -> list[str]:
    with world.sessions() as db:
        page, _ = service.feed(db, actor(world, person), radius, None, 50)
        return [p.id for p in page.items]


def test_a_clean_post_goes_live_at_the_coarse_cell_of_the_household(world: World) -> None:
    author, neighbour = world.person(), world.person()
    made = _post(world, author)
    assert made.status == "live"
    assert made.reasons == []
    assert made.cell == geo.coarsen(geo.cell_for(45.47, -122.65), 7)
    assert not hasattr(made, "household_id")  # nothing leads back to the address
    assert made.id in _feed_ids(world, neighbour)


def test_a_held_post_waits_in_the_queue_and_only_its_author_sees_why(world: World) -> None:
    author, neighbour, mod = world.person(), world.person(), world.person(Role.MODERATOR)
    post_id = post(world, author, HELD)
    with world.sessions() as db:
        held = service.get_post(db, actor(world, author), post_id)
        assert held.status == "held"
        assert [r["guideline"] for r in held.reasons] == ["personal-data"]
        with pytest.raises(NotFound):
            service.get_post(db, actor(world, neighbour), post_id)
        queue = review.queue(db, actor(world, mod), None, 50).items
        assert [(i.post_id, i.trigger) for i in queue] == [(post_id, "checks")]
    assert post_id not in _feed_ids(world, neighbour)


def test_only_residents_post_and_staff_cannot_read_the_feed(world: World) -> None:
    for role in (Role.MODERATOR, Role.OFFICER, Role.ADMIN):
        staff = world.person(role)
        with world.sessions() as db, pytest.raises(Forbidden):
            service.create_post(db, actor(world, staff), PostIn.model_validate(CLEAN), PIPE)
        with world.sessions() as db, pytest.raises(Forbidden):
            service.feed(db, actor(world, staff), 1, None, 10)


def test_a_resident_without_a_household_has_nowhere_to_post(world: World) -> None:
    homeless = world.person(Role.RESIDENT, home=False)
    with world.sessions() as db, pytest.raises(InvalidInput):
        service.create_post(db, actor(world, homeless), PostIn.model_validate(CLEAN), PIPE)


def test_posting_in_someone_elses_household_area_is_not_found(world: World) -> None:
    author, other = world.person(), world.person()
    data = PostIn.model_validate(CLEAN | {"household_id": other.household_id})
    with world.sessions() as db, pytest.raises(NotFound):
        service.create_post(db, actor(world, author), data, PIPE)


def test_attaching_a_clip_is_refused_and_nothing_is_saved(world: World) -> None:
    author = world.person()
    data = PostIn.model_validate(CLEAN | {"clip_id": "0" * 32})
    with world.sessions.begin() as db, pytest.raises(InvalidInput):
        service.create_post(db, actor(world, author), data, PIPE)
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Post)) == 0


def test_floods_and_duplicates_are_refused(world: World) -> None:
    author = world.person()
    _post(world, author)
    with pytest.raises(Conflict):
        _post(world, author)
    for n in range(service.POSTS_PER_HOUR - 1):
        _post(world, author, title=f"Alert number {n}")
    with pytest.raises(TooManyRequests) as caught:
        _post(world, author, title="One too many")
    assert int(caught.value.headers["Retry-After"]) > 3000


def test_the_feed_covers_the_cells_around_within_the_radius(world: World) -> None:
    reader = world.person()
    home = geo.coarsen(geo.cell_for(45.47, -122.65), 7)
    next_door = sorted(geo.disk(home, 1) - {home})[0]
    far = _resident_at(world, 47.61, -122.33)  # Seattle
    near = _resident_at(world, *geo.cell_center(next_door))
    near_post, far_post = _post(world, near).id, _post(world, far).id
    assert near_post in _feed_ids(world, reader, 1)
    assert near_post not in _feed_ids(world, reader, 0)
    assert far_post not in _feed_ids(world, reader, 2)
    with world.sessions() as db, pytest.raises(NotFound):
        service.get_post(db, actor(world, reader), far_post)
    with world.sessions() as db, pytest.raises(InvalidInput):
        service.feed(db, actor(world, reader), 3, None, 10)


def test_editing_a_held_post_reruns_the_checks(world: World) -> None:
    author = world.person()
    post_id = post(world, author, HELD)
    with world.sessions.begin() as db:
        fixed = PostPatch(body="Someone keeps parking across our drive; whose grey car is it?")
        edited = service.edit_post(db, actor(world, author), post_id, fixed, PIPE)
        assert (edited.status, edited.reasons) == ("live", [])
    with world.sessions() as db:
        open_items = select(ModerationItem).where(ModerationItem.is_open.is_(True))
        assert list(db.scalars(open_items)) == []


def test_after_a_rejection_a_resubmission_goes_to_a_person(world: World) -> None:
    author, mod = world.person(), world.person(Role.MODERATOR)
    post_id = post(world, author, HELD)
    decide(world, mod, open_item(world, post_id), "reject", "personal-data")
    with world.sessions.begin() as db:
        rejected = service.get_post(db, actor(world, author), post_id)
        assert rejected.status == "rejected"
        assert rejected.reasons[0]["guideline"] == "personal-data"
        patch = PostPatch(body="Someone keeps parking across our drive; whose car is it?")
        edited = service.edit_post(db, actor(world, author), post_id, patch, PIPE)
        assert edited.status == "held"
        assert [r["guideline"] for r in edited.reasons] == ["human-review"]
    with world.sessions() as db:
        items = review.queue(db, actor(world, mod), None, 10).items
        assert [i.trigger for i in items] == ["resubmission"]


def test_an_appeal_goes_to_a_different_moderator(world: World) -> None:
    author = world.person()
    first, second = world.person(Role.MODERATOR), world.person(Role.MODERATOR)
    post_id = post(world, author, HELD)
    with world.sessions() as db, pytest.raises(Conflict):
        service.appeal(db, actor(world, author), post_id, AppealIn(statement="Not yet decided"))
    decide(world, first, open_item(world, post_id), "reject", "personal-data")
    with world.sessions.begin() as db:
        item = service.appeal(db, actor(world, author), post_id, AppealIn(statement="My number."))
        item_id = item.id
    with world.sessions() as db:
        assert review.queue(db, actor(world, first), None, 10).items == []
        data = DecisionIn.model_validate({"outcome": "approve", "note": "Looks fine."})
        with pytest.raises(Forbidden):
            review.decide(db, actor(world, first), item_id, data)
        with pytest.raises(Conflict):
            service.appeal(db, actor(world, author), post_id, AppealIn(statement="Again"))
    decide(world, second, item_id, "approve")
    with world.sessions() as db:
        assert service.get_post(db, actor(world, author), post_id).status == "live"
        with pytest.raises(Conflict):  # one appeal per rejection
            service.appeal(db, actor(world, author), post_id, AppealIn(statement="Again"))
        figures = review.stats(db, actor(world, author))
    assert (figures.appeals, figures.appeals_overturned, figures.appeals_upheld) == (1, 1, 0)
    assert figures.rejected_by_guideline == {"personal-data": 1}


def test_a_rejection_cites_a_guideline_and_a_decision_is_made_once(world: World) -> None:
    author, mod = world.person(), world.person(Role.MODERATOR)
    item_id = open_item(world, post(world, author, HELD))
    data = DecisionIn.model_validate({"outcome": "reject", "note": "No reason"})
    with world.sessions() as db, pytest.raises(InvalidInput):
        review.decide(db, actor(world, mod), item_id, data)
    decide(world, mod, item_id, "approve")
    data = DecisionIn.model_validate({"outcome": "approve", "note": "Again"})
    with world.sessions() as db, pytest.raises(Conflict):
        review.decide(db, actor(world, mod), item_id, data)


def test_residents_cannot_moderate(world: World) -> None:
    author, other = world.person(), world.person()
    item_id = open_item(world, post(world, author, HELD))
    with world.sessions() as db:
        for call in (
            lambda a: review.queue(db, a, None, 10),
            lambda a: review.get_item(db, a, item_id),
            lambda a: review.my_decisions(db, a, None, 10),
        ):
            with pytest.raises(Forbidden):
                call(actor(world, other))


def test_comments_pass_the_checks_and_held_ones_stay_private(world: World) -> None:
    author, neighbour, third = world.person(), world.person(), world.person()
    post_id = _post(world, author).id
    with world.sessions.begin() as db:
        calm = service.add_comment(
            db, actor(world, neighbour), post_id, CommentIn(body="Seen it"), PIPE
        )
        held = service.add_comment(
            db, actor(world, neighbour), post_id, CommentIn(body="These animals again."), PIPE
        )
        assert (calm.status, held.status) == ("live", "held")
    with world.sessions() as db:
        the_post = service.get_post(db, actor(world, third), post_id)
        assert [c.body for c in service.visible_comments(db, actor(world, third), the_post)] == [
            "Seen it"
        ]
        mine = service.visible_comments(db, actor(world, neighbour), the_post)
        assert len(mine) == 2


def test_reports_queue_the_post_and_three_take_it_down(world: World) -> None:
    author = world.person()
    reporters = [world.person() for _ in range(service.REPORTS_TO_HOLD)]
    post_id = _post(world, author).id
    report = ReportIn(guideline="no-profiling", note="Judges people by looks")
    for n, reporter in enumerate(reporters):
        with world.sessions.begin() as db:
            service.report_post(db, actor(world, reporter), post_id, report)
            expected = "held" if n + 1 >= service.REPORTS_TO_HOLD else "live"
            assert db.get(Post, post_id).status == expected  # type: ignore[union-attr]
        if n == 0:
            with world.sessions() as db, pytest.raises(Conflict):
                service.report_post(db, actor(world, reporter), post_id, report)
            with world.sessions() as db, pytest.raises(Conflict):
                service.report_post(db, actor(world, author), post_id, report)
    with world.sessions() as db:
        with pytest.raises(NotFound):  # held: out of the neighbours' sight until decided
            service.get_post(db, actor(world, reporters[0]), post_id)
        items = db.scalars(select(ModerationItem).where(ModerationItem.trigger == "report")).all()
        assert len(items) == 1
        assert "3 neighbours" in items[0].reasons[0]["message"]


def test_withdrawing_erases_the_text_and_keeps_the_decisions(world: World) -> None:
    author, mod = world.person(), world.person(Role.MODERATOR)
    post_id = post(world, author, HELD)
    decide(world, mod, open_item(world, post_id), "approve")
    with world.sessions.begin() as db:
        service.withdraw_post(db, actor(world, author), post_id)
    with world.sessions() as db:
        gone = db.get(Post, post_id)
        assert gone is not None
        assert (gone.status, gone.title, gone.body) == ("withdrawn", "", "")
        assert db.scalar(select(func.count()).select_from(Decision)) == 1
        with pytest.raises(Conflict):
            service.edit_post(db, actor(world, author), post_id, PostPatch(title="Back"), PIPE)


def test_moderators_see_their_own_decisions_newest_first(world: World) -> None:
    author, mod, other = world.person(), world.person(Role.MODERATOR), world.person(Role.MODERATOR)
    first = open_item(world, post(world, author, HELD))
    second = open_item(world, post(world, author, HELD | {"title": "Second one"}))
    decide(world, mod, first, "approve")
    decide(world, mod, second, "reject", "personal-data")
    with world.sessions() as db:
        mine = review.my_decisions(db, actor(world, mod), None, 10).items
        assert [d.item_id for d in mine] == [second, first]
        assert review.my_decisions(db, actor(world, other), None, 10).items == []


def test_stats_count_posts_held_by_guideline(world: World) -> None:
    author = world.person()
    _post(world, author)
    post(world, author, HELD)
    with world.sessions() as db:
        figures = review.stats(db, Actor(user_id=None, role=Role.PUBLIC))
    assert (figures.posts, figures.posts_held, figures.posts_live_without_review) == (2, 1, 1)
    assert figures.held_by_guideline == {"personal-data": 1}
