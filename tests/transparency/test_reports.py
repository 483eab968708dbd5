"""Public transparency reports: figures recounted from the log, charts, map, downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient

from porchlight import geo
from porchlight.accounts.schemas import AgencyIn
from porchlight.accounts.service import SYSTEM
from porchlight.authz import ANONYMOUS
from porchlight.transparency import charts, reports, service
from tests.conftest import World
from tests.transparency.factories import CELL

OTHER_CELL = geo.coarsen(geo.cell_for(45.52, -122.68), 7)


def _agency(world: World, name: str, place: str) -> str:
    with world.sessions.begin() as db:
        data = AgencyIn(name=name, jurisdiction=place, public_contact="desk@example.org")
        return world.accounts.create_agency(db, SYSTEM, data).id


def _activity(world: World, sequence: Callable[[], int]) -> tuple[str, str]:
    north = _agency(world, "North PD", "Riverton")
    south = _agency(world, "South PD", "Riverton")
    with world.sessions.begin() as db:
        for cell in (CELL, CELL, OTHER_CELL):
            service.record(
                db, "agency:request:created", agency_id=north, cell=cell, counts={"households": 5}
            )
        service.record(db, "agency:request:created", agency_id=south, cell=CELL)
        service.record(db, "agency:share:viewed", agency_id=south)
        service.record(db, "system:share:expired", agency_id=south, counts={"shares": 2})
        service.record(db, "moderator:post:decided", detail={"outcome": "reject"})
    sequence()
    with world.sessions.begin() as db:  # recorded but not yet in the log: not counted
        service.record(db, "agency:request:created", agency_id=north, cell=CELL)
    return north, south


def test_figures_count_only_what_the_log_holds(world: World, sequence: Callable[[], int]) -> None:
    north, south = _activity(world, sequence)
    with world.sessions() as db:
        data = reports.report(db, ANONYMOUS)
    assert data.log_size == 7
    figures = {f.key: f.value for f in data.total.figures}
    assert figures["requests"] == 4
    assert figures["households_reached"] == 15
    assert figures["share_views"] == 1
    assert figures["shares_expired"] == 1
    assert figures["moderation"] == 1
    assert data.total.request_cells == {CELL: 3, OTHER_CELL: 1}
    by_agency = {a.id: a for a in data.agencies}
    assert by_agency[north].events == {"agency:request:created": 3}
    assert by_agency[north].request_cells == {CELL: 2, OTHER_CELL: 1}
    assert by_agency[south].counts == {"system:share:expired": {"shares": 2}}
    (riverton,) = [j for j in data.jurisdictions if j.id == "Riverton"]
    assert riverton.events["agency:request:created"] == 4
    assert "moderator:post:decided" not in riverton.events


def test_pages_show_charts_and_a_map(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    north, _ = _activity(world, sequence)
    page = client.get("/transparency")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 2
    assert page.text.count('<polygon class="cell"') == 2
    assert f'data-cell="{CELL}" data-count="3"' in page.text
    assert "style=" not in page.text
    assert "<script" not in page.text
    agency = client.get(f"/transparency/agencies/{north}")
    assert agency.status_code == 200
    assert "North PD" in agency.text
    assert agency.text.count('<polygon class="cell"') == 2
    place = client.get("/transparency/jurisdictions/Riverton")
    assert place.status_code == 200
    assert "South PD" in place.text
    assert client.get("/transparency/agencies/nope").status_code == 404
    assert client.get("/transparency/jurisdictions/Nowhere").status_code == 404


def test_csv_and_json_downloads(
    client: TestClient, world: World, sequence: Callable[[], int]
) -> None:
    north, _ = _activity(world, sequence)
    response = client.get("/transparency.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == reports.CSV_COLUMNS
    north_requests = [
        r for r in rows if r["id"] == north and r["event"] == "agency:request:created"
    ]
    assert {r["measure"]: r["value"] for r in north_requests}["events"] == "3"
    data = client.get("/transparency.json").json()
    assert data["log_size"] == 7
    assert data["total"]["request_cells"] == {CELL: 3, OTHER_CELL: 1}


def test_csv_cells_cannot_become_formulas(world: World) -> None:
    _agency(world, "=HYPERLINK(1)", "+Town")
    with world.sessions() as db:
        text = reports.report_csv(reports.report(db, ANONYMOUS))
    assert "'=HYPERLINK(1)" in text
    assert ",=" not in text


def test_an_empty_log_still_renders(client: TestClient) -> None:
    page = client.get("/transparency")
    assert page.status_code == 200
    assert "nothing to map" in page.text


def test_chart_geometry() -> None:
    chart = charts.bar_chart([("a", 10), ("b", 5), ("c", 0)], width=500, label_width=100)
    assert [b.length for b in chart.bars] == [340, 170, 0]
    assert chart.height == 3 * chart.row + 8
    density = charts.density_map({CELL: 1, OTHER_CELL: 10}, width=300, height=200)
    assert density is not None
    for cell in density.cells:
        for point in cell.points.split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 300
            assert 0 <= y <= 200
    assert density.cells[-1].fill == charts.PALETTE[-1]
    assert charts.density_map({}) is None
