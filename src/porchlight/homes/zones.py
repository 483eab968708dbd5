"""Checks on privacy-zone polygons, in frame coordinates from 0 (left/top) to 1.

Any number of zones of any size are allowed (Ring caps them at two rectangles);
each must be a simple polygon with a visible area.
"""

from __future__ import annotations

import math

MAX_POINTS = 64
MIN_AREA = 1e-4  # a hundredth of a percent of the frame


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(
    p1: tuple[float, float],
    p2: tuple[float, float],
    q1: tuple[float, float],
    q2: tuple[float, float],
) -> bool:
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


def polygon_area(points: list[tuple[float, float]]) -> float:
    """The area of a polygon (shoelace formula), as a fraction of the frame."""
    total = 0.0
    for i, (x1, y1) in enumerate(points):
        x2, y2 = points[(i + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def zone_problem(raw: list[list[float]]) -> str | None:
    """Say what is wrong with a zone polygon, or return None if it can be used."""
    if not 3 <= len(raw) <= MAX_POINTS:
        return f"A zone needs between 3 and {MAX_POINTS} corners."
    points: list[tuple[float, float]] = []
    for i, pair in enumerate(raw):
        if len(pair) != 2:
            return f"Corner {i + 1} must be an [x, y] pair."
        x, y = float(pair[0]), float(pair[1])
        if not (math.isfinite(x) and math.isfinite(y) and 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            return f"Corner {i + 1} lies outside the frame (x and y run from 0 to 1)."
        points.append((x, y))
    n = len(points)
    for i in range(n):
        for j in range(i + 1, n):
            if abs(i - j) <= 1 or {i, j} == {0, n - 1}:
                continue
            if _segments_cross(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]):
                return "The zone's edges cross each other; draw its corners in order."
    # After the crossing check: a bow-tie's two halves cancel out in the shoelace sum.
    if polygon_area(points) < MIN_AREA:
        return "The zone has no visible area; its corners nearly lie on a line."
    return None
