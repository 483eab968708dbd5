"""Locations as H3 cells.

Households are indexed at resolution 9 (cells of about 0.1 km²).  Anything shown to
someone outside the household is coarsened to a larger cell, never an address or
exact coordinates.
"""

from __future__ import annotations

import math

import h3

INDEX_RESOLUTION = 9
# Resolution 7 cells cover about 5 km²: a neighbourhood, not a street.
PUBLIC_RESOLUTION = 7
# Resolution 8 cells cover about 0.7 km²: fine enough for a request-density map.
MAP_RESOLUTION = 8


class GeoError(ValueError):
    """A coordinate or cell that cannot be used."""


def check_latlng(lat: float, lng: float) -> None:
    """Raise :class:`GeoError` unless ``lat``/``lng`` are finite degrees in range."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise GeoError("latitude must be between -90 and 90 degrees")
    if not (math.isfinite(lng) and -180.0 <= lng <= 180.0):
        raise GeoError("longitude must be between -180 and 180 degrees")


def cell_for(lat: float, lng: float, resolution: int = INDEX_RESOLUTION) -> str:
    """The H3 cell containing a point."""
    check_latlng(lat, lng)
    return str(h3.latlng_to_cell(lat, lng, resolution))


def coarsen(cell: str, resolution: int = PUBLIC_RESOLUTION) -> str:
    """The parent of ``cell`` at a coarser ``resolution`` (what others may see)."""
    if not h3.is_valid_cell(cell):
        raise GeoError(f"not an H3 cell: {cell!r}")
    current = h3.get_resolution(cell)
    if resolution > current:
        raise GeoError("coarsening cannot make a cell finer")
    return str(h3.cell_to_parent(cell, resolution))


def cell_center(cell: str) -> tuple[float, float]:
    """The centre of a cell as (lat, lng)."""
    lat, lng = h3.cell_to_latlng(cell)
    return float(lat), float(lng)


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The corners of a cell as (lat, lng) pairs, for drawing on a map."""
    return [(float(a), float(b)) for a, b in h3.cell_to_boundary(cell)]


def disk(cell: str, rings: int) -> set[str]:
    """``cell`` and every cell within ``rings`` steps of it."""
    return {str(c) for c in h3.grid_disk(cell, rings)}


def polygon_cells(
    points: list[tuple[float, float]], resolution: int = INDEX_RESOLUTION
) -> set[str]:
    """Cells whose centres lie inside a polygon given as (lat, lng) corners."""
    for lat, lng in points:
        check_latlng(lat, lng)
    if len(points) < 3:
        raise GeoError("a polygon needs at least three corners")
    shape = h3.LatLngPoly(points)
    return {str(c) for c in h3.h3shape_to_cells(shape, resolution)}


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lng) points, in metres."""
    return float(h3.great_circle_distance(a, b, unit="m"))
