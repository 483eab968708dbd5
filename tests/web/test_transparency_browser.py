"""The public transparency page in a real browser: charts, the map, and the CSV download."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from porchlight import geo
from porchlight.app import build_log
from porchlight.settings import Settings
from porchlight.transparency import service
from tests.browser import LiveServer, save_screenshot
from tests.conftest import World
from tests.web.test_browser import A11Y_PROBLEMS_JS

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="browser tests skipped: the playwright Python client is not installed",
)
expect = sync_api.expect
if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

CELLS = [geo.coarsen(geo.cell_for(45.47 + d / 40, -122.65 + d / 30), 7) for d in range(4)]


def _log_requests(world: World, settings: Settings) -> None:
    public_log = build_log(settings)
    agency = world.agency_id()
    with world.sessions() as db:
        for n, cell in enumerate(CELLS):
            for _ in range(n + 1):
                service.record(db, "agency:request:created", agency_id=agency, cell=cell)
        service.record(db, "system:share:expired", agency_id=agency, counts={"shares": 1})
        db.commit()
        service.sequence(db, public_log.signer, public_log.blobs)


def test_transparency_page_shows_charts_map_and_downloads_csv(
    page: Page, live_server: LiveServer, world: World, settings: Settings, tmp_path: Path
) -> None:
    _log_requests(world, settings)
    page.goto(live_server.at("/transparency"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency report")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#figures-chart rect")).to_have_count(13)
    expect(page.locator("svg.map polygon.cell")).to_have_count(len(set(CELLS)))
    box = page.locator("svg.map").bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 100
    expect(page.get_by_text("Requests made", exact=True).first).to_be_visible()
    assert page.evaluate(A11Y_PROBLEMS_JS) == []
    save_screenshot(page, "transparency")

    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "report.csv"
    info.value.save_as(saved)
    text = saved.read_text()
    assert text.startswith("scope,id,name,jurisdiction,event,measure,value")
    assert "agency:request:created,events,10" in text

    page.get_by_role("link", name=world_agency_name(world)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world_agency_name(world))
    expect(page.locator("svg.map polygon.cell")).to_have_count(len(set(CELLS)))


def world_agency_name(world: World) -> str:
    from porchlight.accounts.models import Agency

    with world.sessions() as db:
        agency = db.get(Agency, world.agency_id())
        assert agency is not None
        return agency.name
