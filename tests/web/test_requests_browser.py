"""Police requests in a real browser: the owner's inbox and the officer's request page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from porchlight.authz import Role
from tests.browser import LiveServer, PageWatch, _make_page, save_screenshot
from tests.conftest import World
from tests.requests.test_flow import clip_in_window, draft_body
from tests.vault.conftest import make_mp4
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser


def test_owner_answers_and_officer_sees_counts_and_plays_the_share(
    page: Page,
    browser: Browser,
    watch: PageWatch,
    live_server: LiveServer,
    client: TestClient,
    world: World,
    tmp_path: Path,
) -> None:
    officer, supervisor = world.person(Role.OFFICER), world.person(Role.SUPERVISOR)
    owner, neighbour = world.person(Role.RESIDENT), world.person(Role.RESIDENT)
    clip_id = clip_in_window(client, owner, make_mp4(tmp_path / "e.mp4"))
    made = client.post("/api/v1/agency/requests", json=draft_body(), headers=officer.headers)
    request_id = made.json()["id"]
    client.post(f"/api/v1/agency/requests/{request_id}/approve", headers=supervisor.headers)

    sign_in(page, live_server, owner.email)
    badge = page.locator("nav .badge")
    expect(badge).to_have_text("1")
    page.get_by_role("link", name="Requests").click()
    page.get_by_role("link", name="Package theft · case 2026-000123").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("asks for footage")
    expect(page.locator("#your-answer")).to_have_text("pending")
    page.locator(f'input[name="clip_ids"][value="{clip_id}"]').check()
    page.get_by_label("Share the original instead").check()
    page.get_by_role("button", name="Share the chosen clips").click()
    expect(page.get_by_role("status")).to_contain_text("Shared 1 clip")
    expect(page.locator("#your-answer")).to_have_text("shared")
    # The copy is made after the answer: wait for it, as the owner's page would show.
    mine = f"/api/v1/inbox/requests/{request_id}"
    deadline = time.monotonic() + 30
    while client.get(mine, headers=owner.headers).json()["your_shares"][0]["status"] != "available":
        assert time.monotonic() < deadline, "the shared copy was never made"
        time.sleep(0.2)
    save_screenshot(page, "owner-inbox-request")
    expect(page.locator("nav .badge")).to_have_count(0)

    with _officer_page(browser, watch) as officer_page:
        sign_in(officer_page, live_server, officer.email)
        officer_page.goto(live_server.at(f"/agency/requests/{request_id}"))
        counts = officer_page.locator("#counts")
        expect(counts).to_contain_text("2 households asked")
        expect(counts).to_contain_text("1 shared")
        expect(counts).to_contain_text("1 no answer yet or declined")
        text = officer_page.content()
        for private in (owner.email, neighbour.email, owner.household_id or "", "Test Lane"):
            assert private not in text
        save_screenshot(officer_page, "officer-request")
        officer_page.get_by_role("link", name="Clip from").click()
        player = officer_page.locator("#player")
        expect(player).to_be_visible()
        # Poll from here: wait_for_function would need eval, which the pages' policy forbids.
        deadline = time.monotonic() + 15
        while officer_page.evaluate("() => document.getElementById('player').readyState") < 1:
            assert time.monotonic() < deadline, "the shared video never loaded"
            officer_page.wait_for_timeout(100)
    log = client.get("/api/v1/access-log", headers=owner.headers).json()["items"]
    assert any(e["action"] == "agency view" for e in log)


class _officer_page:
    """A second, separate browser context for the officer."""

    def __init__(self, browser: Browser, watch: PageWatch) -> None:
        self._pages = _make_page(browser, watch)

    def __enter__(self) -> Page:
        return next(self._pages)

    def __exit__(self, *exc: object) -> None:
        self._pages.close()


def test_supervisor_approves_a_draft_in_the_browser(
    page: Page,
    live_server: LiveServer,
    client: TestClient,
    world: World,
) -> None:
    officer, supervisor = world.person(Role.OFFICER), world.person(Role.SUPERVISOR)
    world.person(Role.RESIDENT)
    made = client.post(
        "/api/v1/agency/requests", json=draft_body("2026-777"), headers=officer.headers
    )
    request_id = made.json()["id"]
    sign_in(page, live_server, supervisor.email)
    page.goto(live_server.at(f"/agency/requests/{request_id}"))
    expect(page.locator("#status")).to_have_text("draft")
    page.get_by_role("button", name="Approve and send").click()
    expect(page.locator("#status")).to_have_text("active")
    expect(page.locator("#counts")).to_contain_text("1 households asked")
