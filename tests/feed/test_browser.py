"""The feed in a real browser: post, be held with guidance, fix and resubmit; moderate.

Uses the browser fixtures of tests/web/conftest.py (Debian's chromium through
Playwright); skipped with a reason when chromium is absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from porchlight.authz import Role
from tests.browser import LiveServer, save_screenshot
from tests.conftest import World
from tests.feed.factories import HELD, post
from tests.web.test_browser import A11Y_PROBLEMS_JS, sign_in

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="browser tests skipped: the playwright Python client is not installed",
)
expect = sync_api.expect
if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_a_resident_is_guided_from_held_to_live(
    page: Page, live_server: LiveServer, world: World
) -> None:
    resident = world.person(Role.RESIDENT)
    sign_in(page, live_server, resident.email)
    page.goto(live_server.at("/feed"))
    assert page.evaluate(A11Y_PROBLEMS_JS) == []
    page.get_by_label("Category").select_option("suspicious_activity")
    page.get_by_label("Title").fill("Man trying car doors <b>tonight</b>")
    page.get_by_label("What happened?").fill("A man went along the street around 11pm.")
    page.get_by_label("Race or ethnicity (optional)").fill("white")
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page.get_by_text("Your post is held for a moderator")).to_be_visible()
    expect(page.get_by_role("heading", name="Why this is held")).to_be_visible()
    expect(page.get_by_text("Describe what the person did").first).to_be_visible()
    expect(page.get_by_role("heading", name="Man trying car doors <b>tonight</b>")).to_be_visible()
    assert page.evaluate(A11Y_PROBLEMS_JS) == []
    save_screenshot(page, "feed-held-post")

    page.get_by_label("What did the person do?").fill("tried the doors of three parked cars")
    page.get_by_label("Clothing").fill("grey hoodie")
    page.get_by_label("Height").fill("about six feet")
    page.get_by_role("button", name="Resubmit").click()
    expect(page.get_by_text("Your post is live again.")).to_be_visible()
    page.goto(live_server.at("/feed"))
    expect(page.get_by_role("link", name="Man trying car doors <b>tonight</b>")).to_be_visible()


def test_a_moderator_rejects_from_the_queue(
    page: Page, live_server: LiveServer, world: World
) -> None:
    post(world, world.person(Role.RESIDENT), HELD)
    moderator = world.person(Role.MODERATOR)
    sign_in(page, live_server, moderator.email)
    page.goto(live_server.at("/moderation"))
    assert page.evaluate(A11Y_PROBLEMS_JS) == []
    expect(page.get_by_text("Keep personal details out").first).to_be_visible()
    save_screenshot(page, "moderation-queue")
    page.get_by_label("Reject: it comes down, citing a guideline").check()
    page.get_by_label("Guideline (required to reject)").select_option("personal-data")
    page.get_by_label("Reason, in words the poster will read").fill("Leave the number out.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Rejected; the decision is recorded.")).to_be_visible()
    expect(page.get_by_text("The queue is empty.")).to_be_visible()
