"""Anonymous box tracking between detection rounds, so redaction never flickers.

Detectors run every few frames and sometimes miss. :class:`BoxTracker` carries each
box from one detection round to the next by overlap alone: a box seen again moves
linearly, a box not seen is carried on at its last speed (and grows) for ``hold``
rounds, and when it is found again the rounds it was missed in are filled in along
the straight line between the two sightings. :func:`boxes_between` gives the boxes
for a frame between two rounds.

Tracks have numbers only so that consecutive rounds can be paired; they carry no
appearance, are never compared across cameras or renders, and vanish with the
render. This is not identity tracking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from porchlight.video.boxes import Box, Detection


@dataclass
class _Track:
    number: int
    label: str
    #: Where the box is this round: detected, or predicted while unseen.
    box: Box
    #: Where it was last detected.
    seen: Box
    misses: int = 0
    #: Movement of the centre per round, from the last two sightings.
    velocity: tuple[float, float] = (0.0, 0.0)

    def predicted(self) -> Box:
        return self.box.translate(*self.velocity)


@dataclass(frozen=True)
class Round:
    """The outcome of one detection round."""

    #: Box of every live track this round, by track number.
    boxes: Mapping[int, Box]
    #: For tracks found again after misses: better boxes for the missed rounds,
    #: oldest first (the last entry is for the previous round).
    refills: Mapping[int, Sequence[Box]] = field(default_factory=dict)


class BoxTracker:
    """Pairs each round's detections with the previous round's boxes."""

    def __init__(self, *, hold: int = 3, growth: float = 0.15) -> None:
        self.hold = hold
        self.growth = growth
        self._tracks: list[_Track] = []
        self._count = 0

    def update(self, detections: Sequence[Detection]) -> Round:
        """Record one round of detections and return every live track's box."""
        unmatched = list(range(len(detections)))
        survivors: list[_Track] = []
        refills: dict[int, list[Box]] = {}
        for track in self._tracks:
            best = self._best_match(track, detections, unmatched)
            if best is not None:
                unmatched.remove(best)
                box = detections[best].box
                rounds = track.misses + 1
                if track.misses:
                    refills[track.number] = [
                        track.seen.lerp(box, (i + 1) / rounds) for i in range(track.misses)
                    ]
                velocity = (
                    (box.center[0] - track.seen.center[0]) / rounds,
                    (box.center[1] - track.seen.center[1]) / rounds,
                )
                survivors.append(_Track(track.number, track.label, box, box, 0, velocity))
            elif track.misses < self.hold:
                # Unseen: assume it kept moving as it did, and grow for the doubt.
                held = track.predicted().expand(self.growth / 2)
                track.box, track.misses = held, track.misses + 1
                survivors.append(track)
        for index in unmatched:
            self._count += 1
            box = detections[index].box
            survivors.append(_Track(self._count, detections[index].label, box, box))
        self._tracks = survivors
        return Round({t.number: t.box for t in survivors}, refills)

    @staticmethod
    def _best_match(
        track: _Track, detections: Sequence[Detection], candidates: Sequence[int]
    ) -> int | None:
        best, best_iou = None, 0.0
        # The longer a box has been unseen, the further afield it may turn up.
        reach = track.predicted().expand(0.5 + 0.5 * track.misses)
        for index in candidates:
            d = detections[index]
            if d.label != track.label:
                continue
            overlap = reach.iou(d.box.expand(0.5))
            if overlap > best_iou:
                best, best_iou = index, overlap
        return best


def boxes_between(
    before: Mapping[int, Box], after: Mapping[int, Box], t: float, margin: float
) -> list[Box]:
    """Boxes for a frame ``t`` (0 to 1) of the way from one round to the next.

    A track in both rounds moves linearly, enlarged by ``margin`` of its size plus
    half the distance it moves; a track only in ``after`` (it just appeared) covers
    the whole interval at its new place; one only in ``before`` (just dropped) stays.
    """
    boxes = []
    for number in before.keys() | after.keys():
        a, b = before.get(number), after.get(number)
        if a is not None and b is not None:
            moved = max(abs(b.center[0] - a.center[0]), abs(b.center[1] - a.center[1]))
            boxes.append(a.lerp(b, t).expand(margin, pixels=moved / 2))
        else:
            only = b if b is not None else a
            assert only is not None
            boxes.append(only.expand(margin))
    return boxes
