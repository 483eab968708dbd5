"""Axis-aligned boxes in pixel coordinates, and labelled detections, shared by motion,
detection and redaction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle ``[x1, x2) x [y1, y2)`` in pixels of some frame."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        """Width in pixels (never negative)."""
        return max(0.0, self.x2 - self.x1)

    @property
    def height(self) -> float:
        """Height in pixels (never negative)."""
        return max(0.0, self.y2 - self.y1)

    @property
    def area(self) -> float:
        """Area in square pixels."""
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        """The centre point ``(x, y)``."""
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    def scale(self, sx: float, sy: float | None = None) -> Box:
        """This box in a frame scaled by ``sx`` horizontally and ``sy`` vertically."""
        sy = sx if sy is None else sy
        return Box(self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy)

    def translate(self, dx: float, dy: float) -> Box:
        """This box moved by ``(dx, dy)``."""
        return Box(self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy)

    def expand(self, fraction: float = 0.0, pixels: float = 0.0) -> Box:
        """Grow each side by ``fraction`` of the box's size plus ``pixels``."""
        dx = self.width * fraction + pixels
        dy = self.height * fraction + pixels
        return Box(self.x1 - dx, self.y1 - dy, self.x2 + dx, self.y2 + dy)

    def clip(self, width: float, height: float) -> Box:
        """This box cut to a ``width`` x ``height`` frame."""
        return Box(
            min(max(self.x1, 0.0), width),
            min(max(self.y1, 0.0), height),
            min(max(self.x2, 0.0), width),
            min(max(self.y2, 0.0), height),
        )

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        return Box(
            min(self.x1, other.x1),
            min(self.y1, other.y1),
            max(self.x2, other.x2),
            max(self.y2, other.y2),
        )

    def intersection(self, other: Box) -> float:
        """Area shared with ``other``."""
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return max(0.0, w) * max(0.0, h)

    def iou(self, other: Box) -> float:
        """Intersection over union, 0 for disjoint boxes."""
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def lerp(self, other: Box, t: float) -> Box:
        """The box ``t`` of the way from this one to ``other``."""
        return Box(
            self.x1 + (other.x1 - self.x1) * t,
            self.y1 + (other.y1 - self.y1) * t,
            self.x2 + (other.x2 - self.x2) * t,
            self.y2 + (other.y2 - self.y2) * t,
        )

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Integer ``(x1, y1, x2, y2)`` that cover every pixel the box touches, clipped."""
        return (
            max(0, min(width, math.floor(self.x1))),
            max(0, min(height, math.floor(self.y1))),
            max(0, min(width, math.ceil(self.x2))),
            max(0, min(height, math.ceil(self.y2))),
        )


@dataclass(frozen=True, slots=True)
class Detection:
    """Something a detector found: a label (``person``, ``face``, ...), a confidence
    from 0 to 1, and where it is."""

    label: str
    score: float
    box: Box


def merge_boxes(boxes: Iterable[Box], gap: float = 0.0) -> list[Box]:
    """Merge boxes that overlap or lie within ``gap`` pixels of each other."""
    pending = [b.expand(pixels=gap / 2) for b in boxes]
    merged: list[Box] = []
    while pending:
        current = pending.pop()
        changed = True
        while changed:
            changed = False
            for i in range(len(pending) - 1, -1, -1):
                if _touches(current, pending[i]):
                    current = current.union(pending.pop(i))
                    changed = True
        merged.append(current)
    return [b.expand(pixels=-gap / 2) for b in merged]


def _touches(a: Box, b: Box) -> bool:
    return a.x1 <= b.x2 and b.x1 <= a.x2 and a.y1 <= b.y2 and b.y1 <= a.y2


def non_max_suppression(boxes: Sequence[Box], scores: Sequence[float], iou: float) -> list[int]:
    """Indices of the boxes kept, best score first, dropping those overlapping a better one."""
    order = sorted(range(len(boxes)), key=lambda i: scores[i], reverse=True)
    kept: list[int] = []
    for i in order:
        if all(boxes[i].iou(boxes[k]) < iou for k in kept):
            kept.append(i)
    return kept
