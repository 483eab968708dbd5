"""The rules a request must meet, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from porchlight.requests import rules

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def square(lng: float, lat: float, side_m: float) -> dict[str, object]:
    dlat = side_m / 110_574.0
    dlng = side_m / (111_320.0 * 0.7)
    ring = [[lng, lat], [lng + dlng, lat], [lng + dlng, lat + dlat], [lng, lat + dlat], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.mark.parametrize(
    "text",
    [
        "Footage of the protest march on Main St to identify organisers of the rally there.",
        "We need to check the immigration status of people seen at the corner that evening.",
        "Looking for everyone who attended the vigil, to see who was at the gathering.",
    ],
)
def test_lawful_activity_is_refused(text: str) -> None:
    with pytest.raises(rules.RuleBroken) as broken:
        rules.check_justification(text)
    assert broken.value.rule == "lawful-activity"


def test_a_real_justification_passes() -> None:
    rules.check_justification(
        "A parcel was taken from a porch at 14:10; a car was seen "
        "leaving towards the park. Footage may show the car."
    )


def test_short_justification_is_refused() -> None:
    with pytest.raises(rules.RuleBroken, match="40 characters"):
        rules.check_justification("theft")


@pytest.mark.parametrize(
    ("start", "end", "rule"),
    [
        (NOW - timedelta(hours=2), NOW - timedelta(hours=3), "window-order"),
        (NOW - timedelta(minutes=30), NOW + timedelta(minutes=30), "window-future"),
        (NOW - timedelta(minutes=20), NOW - timedelta(minutes=10), "window-length"),
        (NOW - timedelta(hours=14), NOW - timedelta(hours=1), "window-length"),
    ],
)
def test_window_rules(start: datetime, end: datetime, rule: str) -> None:
    with pytest.raises(rules.RuleBroken) as broken:
        rules.check_window(start, start, end, NOW)
    assert broken.value.rule == rule


def test_incident_must_lie_in_the_window() -> None:
    with pytest.raises(rules.RuleBroken) as broken:
        rules.check_window(
            NOW - timedelta(hours=5), NOW - timedelta(hours=2), NOW - timedelta(hours=1), NOW
        )
    assert broken.value.rule == "incident-in-window"


def test_area_size_limits_in_square_miles() -> None:
    _, ok = rules.check_area(square(-122.65, 45.47, 400))  # 0.4 km per side: 0.06 sq mi
    assert 0.05 < ok < 0.07
    with pytest.raises(rules.RuleBroken, match="between"):
        rules.check_area(square(-122.65, 45.47, 100))  # 0.004 sq mi: too small
    with pytest.raises(rules.RuleBroken, match="between"):
        rules.check_area(square(-122.65, 45.47, 2000))  # 1.5 sq mi: too large


@pytest.mark.parametrize(
    ("area", "rule"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "area-geojson"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0, 0.01]]]}, "area-geojson"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[0, 0], [0.005, 0.005], [0.005, 0], [0, 0.005], [0, 0]]],
            },
            "area-self-intersecting",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[179.999, 0], [-179.999, 0], [-179.999, 0.004], [179.999, 0.004], [179.999, 0]]
                ],
            },
            "area-antimeridian",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 95], [0.01, 95], [0.01, 96], [0, 95]]]},
            "area-coordinates",
        ),
    ],
)
def test_degenerate_areas_are_refused(area: dict[str, object], rule: str) -> None:
    with pytest.raises(rules.RuleBroken) as broken:
        rules.check_area(area)
    assert broken.value.rule == rule


def test_circle_becomes_a_valid_polygon_of_the_right_size() -> None:
    area = rules.circle(-122.65, 45.47, 300)
    _, sq_mi = rules.check_area(area)
    assert sq_mi == pytest.approx(3.14159 * 300**2 / rules.SQ_M_PER_SQ_MI, rel=0.02)


def test_point_in_polygon() -> None:
    points, _ = rules.check_area(square(-122.65, 45.47, 400))
    assert rules.contains(points, -122.649, 45.471)
    assert not rules.contains(points, -122.66, 45.471)


@pytest.mark.parametrize("case", ["2026-004512", "ABCD", "PD-1"])
def test_case_numbers(case: str) -> None:
    if len(case) < 4:
        with pytest.raises(rules.RuleBroken):
            rules.check_case_number(case)
    else:
        rules.check_case_number(case)
    with pytest.raises(rules.RuleBroken):
        rules.check_case_number(case.lower() + " x")
