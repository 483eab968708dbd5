"""The feed and moderation pages without a browser: forms, CSRF, escaping, the flow."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.feed.models import Post
from tests.conftest import World
from tests.feed.factories import HELD, open_item, post
from tests.web.test_pages import _csrf, sign_in

FORM = {
    "category": "crime",
    "title": "Bike taken from a porch",
    "body": "A grey bike was taken from our porch overnight. Has anyone seen it?",
}


def _post_id(location: str) -> str:
    match = re.match(r"/feed/posts/([0-9a-f]{32})", location)
    assert match, location
    return match.group(1)


def test_the_form_asks_for_behaviour_first_and_labels_every_field(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.person(), "/feed")
    page = client.get("/feed")
    assert page.status_code == 200
    html = page.text
    assert html.index("What did the person do?") < html.index("Race or ethnicity (optional)")
    for field_id in re.findall(r'<(?:input|textarea|select) id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, f"{field_id} has no label"
    assert "http://" not in html
    assert "https://" not in html


def test_posting_through_the_form_escapes_markup(client: TestClient, world: World) -> None:
    sign_in(client, world.person(), "/feed")
    csrf = _csrf(client.get("/feed").text)
    form = FORM | {"title": "<script>alert(1)</script> bike", "csrf_token": csrf}
    answer = client.post("/feed/posts", data=form, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bike" in page
    assert "<script>alert(1)" not in page
    assert "Your post is live." in page


def test_a_held_post_shows_why_and_can_be_fixed(client: TestClient, world: World) -> None:
    sign_in(client, world.person(), "/feed")
    csrf = _csrf(client.get("/feed").text)
    person = {"person_clothing": "black hoodie", "person_race_ethnicity": "white"}
    answer = client.post(
        "/feed/posts", data=FORM | person | {"csrf_token": csrf}, follow_redirects=False
    )
    post_id = _post_id(answer.headers["location"])
    page = client.get(answer.headers["location"]).text
    assert "Why this is held" in page
    assert "Describe what the person did" in page
    assert "How to fix:" in page
    fixed = FORM | {
        "person_behaviour": "cut the lock and rode off on the bike",
        "person_clothing": "black hoodie",
        "person_height": "short",
        "person_race_ethnicity": "white",
        "csrf_token": _csrf(page),
    }
    done = client.post(f"/feed/posts/{post_id}/edit", data=fixed, follow_redirects=False)
    assert done.status_code == 303
    assert "Your post is live again." in client.get(done.headers["location"]).text


def test_a_form_error_keeps_what_was_typed(client: TestClient, world: World) -> None:
    sign_in(client, world.person(), "/feed")
    csrf = _csrf(client.get("/feed").text)
    form = FORM | {"title": "ok", "body": "Kept body text 🐈 here", "csrf_token": csrf}
    answer = client.post("/feed/posts", data=form)
    assert answer.status_code == 422
    assert "title" in answer.text
    assert "Kept body text 🐈 here" in answer.text


def test_a_post_without_the_csrf_token_saves_nothing(client: TestClient, world: World) -> None:
    sign_in(client, world.person(), "/feed")
    answer = client.post("/feed/posts", data=FORM | {"csrf_token": "forged"})
    assert answer.status_code == 403
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Post)) == 0


def test_neighbours_comment_and_report(client: TestClient, world: World) -> None:
    author, neighbour = world.person(), world.person()
    post_id = post(world, author)
    sign_in(client, neighbour, "/feed")
    page = client.get(f"/feed/posts/{post_id}").text
    assert "Report this post" in page
    commented = client.post(
        f"/feed/posts/{post_id}/comments",
        data={"body": "We saw it go by 🚲", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert commented.status_code == 303
    page = client.get(f"/feed/posts/{post_id}").text
    assert "We saw it go by 🚲" in page
    reported = client.post(
        f"/feed/posts/{post_id}/report",
        data={"guideline": "spam", "note": "", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert reported.status_code == 303
    assert "a moderator will look at it" in client.get(reported.headers["location"]).text


def test_moderators_decide_from_the_queue_page(client: TestClient, world: World) -> None:
    author, mod = world.person(), world.person(Role.MODERATOR)
    post_id = post(world, author, HELD)
    item_id = open_item(world, post_id)
    sign_in(client, mod, "/moderation")
    page = client.get("/moderation").text
    assert "Keep personal details out" in page
    assert "Guideline text" in page
    assert f"/moderation/items/{item_id}/decision" in page
    answer = client.post(
        f"/moderation/items/{item_id}/decision",
        data={
            "outcome": "reject",
            "guideline": "personal-data",
            "note": "Please leave the phone number out.",
            "csrf_token": _csrf(page),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "The queue is empty." in page
    assert "Please leave the phone number out." in page  # in the moderator's history


def test_the_author_appeals_from_the_post_page(client: TestClient, world: World) -> None:
    from tests.feed.factories import rejected_post

    author = world.person()
    post_id = rejected_post(world, author)
    sign_in(client, author, "/feed")
    page = client.get(f"/feed/posts/{post_id}").text
    assert "Why a moderator rejected this" in page
    assert "Appeal the decision" in page
    answer = client.post(
        f"/feed/posts/{post_id}/appeal",
        data={"statement": "It is my own number.", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "waiting for a different moderator" in client.get(answer.headers["location"]).text
