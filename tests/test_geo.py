"""porchlight.geo: H3 cells for households, coarsening for anything shown to others."""

from __future__ import annotations

import math

import h3
import pytest

from porchlight import geo

PORTLAND = (45.47, -122.65)


def test_cell_for_indexes_at_resolution_9() -> None:
    cell = geo.cell_for(*PORTLAND)
    assert h3.is_valid_cell(cell)
    assert h3.get_resolution(cell) == geo.INDEX_RESOLUTION == 9
    assert cell == h3.latlng_to_cell(*PORTLAND, 9)


def test_cell_for_contains_the_point() -> None:
    cell = geo.cell_for(*PORTLAND)
    # A resolution-9 cell is about 350 m across: its centre is close to the point.
    assert geo.distance_m(geo.cell_center(cell), PORTLAND) < 250


def test_cell_for_honours_a_chosen_resolution() -> None:
    assert h3.get_resolution(geo.cell_for(*PORTLAND, resolution=5)) == 5


def test_coarsen_to_public_resolution_is_the_parent() -> None:
    cell = geo.cell_for(*PORTLAND)
    public = geo.coarsen(cell)
    assert h3.get_resolution(public) == geo.PUBLIC_RESOLUTION == 7
    assert public == h3.cell_to_parent(cell, 7)
    assert cell in {str(c) for c in h3.cell_to_children(public, 9)}


def test_coarsen_to_the_same_resolution_is_the_cell_itself() -> None:
    cell = geo.cell_for(*PORTLAND)
    assert geo.coarsen(cell, 9) == cell


def test_coarsen_refuses_to_make_a_cell_finer() -> None:
    coarse = geo.cell_for(*PORTLAND, resolution=7)
    with pytest.raises(geo.GeoError, match="finer"):
        geo.coarsen(coarse, 9)


def test_coarsen_refuses_something_that_is_not_a_cell() -> None:
    with pytest.raises(geo.GeoError, match="not an H3 cell"):
        geo.coarsen("12 Test Lane")


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (0.0, -180.0), (45.47, -122.65)],
)
def test_check_latlng_accepts_the_edges_of_the_range(lat: float, lng: float) -> None:
    geo.check_latlng(lat, lng)  # Does not raise.
    assert h3.is_valid_cell(geo.cell_for(lat, lng))


@pytest.mark.parametrize(
    ("lat", "lng", "which"),
    [
        (90.0001, 0.0, "latitude"),
        (-91.0, 0.0, "latitude"),
        (math.nan, 0.0, "latitude"),
        (math.inf, 0.0, "latitude"),
        (-math.inf, 0.0, "latitude"),
        (0.0, 180.0001, "longitude"),
        (0.0, -181.0, "longitude"),
        (0.0, math.nan, "longitude"),
        (0.0, math.inf, "longitude"),
    ],
)
def test_check_latlng_refuses_out_of_range_and_non_finite(
    lat: float, lng: float, which: str
) -> None:
    with pytest.raises(geo.GeoError, match=which):
        geo.check_latlng(lat, lng)
    with pytest.raises(geo.GeoError, match=which):
        geo.cell_for(lat, lng)


def test_polygon_cells_of_a_small_square_have_their_centres_inside() -> None:
    south, west, north, east = 45.46, -122.66, 45.47, -122.65
    square = [(south, west), (south, east), (north, east), (north, west)]
    cells = geo.polygon_cells(square)
    # About 0.86 km² of resolution-9 cells of about 0.1 km² each.
    assert 4 <= len(cells) <= 15
    for cell in cells:
        assert h3.get_resolution(cell) == 9
        lat, lng = geo.cell_center(cell)
        assert south <= lat <= north
        assert west <= lng <= east


def test_polygon_cells_cover_a_point_well_inside() -> None:
    square = [(45.46, -122.66), (45.46, -122.64), (45.48, -122.64), (45.48, -122.66)]
    assert geo.cell_for(45.47, -122.65) in geo.polygon_cells(square)


def test_polygon_cells_refuses_fewer_than_three_corners() -> None:
    with pytest.raises(geo.GeoError, match="three"):
        geo.polygon_cells([(45.46, -122.66), (45.47, -122.65)])


def test_polygon_cells_refuses_out_of_range_corners() -> None:
    with pytest.raises(geo.GeoError, match="latitude"):
        geo.polygon_cells([(95.0, 0.0), (45.0, 1.0), (46.0, 1.0)])


def test_distance_of_one_degree_of_latitude_is_about_111_km() -> None:
    assert geo.distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195, rel=0.01)
    assert geo.distance_m((45.0, -122.0), (46.0, -122.0)) == pytest.approx(111_195, rel=0.01)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    a, b = PORTLAND, (45.52, -122.68)
    assert geo.distance_m(a, a) == pytest.approx(0.0, abs=1e-6)
    assert geo.distance_m(a, b) == pytest.approx(geo.distance_m(b, a))
    assert 5_000 < geo.distance_m(a, b) < 7_000


def test_disk_contains_the_cell_and_its_neighbours() -> None:
    cell = geo.cell_for(*PORTLAND)
    ring = geo.disk(cell, 1)
    assert cell in ring
    assert len(ring) == 7
    assert len(geo.disk(cell, 2)) == 19


def test_cell_boundary_has_six_corners_around_the_centre() -> None:
    cell = geo.cell_for(*PORTLAND)
    corners = geo.cell_boundary(cell)
    assert len(corners) == 6
    centre = geo.cell_center(cell)
    for corner in corners:
        assert 50 < geo.distance_m(centre, corner) < 400
