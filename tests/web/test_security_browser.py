"""Two-step sign-in in a real browser: set it up from the QR page, then sign in with it."""

from __future__ import annotations

import base64
import time

import pytest
from playwright.sync_api import Page, expect

from porchlight.accounts import twofactor
from porchlight.authz import Role
from tests.browser import LiveServer, save_screenshot
from tests.conftest import PASSWORD, World
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser


def _code(key: str, offset: int) -> str:
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    return twofactor.code_at(secret, twofactor.step_of(time.time()) + offset)


def test_resident_turns_on_two_step_sign_in_and_uses_it(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.locator("#two-step-state")).to_contain_text("off")
    page.get_by_role("button", name="Set up two-step sign-in").click()
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] > 100  # drawn, at a size a phone can scan
    key = page.locator("#totp-key").inner_text()
    save_screenshot(page, "two-step-setup")
    page.get_by_label("The 6-digit code your app shows now").fill(_code(key, 0))
    page.get_by_role("button", name="Turn two-step sign-in on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    expect(page.locator("#two-step-state")).to_contain_text("on since")

    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.at("/login"))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")
    page.get_by_label("Code").fill(_code(key, 1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.at("/home"))
