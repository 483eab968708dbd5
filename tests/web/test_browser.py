"""What a person does in a real browser: sign in, add a camera, draw a privacy zone.

Driven by Playwright's Python client and Debian's chromium against the app served
by uvicorn (see ``conftest.py``); skipped with a reason when chromium is absent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from porchlight.authz import Role
from porchlight.web.context import SESSION_COOKIE
from tests.browser import LiveServer, PageWatch, save_screenshot
from tests.conftest import PASSWORD, Person, World

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="browser tests skipped: the playwright Python client is not installed",
)
expect = sync_api.expect
if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

# Fractions of the frame clicked to draw a zone: a quadrilateral on the right side.
CLICKS = [(0.55, 0.2), (0.9, 0.2), (0.9, 0.7), (0.55, 0.7)]

# Problems a page has with the basics: labelled fields, alt texts, one h1.
A11Y_PROBLEMS_JS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!named) problems.push("unlabelled " + el.outerHTML.slice(0, 120));
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("no alt " + img.outerHTML.slice(0, 120));
  }
  for (const b of document.querySelectorAll("button")) {
    if (!(b.textContent.trim() || b.getAttribute("aria-label"))) {
      problems.push("button without a name " + b.outerHTML.slice(0, 120));
    }
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " h1 elements");
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  return problems;
}"""


