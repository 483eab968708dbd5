"""The feed and moderation API: shapes, problems, bad input, and the whole flow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from porchlight.authz import Role
from porchlight.feed import service
from porchlight.feed.models import Post
from tests.conftest import Person, World
from tests.feed.factories import CLEAN, HELD, quiet_pipeline


def _post(client: TestClient, who: Person, **fields: Any) -> Any:
    return client.post("/api/v1/feed/posts", json=CLEAN | fields, headers=who.headers)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_posting_answers_with_status_and_reasons(client: TestClient, world: World) -> None:
    author = world.person()
    live = _post(client, author)
    assert live.status_code == 201, live.text
    assert (live.json()["status"], live.json()["reasons"]) == ("live", [])
    held = client.post("/api/v1/feed/posts", json=HELD, headers=author.headers).json()
    assert held["status"] == "held"
    [reason] = held["reasons"]
    assert reason["guideline"] == "personal-data"
    assert reason["title"]
    assert reason["message"]
    assert reason["fix"]


def test_reasons_and_authors_are_shown_only_to_the_author_and_moderators(
    client: TestClient, world: World
) -> None:
    author, neighbour, mod = world.person(), world.person(), world.person(Role.MODERATOR)
    held_id = client.post("/api/v1/feed/posts", json=HELD, headers=author.headers).json()["id"]
    _problem(client.get(f"/api/v1/feed/posts/{held_id}", headers=neighbour.headers), 404)
    own = client.get(f"/api/v1/feed/posts/{held_id}", headers=author.headers).json()
    assert own["reasons"]
    assert own["author_id"] is None
    seen = client.get(f"/api/v1/feed/posts/{held_id}", headers=mod.headers).json()
    assert seen["reasons"]
    assert seen["author_id"] == author.user.id
    live_id = _post(client, author).json()["id"]
    other = client.get(f"/api/v1/feed/posts/{live_id}", headers=neighbour.headers).json()
    assert (other["mine"], other["author_id"], other["reasons"]) == (False, None, [])
    assert other["area"]
    assert "Test Lane" not in str(other)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"body": "short"}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"title": "Bell\x07 rings"}, "title"),
        ({"body": "Look at this \u202egnirts desrever text, please."}, "body"),
        ({"title": "Two\nlines"}, "title"),
        ({"category": "gossip"}, "category"),
        ({"extra": "field"}, "extra"),
        ({"person": {"behaviour": "ran", "shoe_size": "11"}}, "person.shoe_size"),
    ],
)
def test_bad_input_is_a_problem_and_nothing_is_saved(
    client: TestClient, world: World, fields: dict[str, Any], field: str
) -> None:
    author = world.person()
    body = _problem(_post(client, author, **fields), 422)
    assert field in {e["field"] for e in body["errors"]}
    with world.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Post)) == 0


def test_emoji_right_to_left_text_and_markup_come_back_exactly(
    client: TestClient, world: World
) -> None:
    author = world.person()
    title = "قطة مفقودة 🐱 <b>bold</b>"
    body = "Lost: <script>alert(1)</script> grey cat, שלום, 😿 please help."
    made = _post(client, author, title=title, body=body, category="lost_pet")
    assert made.status_code == 201, made.text
    assert (made.json()["title"], made.json()["body"]) == (title, body)


def test_a_flood_is_refused_with_429(client: TestClient, world: World) -> None:
    author = world.person()
    client.app.state.feed_pipeline = quiet_pipeline()  # type: ignore[attr-defined]
    for n in range(service.POSTS_PER_HOUR):
        assert _post(client, author, title=f"Alert {n}").status_code == 201
    answer = _post(client, author, title="Alert again")
    _problem(answer, 429)
    assert int(answer.headers["retry-after"]) > 0


def test_the_feed_pages_newest_first_with_a_radius(client: TestClient, world: World) -> None:
    author, reader = world.person(), world.person()
    ids = [_post(client, author, title=f"Alert {n}").json()["id"] for n in range(3)]
    first = client.get("/api/v1/feed?limit=2&radius=0", headers=reader.headers).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2]
    assert (first["radius"], first["cells"]) == (0, 1)
    rest = client.get(
        f"/api/v1/feed?limit=2&cursor={first['next_cursor']}", headers=reader.headers
    ).json()
    assert [p["id"] for p in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None
    _problem(client.get("/api/v1/feed?radius=3", headers=reader.headers), 422)
    _problem(client.get("/api/v1/feed?cursor=!!", headers=reader.headers), 422)


def test_a_token_without_the_feed_scope_cannot_post(client: TestClient, world: World) -> None:
    author = world.person()
    made = client.post(
        "/api/v1/tokens", json={"name": "narrow", "scopes": ["account"]}, headers=author.headers
    )
    narrow = {"Authorization": f"Bearer {made.json()['token']}"}
    body = _problem(client.post("/api/v1/feed/posts", json=CLEAN, headers=narrow), 403)
    assert "feed" in body["detail"]


def test_hold_reject_appeal_overturn_and_the_figures(client: TestClient, world: World) -> None:
    author = world.person()
    first, second = world.person(Role.MODERATOR), world.person(Role.MODERATOR)
    post_id = client.post("/api/v1/feed/posts", json=HELD, headers=author.headers).json()["id"]
    [item] = client.get("/api/v1/moderation/queue", headers=first.headers).json()["items"]
    assert item["post"]["id"] == post_id
    assert item["reasons"][0]["guideline"] == "personal-data"
    decision = f"/api/v1/moderation/items/{item['id']}/decision"
    no_rule = {"outcome": "reject", "note": "Has a phone number."}
    _problem(client.post(decision, json=no_rule, headers=first.headers), 422)
    rejected = client.post(
        decision, json=no_rule | {"guideline": "personal-data"}, headers=first.headers
    )
    assert rejected.status_code == 201, rejected.text
    mine = client.get(f"/api/v1/feed/posts/{post_id}", headers=author.headers).json()
    assert (mine["status"], mine["can_appeal"]) == ("rejected", True)
    assert mine["reasons"][0]["message"] == "Has a phone number."

    appeal = client.post(
        f"/api/v1/feed/posts/{post_id}/appeal",
        json={"statement": "It is my own number, I want calls."},
        headers=author.headers,
    )
    assert appeal.status_code == 201
    assert appeal.json()["appeal"] == "pending"
    assert client.get("/api/v1/moderation/queue", headers=first.headers).json()["items"] == []
    [appealed] = client.get("/api/v1/moderation/queue", headers=second.headers).json()["items"]
    assert appealed["trigger"] == "appeal"
    assert appealed["statement"] == "It is my own number, I want calls."
    again = f"/api/v1/moderation/items/{appealed['id']}/decision"
    ok = {"outcome": "approve", "note": "Own number, fine."}
    _problem(client.post(again, json=ok, headers=first.headers), 403)
    assert client.post(again, json=ok, headers=second.headers).status_code == 201
    final = client.get(f"/api/v1/feed/posts/{post_id}", headers=author.headers).json()
    assert (final["status"], final["appeal"]) == ("live", "overturned")

    history = client.get("/api/v1/moderation/decisions", headers=first.headers).json()["items"]
    assert [(d["outcome"], d["guideline"]) for d in history] == [("reject", "personal-data")]
    figures = client.get("/api/v1/moderation/stats").json()
    assert figures["posts_held"] == 1
    assert figures["held_by_guideline"] == {"personal-data": 1}
    assert (figures["appeals"], figures["appeals_overturned"]) == (1, 1)


def test_comments_and_reports(client: TestClient, world: World) -> None:
    author, neighbour, mod = world.person(), world.person(), world.person(Role.MODERATOR)
    post_id = _post(client, author).json()["id"]
    url = f"/api/v1/feed/posts/{post_id}"
    made = client.post(
        f"{url}/comments", json={"body": "We saw it too 👀"}, headers=neighbour.headers
    )
    assert made.status_code == 201
    assert made.json()["status"] == "live"
    held = client.post(
        f"{url}/comments", json={"body": "Email me at me@example.org"}, headers=neighbour.headers
    ).json()
    assert held["status"] == "held"
    assert held["reasons"][0]["guideline"] == "personal-data"
    seen = client.get(url, headers=author.headers).json()
    assert [c["body"] for c in seen["comments"]] == ["We saw it too 👀"]
    assert seen["comment_count"] == 1

    report = {"guideline": "no-hate", "note": "Unkind"}
    assert client.post(f"{url}/reports", json=report, headers=neighbour.headers).status_code == 204
    _problem(client.post(f"{url}/reports", json=report, headers=neighbour.headers), 409)
    _problem(client.post(f"{url}/reports", json={"guideline": "nope"}, headers=author.headers), 409)
    comment_report = f"/api/v1/feed/comments/{made.json()['id']}/reports"
    assert client.post(comment_report, json=report, headers=author.headers).status_code == 204
    queue = client.get("/api/v1/moderation/queue", headers=mod.headers).json()["items"]
    assert sorted((i["trigger"], i["kind"]) for i in queue) == [
        ("checks", "comment"),
        ("report", "comment"),
        ("report", "post"),
    ]
    assert {r["guideline"] for i in queue for r in i["reports"]} == {"no-hate"}


def test_the_guidelines_and_figures_are_public(client: TestClient) -> None:
    guidelines = client.get("/api/v1/feed/guidelines").json()
    assert {"describe-behaviour", "no-profiling", "no-hate"} <= {g["id"] for g in guidelines}
    assert client.get("/api/v1/moderation/stats").json()["posts"] == 0
    _problem(client.get("/api/v1/feed"), 401)
