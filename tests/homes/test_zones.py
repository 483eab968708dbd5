"""Privacy-zone polygons: any number, any size, but each a simple polygon in the frame."""

from __future__ import annotations

import math

import pytest

from porchlight.homes.zones import MAX_POINTS, polygon_area, zone_problem

TRIANGLE = [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]]
RECTANGLE = [[0.2, 0.6], [0.8, 0.6], [0.8, 0.9], [0.2, 0.9]]
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]


def _circle(n: int, radius: float = 0.4) -> list[list[float]]:
    return [
        [0.5 + radius * math.cos(2 * math.pi * i / n), 0.5 + radius * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "points",
    [
        TRIANGLE,
        RECTANGLE,
        list(reversed(RECTANGLE)),  # Clockwise or anticlockwise, both are fine.
        WHOLE_FRAME,
        [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]],  # Corners on the frame's edges.
        [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.5, 0.3], [0.1, 0.9]],  # Concave.
        _circle(MAX_POINTS),
    ],
    ids=["triangle", "rectangle", "clockwise", "whole-frame", "edges", "concave", "64-corners"],
)
def test_acceptable_zones(points: list[list[float]]) -> None:
    assert zone_problem(points) is None


def test_zones_of_any_size_are_accepted() -> None:
    # Ring allows two rectangles; Porchlight caps neither the count nor the size.
    sizes = [0.02, 0.1, 0.5, 1.0]
    for size in sizes:
        square = [[0.0, 0.0], [size, 0.0], [size, size], [0.0, size]]
        assert zone_problem(square) is None
        assert polygon_area([(x, y) for x, y in square]) == pytest.approx(size * size)


@pytest.mark.parametrize(
    "points",
    [[], [[0.1, 0.1]], [[0.1, 0.1], [0.5, 0.5]]],
    ids=["none", "one", "two"],
)
def test_fewer_than_three_corners_is_refused(points: list[list[float]]) -> None:
    assert zone_problem(points) == "A zone needs between 3 and 64 corners."


def test_more_than_64_corners_is_refused() -> None:
    problem = zone_problem(_circle(MAX_POINTS + 1))
    assert problem is not None
    assert "64" in problem


@pytest.mark.parametrize(
    ("points", "corner"),
    [
        ([[0.1, 0.1], [1.1, 0.1], [0.5, 0.5]], 2),
        ([[-0.01, 0.1], [0.5, 0.1], [0.5, 0.5]], 1),
        ([[0.1, 0.1], [0.5, 0.1], [0.5, 1.5]], 3),
        ([[0.1, 0.1], [0.5, -0.2], [0.5, 0.5]], 2),
        ([[0.1, 0.1], [math.nan, 0.1], [0.5, 0.5]], 2),
        ([[0.1, 0.1], [0.5, 0.1], [math.inf, 0.5]], 3),
    ],
)
def test_corners_outside_the_frame_are_refused(points: list[list[float]], corner: int) -> None:
    problem = zone_problem(points)
    assert problem is not None
    assert problem.startswith(f"Corner {corner} lies outside the frame")


def test_a_corner_that_is_not_a_pair_is_refused() -> None:
    problem = zone_problem([[0.1, 0.1], [0.5, 0.1, 0.2], [0.5, 0.5]])
    assert problem == "Corner 2 must be an [x, y] pair."


@pytest.mark.parametrize(
    "points",
    [
        [[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]],  # Collinear.
        [[0.1, 0.1], [0.9, 0.1], [0.5, 0.1], [0.3, 0.1]],  # All on one line.
        [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],  # One point three times.
        [[0.1, 0.1], [0.105, 0.1], [0.105, 0.105]],  # A speck: 1.25e-5 of the frame.
    ],
    ids=["collinear", "line", "point", "speck"],
)
def test_zones_without_visible_area_are_refused(points: list[list[float]]) -> None:
    problem = zone_problem(points)
    assert problem is not None
    assert "no visible area" in problem


def test_bow_tie_is_refused_as_self_intersecting() -> None:
    # The two halves cancel out in the shoelace sum; the crossing must still be caught.
    bow_tie = [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]
    problem = zone_problem(bow_tie)
    assert problem is not None
    assert "cross" in problem


def test_lopsided_bow_tie_with_area_is_still_refused() -> None:
    lopsided = [[0.1, 0.1], [0.9, 0.5], [0.9, 0.1], [0.1, 0.9]]
    assert polygon_area([(x, y) for x, y in lopsided]) > 0.01
    problem = zone_problem(lopsided)
    assert problem is not None
    assert "cross" in problem


def test_same_corners_in_order_are_accepted_where_a_tangle_is_not() -> None:
    in_order = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]
    tangled = [in_order[0], in_order[2], in_order[1], in_order[3]]
    assert zone_problem(in_order) is None
    assert zone_problem(tangled) is not None


def test_polygon_area_is_a_fraction_of_the_frame() -> None:
    assert polygon_area([(x, y) for x, y in WHOLE_FRAME]) == pytest.approx(1.0)
    assert polygon_area([(x, y) for x, y in TRIANGLE]) == pytest.approx(0.02)