def sign_in(page: Page, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(server.at("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def session_cookies(page: Page) -> list[dict[str, Any]]:
    return [dict(c) for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def api_get(page: Page, server: LiveServer, person: Person, path: str) -> Any:
    response = page.request.get(server.at("/api/v1" + path), headers=person.headers)
    assert response.ok, response.text()
    return response.json()


def frame_points(page: Page) -> list[list[float]]:
    """The corners in the zone form's text field, as the editor wrote them."""
    text = page.locator("#zone-points").input_value()
    return [[float(n) for n in pair.split(",")] for pair in text.split(";") if pair.strip()]


def _near(points: list[list[float]], expected: list[tuple[float, float]]) -> bool:
    """Whether the corners are where the clicks were, to within a hundredth of the frame."""
    return len(points) == len(expected) and all(
        abs(x - ex) < 0.01 and abs(y - ey) < 0.01
        for (x, y), (ex, ey) in zip(points, expected, strict=True)
    )


def test_resident_signs_in_and_sees_their_home(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)

    expect(page).to_have_url(live_server.at("/home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My home")
    expect(page.get_by_role("heading", name="Test house")).to_be_visible()
    expect(page.get_by_role("link", name="Front door")).to_be_visible()
    [cookie] = session_cookies(page)
    assert cookie["secure"]
    assert cookie["httpOnly"]
    assert SESSION_COOKIE not in page.evaluate("document.cookie")


def test_resident_adds_a_camera(page: Page, live_server: LiveServer, world: World) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)

    house = page.get_by_role("region", name="Test house")
    add = house.locator("details").filter(has_text="Add a camera")
    add.get_by_text("Add a camera").click()  # opens the <details>
    expect(add).to_have_attribute("open", "")
    add.get_by_label("Name", exact=True).fill("Back garden")
    add.get_by_label("Kind").select_option("outdoor")
    add.get_by_label("Where it points").fill("the shed")
    add.get_by_role("button", name="Add camera").click()

    expect(page).to_have_url(re.compile(r"/cameras/[^/?]+\?notice="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Back garden")
    expect(page.get_by_role("status")).to_have_text("Camera Back garden added.")
    camera_id = page.url.split("/cameras/")[1].split("?")[0]
    camera = api_get(page, live_server, person, f"/cameras/{camera_id}")
    assert (camera["name"], camera["kind"], camera["position"]) == (
        "Back garden",
        "outdoor",
        "the shed",
    )
    assert camera["household_id"] == person.household_id

    page.get_by_role("link", name="← My home").click()
    expect(page.get_by_role("link", name="Back garden")).to_be_visible()


def test_resident_draws_a_privacy_zone_by_clicking_the_frame(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)
    page.get_by_role("link", name="Front door").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Front door")
    # The zone the test account starts with is drawn on the frame.
    expect(page.locator("#saved-zones polygon")).to_have_count(1)

    canvas = page.locator("#zone-canvas")
    box = canvas.bounding_box()
    assert box is not None
    for fx, fy in CLICKS:
        canvas.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    expect(page.locator("#draft-corners circle")).to_have_count(len(CLICKS))
    typed = frame_points(page)
    assert len(typed) == len(CLICKS)
    assert _near(typed, CLICKS), typed
    assert page.locator("#draft").get_attribute("points")

    page.get_by_label("Zone name").fill("Street side")
    page.get_by_role("button", name="Save zone").click()

    expect(page.get_by_role("status")).to_have_text("Privacy zone saved.")
    saved = page.get_by_role("list", name="Saved privacy zones").get_by_role("listitem")
    expect(saved).to_have_count(2)
    expect(saved.filter(has_text="Street side")).to_contain_text("4 corners")
    expect(page.locator("#saved-zones polygon")).to_have_count(2)
    expect(page.locator("#zone-points")).to_have_value("")

    camera = api_get(page, live_server, person, f"/cameras/{person.camera_id}")
    [zone] = [z for z in camera["zones"] if z["name"] == "Street side"]
    assert len(zone["points"]) == len(CLICKS)
    assert all(0 <= n <= 1 for point in zone["points"] for n in point), zone["points"]
    assert _near(zone["points"], CLICKS), zone["points"]

    # For the docs: the saved zones, and a new one half drawn.
    for fx, fy in [(0.05, 0.6), (0.3, 0.55), (0.35, 0.9)]:
        canvas.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    save_screenshot(page, "camera-zone-editor")


def _tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} cannot be reached with the Tab key")


def test_keyboard_only_zone_and_invalid_polygon(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)
    page.goto(live_server.at(f"/cameras/{person.camera_id}"))

    # A bow-tie: its edges cross, so it is refused with a readable message.
    bow_tie = "0.1,0.1; 0.5,0.5; 0.5,0.1; 0.1,0.5"
    _tab_to(page, "zone-points")
    page.keyboard.type(bow_tie)
    expect(page.locator("#draft-corners circle")).to_have_count(4)  # drawn as typed
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "save-zone"
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("cross")
    expect(alert).to_contain_text("points")
    # What was typed is kept, and drawn, so it can be corrected.
    expect(page.locator("#zone-points")).to_have_value(bow_tie)
    expect(page.locator("#draft-corners circle")).to_have_count(4)
    camera = api_get(page, live_server, person, f"/cameras/{person.camera_id}")
    assert len(camera["zones"]) == 1  # nothing saved

    # Corners that are not pairs of numbers: also a readable message, nothing saved.
    for wrong in ("0.1,0.1; 0.5", "[1, 2, 3]", "[[0.1, 0.1], [0.5, 0.1], [0.5, 1.5]]"):
        _tab_to(page, "zone-points")
        page.keyboard.press("Control+A")
        page.keyboard.type(wrong)
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Front door")
        expect(page.get_by_role("alert")).to_contain_text("points")
        expect(page.locator("#zone-points")).to_have_value(wrong)
    camera = api_get(page, live_server, person, f"/cameras/{person.camera_id}")
    assert len(camera["zones"]) == 1

    # A good triangle, typed and submitted with the keyboard alone.
    _tab_to(page, "zone-name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Neighbour's window")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("0.6,0.6; 0.8,0.6; 0.8,0.8")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Privacy zone saved.")
    expect(page.get_by_role("alert")).to_have_count(0)
    camera = api_get(page, live_server, person, f"/cameras/{person.camera_id}")
    [zone] = [z for z in camera["zones"] if z["name"] == "Neighbour's window"]
    assert zone["points"] == [[0.6, 0.6], [0.8, 0.6], [0.8, 0.8]]


def test_resident_turns_off_police_requests(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email)
    police = page.get_by_label("Police requests may reach this household")
    expect(police).to_be_checked()  # the default

    police.uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    page.reload()
    expect(page.get_by_label("Police requests may reach this household")).not_to_be_checked()
    # The other settings kept their values.
    expect(page.get_by_label("Blur faces and licence plates")).to_be_checked()
    expect(page.get_by_label("Keep footage for")).to_have_value("30")
    settings = api_get(page, live_server, person, f"/households/{person.household_id}/settings")
    assert settings["police_requests_enabled"] is False
    assert settings["share_blur_default"] is True


def test_wrong_password_then_sign_in_and_out(
    page: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(page, live_server, person.email, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    expect(page.get_by_label("Email")).to_have_value(person.email)  # kept for a retry
    assert session_cookies(page) == []

    sign_in(page, live_server, person.email)
    expect(page).to_have_url(live_server.at("/home"))
    assert len(session_cookies(page)) == 1

    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert session_cookies(page) == []
    page.goto(live_server.at("/home"))
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)home$"))


def _no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways: {widths}"


def test_phone_sized_dashboard_and_camera_page(
    phone: Page, live_server: LiveServer, world: World
) -> None:
    person = world.person(Role.RESIDENT)
    sign_in(phone, live_server, person.email)
    expect(phone).to_have_url(live_server.at("/home"))

    nav = phone.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="My home")).to_be_in_viewport()
    expect(nav.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_in_viewport()
    _no_horizontal_scroll(phone)
    phone.get_by_text("Add a camera").click()
    _no_horizontal_scroll(phone)
    save_screenshot(phone, "dashboard-phone")

    phone.goto(live_server.at(f"/cameras/{person.camera_id}"))
    _no_horizontal_scroll(phone)
    canvas = phone.locator("#zone-canvas")
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] <= 390
    canvas.tap(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    expect(phone.locator("#draft-corners circle")).to_have_count(1)


def _assert_accessible(page: Page) -> None:
    problems = page.evaluate(A11Y_PROBLEMS_JS)
    assert problems == [], f"{page.url}: {problems}"


def test_accessibility_basics(page: Page, live_server: LiveServer, world: World) -> None:
    person = world.person(Role.RESIDENT)
    page.goto(live_server.at("/login"))
    _assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"

    sign_in(page, live_server, person.email)
    expect(page).to_have_url(live_server.at("/home"))
    _assert_accessible(page)

    page.goto(live_server.at(f"/cameras/{person.camera_id}"))
    _assert_accessible(page)
    # The error state of the zone form too.
    page.get_by_role("textbox", name=re.compile(r"^Corners")).fill(
        "0.1,0.1; 0.5,0.5; 0.5,0.1; 0.1,0.5"
    )
    page.get_by_role("button", name="Save zone").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _assert_accessible(page)


def test_zone_names_cannot_inject_markup(page: Page, live_server: LiveServer, world: World) -> None:
    person = world.person(Role.RESIDENT)
    name = "</script><b id=injected>x</b> & <i>"
    created = page.request.post(
        live_server.at(f"/api/v1/cameras/{person.camera_id}/zones"),
        headers=person.headers,
        data={"name": name, "points": [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9]]},
    )
    assert created.status == 201, created.text()
    sign_in(page, live_server, person.email)
    page.goto(live_server.at(f"/cameras/{person.camera_id}"))

    expect(page.locator("#injected")).to_have_count(0)
    expect(page.locator("#saved-zones polygon")).to_have_count(2)  # the editor still runs
    expect(page.locator("#saved-zones title").nth(1)).to_have_text(name)
    expect(page.locator(".zones .zone-name").nth(1)).to_have_text(name)


def test_the_watch_catches_assets_from_elsewhere(
    page: Page, live_server: LiveServer, watch: PageWatch
) -> None:
    """The guard itself: a CDN image (stopped by the CSP) and an off-site request."""
    page.goto(live_server.at("/login"))
    page.evaluate(
        """document.body.insertAdjacentHTML(
            "beforeend", '<img alt="" src="https://cdn.example.com/logo.png">')"""
    )
    for _ in range(100):  # the CSP report arrives asynchronously
        if watch.csp_violations:
            break
        page.wait_for_timeout(20)
    with pytest.raises(sync_api.Error):
        page.goto("https://cdn.example.com/page")
    csp, offsite = list(watch.csp_violations), list(watch.offsite)
    watch.csp_violations.clear()  # seen here; the fixture's own check must not fail
    watch.offsite.clear()
    assert csp == ["img-src blocked https://cdn.example.com/logo.png"]
    assert offsite == ["https://cdn.example.com/page"]
