"""The rules a footage request must meet, as pure functions (no database, no web).

Each rule has an id that problem answers name, so an officer learns exactly which
rule a draft broke.  Sources for the numbers: Ring's Request for Assistance terms
(15 minutes to 12 hours; 0.025 to 0.5 square miles; no requests about lawful
activity; at most two posts per investigation), see docs/adr/0007-request-rules.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

INCIDENT_TYPES = (
    "burglary",
    "package_theft",
    "vehicle_theft",
    "vehicle_break_in",
    "vandalism",
    "assault",
    "robbery",
    "hit_and_run",
    "missing_person",
    "arson",
    "homicide",
    "shooting",
)
MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=12)
MIN_AREA_SQ_MI = 0.025
MAX_AREA_SQ_MI = 0.5
MAX_REQUESTS_PER_CASE = 2
SQ_M_PER_SQ_MI = 2_589_988.11
CASE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")

# Lawful activity is never a reason to ask for footage.  Matched as whole words.
LAWFUL_ACTIVITY = re.compile(
    r"\b(protests?|protesters?|demonstrat(?:ion|ions|ors?)|rall(?:y|ies)|march(?:es|ers)?|"
    r"marched|gatherings?|vigils?|pickets?|picketing|strikes?|strikers|rallies|"
    r"immigra(?:nt|nts|tion)|undocumented|deport(?:ation|ed)?|ice raid|visa status|"
    r"religious service|worship|union organi[sz]ing|petition(?:ing|ers)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RuleBroken(Exception):
    """A request breaks a rule: ``rule`` is its id, ``field`` the input at fault."""

    rule: str
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def check_case_number(case_number: str) -> None:
    """Case numbers are an agency reference: 4 to 32 capitals, digits and dashes."""
    if not CASE_NUMBER.match(case_number):
        raise RuleBroken(
            "case-number-format",
            "case_number",
            "A case number is 4 to 32 capital letters, digits and dashes, "
            "starting with a letter or digit (e.g. 2026-004512).",
        )


def check_incident_type(incident_type: str) -> None:
    """Only incidents on the fixed list; there is no entry for lawful activity."""
    if incident_type not in INCIDENT_TYPES:
        raise RuleBroken(
            "incident-type",
            "incident_type",
            f"The incident type must be one of: {', '.join(INCIDENT_TYPES)}.",
        )


def check_justification(text: str) -> None:
    """A written justification of substance that is not about lawful activity."""
    if len(text.strip()) < 40:
        raise RuleBroken(
            "justification-required",
            "justification",
            "Write a justification of at least 40 characters: what happened and "
            "why footage from this area and time would help.",
        )
    found = LAWFUL_ACTIVITY.search(text)
    if found:
        raise RuleBroken(
            "lawful-activity",
            "justification",
            f"Requests about lawful activity are refused (found "
            f"{found.group(0)!r}): protests, gatherings and immigration status are "
            "never grounds for a request.",
        )


def check_window(incident_at: datetime, start: datetime, end: datetime, now: datetime) -> None:
    """The window lies in the past, lasts 15 minutes to 12 hours and holds the incident."""
    if end <= start:
        raise RuleBroken("window-order", "window_end", "The window must end after it starts.")
    if end > now:
        raise RuleBroken(
            "window-future",
            "window_end",
            "The window must be in the past: footage that does not exist yet cannot be requested.",
        )
    if not MIN_WINDOW <= end - start <= MAX_WINDOW:
        raise RuleBroken(
            "window-length", "window_end", "The window must last between 15 minutes and 12 hours."
        )
    if not start <= incident_at <= end:
        raise RuleBroken(
            "incident-in-window", "incident_at", "The incident time must lie inside the window."
        )


def _ring(area: dict[str, object]) -> list[tuple[float, float]]:
    if area.get("type") != "Polygon":
        raise RuleBroken("area-geojson", "area", "The area must be a GeoJSON Polygon.")
    rings = area.get("coordinates")
    if not isinstance(rings, list) or len(rings) != 1 or not isinstance(rings[0], list):
        raise RuleBroken(
            "area-geojson",
            "area",
            "The area must be one outer ring of [longitude, latitude] points.",
        )
    points: list[tuple[float, float]] = []
    for point in rings[0]:
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(isinstance(v, int | float) and math.isfinite(v) for v in point)
        ):
            raise RuleBroken("area-geojson", "area", "Each point is [longitude, latitude].")
        lng, lat = float(point[0]), float(point[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise RuleBroken("area-coordinates", "area", "A point lies outside the globe.")
        points.append((lng, lat))
    if len(points) < 4 or points[0] != points[-1]:
        raise RuleBroken(
            "area-geojson",
            "area",
            "A polygon needs at least 3 corners and must end where it starts.",
        )
    return points[:-1]


def _project(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Local equirectangular projection in metres: accurate at these small sizes."""
    lat0 = sum(p[1] for p in points) / len(points)
    k = math.cos(math.radians(lat0))
    return [(lng * 111_320.0 * k, lat * 110_574.0) for lng, lat in points]


def _crosses(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(c, d, a) * side(c, d, b) < 0 and side(a, b, c) * side(a, b, d) < 0


def check_area(area: dict[str, object]) -> tuple[list[tuple[float, float]], float]:
    """Validate a request area; return its corners (lng, lat) and size in square miles."""
    points = _ring(area)
    lngs = [p[0] for p in points]
    if max(lngs) - min(lngs) > 180:
        raise RuleBroken(
            "area-antimeridian", "area", "The area crosses the antimeridian; draw it on one side."
        )
    xy = _project(points)
    n = len(xy)
    for i in range(n):
        for j in range(i + 1, n):
            if abs(i - j) in (1, n - 1):
                continue
            if _crosses(xy[i], xy[(i + 1) % n], xy[j], xy[(j + 1) % n]):
                raise RuleBroken(
                    "area-self-intersecting", "area", "The area's edges cross each other."
                )
    sq_m = (
        abs(sum(xy[i][0] * xy[(i + 1) % n][1] - xy[(i + 1) % n][0] * xy[i][1] for i in range(n)))
        / 2
    )
    sq_mi = sq_m / SQ_M_PER_SQ_MI
    if not MIN_AREA_SQ_MI <= sq_mi <= MAX_AREA_SQ_MI:
        raise RuleBroken(
            "area-size",
            "area",
            f"The area is {sq_mi:.3f} square miles; it must be between "
            f"{MIN_AREA_SQ_MI} and {MAX_AREA_SQ_MI}.",
        )
    return points, sq_mi


def contains(points: list[tuple[float, float]], lng: float, lat: float) -> bool:
    """Whether a point (lng, lat) lies inside the polygon (ray casting)."""
    inside = False
    n = len(points)
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x:
                inside = not inside
    return inside


def circle(lng: float, lat: float, radius_m: float, sides: int = 32) -> dict[str, object]:
    """A circle drawn on the map, as the GeoJSON polygon the API takes."""
    k = math.cos(math.radians(lat))
    ring = [
        [
            lng + radius_m * math.cos(2 * math.pi * i / sides) / (111_320.0 * k),
            lat + radius_m * math.sin(2 * math.pi * i / sides) / 110_574.0,
        ]
        for i in range(sides)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
