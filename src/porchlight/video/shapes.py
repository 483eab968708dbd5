"""A guess at vehicles and animals from the shape and persistence of what moved.

No model shipped in a package detects vehicles or animals well enough on a CPU, so
until the owner plugs in an ONNX model, a moving blob that stays wide and large for a
few analysed frames is called a vehicle, and one that stays small, low and longer
than tall is called an animal.  The scores are deliberately low: these are guesses
that label events, never reasons to record more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from porchlight.video.boxes import Box

VEHICLE = "vehicle"
ANIMAL = "animal"
GUESS_SCORE = 0.35


@dataclass
class ShapeConfig:
    """Thresholds, as fractions of the frame, for motion boxes (which the motion
    detector's dilation makes a few pixels larger than the object itself)."""

    vehicle_min_area: float = 0.03
    vehicle_min_aspect: float = 1.8
    animal_max_area: float = 0.025
    animal_min_area: float = 0.0008
    animal_min_aspect: float = 1.15
    animal_min_bottom: float = 0.5
    persistence: int = 2


@dataclass
class ShapeLabeler:
    """Labels motion boxes frame after frame; a label needs ``persistence`` frames in a row."""

    width: int
    height: int
    config: ShapeConfig = field(default_factory=ShapeConfig)
    _streaks: dict[str, int] = field(default_factory=dict)

    def classify(self, box: Box) -> str | None:
        """What one box looks like: ``vehicle``, ``animal`` or nothing."""
        w, h = box.x2 - box.x1, box.y2 - box.y1
        if w <= 0 or h <= 0:
            return None
        area = (w * h) / (self.width * self.height)
        aspect = w / h
        cfg = self.config
        if area >= cfg.vehicle_min_area and aspect >= cfg.vehicle_min_aspect:
            return VEHICLE
        if (
            cfg.animal_min_area <= area <= cfg.animal_max_area
            and aspect >= cfg.animal_min_aspect
            and box.y2 / self.height >= cfg.animal_min_bottom
        ):
            return ANIMAL
        return None

    def update(self, boxes: list[Box]) -> dict[str, float]:
        """Feed one analysed frame's motion boxes; return the labels that persisted."""
        seen = {label for box in boxes if (label := self.classify(box)) is not None}
        for label in (VEHICLE, ANIMAL):
            self._streaks[label] = self._streaks.get(label, 0) + 1 if label in seen else 0
        return {
            label: GUESS_SCORE
            for label, streak in self._streaks.items()
            if streak >= self.config.persistence
        }
