"""Geometry for the transparency pages' inline SVG: bar charts and a request-density map.

The pages draw with SVG presentation attributes only (no script, no inline style),
so they work under ``default-src 'self'`` and without any chart library.  This
module computes coordinates; the templates write the elements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from porchlight import geo

PALETTE = ("#fde0c5", "#facba6", "#f59e72", "#e1604b", "#a8322d")
"""Light to dark: how many requests a cell received, in five steps."""


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, top edge and length in SVG units."""

    label: str
    value: int
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart laid out in a ``width`` by ``height`` viewBox."""

    width: int
    height: int
    label_width: int
    row: int
    bar_height: int
    bars: list[Bar]


def bar_chart(
    items: Sequence[tuple[str, int]], width: int = 720, label_width: int = 260, row: int = 26
) -> BarChart:
    """Lay out one bar per (label, value); the longest bar leaves room for its number."""
    top = max((value for _, value in items), default=0) or 1
    span = width - label_width - 60
    bars = [
        Bar(label, value, index * row + 4, span * value / top)
        for index, (label, value) in enumerate(items)
    ]
    return BarChart(width, max(len(bars), 1) * row + 8, label_width, row, row - 8, bars)


@dataclass(frozen=True)
class MapCell:
    """One H3 cell as an SVG polygon, shaded by its count."""

    cell: str
    count: int
    points: str
    fill: str


@dataclass(frozen=True)
class DensityMap:
    """Cells drawn in a ``width`` by ``height`` viewBox, and the legend's steps."""

    width: int
    height: int
    cells: list[MapCell]
    legend: list[tuple[str, str]]


def density_map(counts: dict[str, int], width: int = 720, height: int = 420) -> DensityMap | None:
    """Project the cells (equirectangular, scaled at their mean latitude) to fit the box."""
    if not counts:
        return None
    corners = {cell: geo.cell_boundary(cell) for cell in counts}
    lats = [lat for points in corners.values() for lat, _ in points]
    lngs = [lng for points in corners.values() for _, lng in points]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lngs) - min(lngs)) * squeeze, 1e-9)
    span_y = max(max(lats) - min(lats), 1e-9)
    pad = 12
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    # Centre the drawing in the box.
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2
    top = max(counts.values())

    def point(lat: float, lng: float) -> str:
        x = off_x + (lng - min(lngs)) * squeeze * scale
        y = off_y + (max(lats) - lat) * scale
        return f"{x:.1f},{y:.1f}"

    cells = [
        MapCell(cell, count, " ".join(point(*p) for p in corners[cell]), _shade(count, top))
        for cell, count in sorted(counts.items(), key=lambda item: item[1])
    ]
    return DensityMap(width, height, cells, _legend(top))


def _shade(count: int, top: int) -> str:
    step = min(len(PALETTE) - 1, max(0, math.ceil(count / top * len(PALETTE)) - 1))
    return PALETTE[step]


def _legend(top: int) -> list[tuple[str, str]]:
    steps = len(PALETTE) if top >= len(PALETTE) else top
    legend = []
    for step in range(steps):
        low = math.floor(step * top / steps) + 1
        high = math.floor((step + 1) * top / steps)
        label = str(high) if low >= high else f"{low} to {high}"
        legend.append((label, _shade(high, top)))
    return legend
