"""The event lifecycle as a pure state machine, and the pre-roll buffer.

:class:`EventTracker` is fed one observation per analysed frame (a time, whether
there was motion, and any labels detected) and answers with what changed: an event
opened (start recording from ``clip_start``, which reaches ``pre_roll`` seconds
back) or closed (stop at ``clip_end``, ``post_roll`` seconds after the last motion,
and keep or discard the clip). It never touches video, so it is tested with
made-up timestamps.

Rules:

- Motion outside masked areas opens an event; by default any such motion makes an
  event, labelled with whatever the detectors recognised (as Ring records on
  motion).
- The event closes once ``post_roll`` seconds pass without motion, or when it
  reaches ``max_duration``; an event cut at ``max_duration`` while motion goes on
  is continued by a new event without pre-roll.
- A closed event is discarded when its motion lasted less than ``min_duration``
  (a flicker), or, on a "people only" camera, when no person was detected.

:class:`PrerollBuffer` keeps the last few seconds of anything timestamped (packets,
in practice), starting at a keyframe so that they can be decoded again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

PERSON = "person"


@dataclass(frozen=True)
class EventConfig:
    """When events open, close, and which are kept."""

    #: Seconds of video kept before the first motion.
    pre_roll: float = 3.0
    #: Seconds without motion after which the event closes; also kept in the clip.
    post_roll: float = 5.0
    #: Events whose motion spans less than this many seconds are discarded.
    min_duration: float = 0.5
    #: Events are cut (and continued) at this length, in seconds.
    max_duration: float = 300.0
    #: Keep only events in which a person was detected.
    people_only: bool = False

    def __post_init__(self) -> None:
        if min(self.pre_roll, self.post_roll, self.min_duration) < 0:
            raise ValueError("pre-roll, post-roll and minimum duration cannot be negative")
        if self.max_duration <= 0:
            raise ValueError("maximum duration must be positive")


@dataclass(frozen=True)
class Event:
    """One event: times in seconds from the start of the stream."""

    number: int
    #: Time of the first motion.
    start: float
    #: Time of the last motion seen so far (the end of the motion once closed).
    end: float
    #: Where the clip starts (``start - pre_roll``, not before the stream).
    clip_start: float
    #: Where the clip ends; None while the event is open.
    clip_end: float | None = None
    #: Best score seen for each label.
    scores: Mapping[str, float] = field(default_factory=dict)
    #: True when this event continues one cut at ``max_duration``.
    continued: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels detected, sorted."""
        return tuple(sorted(self.scores))

    @property
    def duration(self) -> float:
        """Seconds from the first to the last motion."""
        return self.end - self.start


@dataclass(frozen=True)
class EventUpdate:
    """A change of state: an event ``opened``, or ``closed`` (kept or not, and why)."""

    kind: Literal["opened", "closed"]
    event: Event
    keep: bool = True
    reason: str = ""


class EventTracker:
    """Turns per-frame motion and labels into events, for one camera."""

    def __init__(self, config: EventConfig | None = None) -> None:
        self.config = config or EventConfig()
        self.active: Event | None = None
        self._count = 0
        self._last_time: float | None = None

    def update(
        self,
        time: float,
        motion: bool,
        labels: Mapping[str, float] | Iterable[str] = (),
    ) -> list[EventUpdate]:
        """Record what the frame at ``time`` showed; times must not go backwards."""
        if self._last_time is not None and time < self._last_time:
            raise ValueError(f"time went backwards: {time} after {self._last_time}")
        self._last_time = time
        scores = _scores(labels)
        event = self.active
        if event is None:
            if not motion:
                return []
            return [self._open(time, scores, continued=False)]
        event = replace(event, scores=_merge(event.scores, scores))
        if motion:
            event = replace(event, end=time)
        self.active = event
        if time - event.start >= self.config.max_duration:
            closed = self._close(replace(event, end=time), clip_end=time)
            if motion:
                return [closed, self._open(time, {}, continued=True)]
            return [closed]
        if not motion and time - event.end >= self.config.post_roll:
            return [self._close(event, clip_end=event.end + self.config.post_roll)]
        return []

    def finish(self, time: float) -> list[EventUpdate]:
        """The stream ended at ``time``: close any open event there."""
        if self.active is None:
            return []
        event = self.active
        clip_end = min(event.end + self.config.post_roll, max(time, event.end))
        return [self._close(event, clip_end=clip_end)]

    def _open(self, time: float, scores: Mapping[str, float], *, continued: bool) -> EventUpdate:
        self._count += 1
        pre_roll = 0.0 if continued else self.config.pre_roll
        self.active = Event(
            number=self._count,
            start=time,
            end=time,
            clip_start=max(0.0, time - pre_roll),
            scores=dict(scores),
            continued=continued,
        )
        return EventUpdate("opened", self.active)

    def _close(self, event: Event, *, clip_end: float) -> EventUpdate:
        self.active = None
        event = replace(event, clip_end=clip_end)
        if event.duration < self.config.min_duration and not event.continued:
            reason = f"motion lasted {event.duration:.1f} s, under {self.config.min_duration} s"
            return EventUpdate("closed", event, keep=False, reason=reason)
        if self.config.people_only and PERSON not in event.scores:
            return EventUpdate("closed", event, keep=False, reason="no person detected")
        return EventUpdate("closed", event)


def _scores(labels: Mapping[str, float] | Iterable[str]) -> dict[str, float]:
    if isinstance(labels, Mapping):
        return {str(k): float(v) for k, v in labels.items()}
    return dict.fromkeys(labels, 1.0)


def _merge(old: Mapping[str, float], new: Mapping[str, float]) -> dict[str, float]:
    merged = dict(old)
    for label, score in new.items():
        merged[label] = max(score, merged.get(label, 0.0))
    return merged


class PrerollBuffer(Generic[T]):
    """The most recent items (packets) covering at least ``seconds``, starting at a
    keyframe so that replaying them decodes cleanly.

    Memory is bounded by ``max_items`` as well: with a very long keyframe interval
    the oldest items go even though that costs the start of the pre-roll.
    """

    def __init__(self, seconds: float, *, max_items: int = 4096) -> None:
        self.seconds = seconds
        self.max_items = max_items
        self._items: deque[tuple[float, T, bool]] = deque()
        self._newest = float("-inf")

    def __len__(self) -> int:
        return len(self._items)

    def push(self, time: float, item: T, keyframe: bool) -> None:
        """Add an item; items before the first keyframe are useless and dropped."""
        if not self._items and not keyframe:
            return
        self._items.append((time, item, keyframe))
        self._newest = max(self._newest, time)
        horizon = self._newest - self.seconds
        # Drop whole keyframe groups while the next group still starts early enough.
        while True:
            nxt = self._next_keyframe()
            if nxt is None or self._items[nxt][0] > horizon:
                break
            for _ in range(nxt):
                self._items.popleft()
        while len(self._items) > self.max_items:
            self._items.popleft()
            while self._items and not self._items[0][2]:
                self._items.popleft()

    def since(self, time: float) -> list[T]:
        """Items from the last keyframe at or before ``time`` (else the first) onwards."""
        start = 0
        for index, (when, _, keyframe) in enumerate(self._items):
            if keyframe and when <= time:
                start = index
        return [item for _, item, _ in list(self._items)[start:]]

    def _next_keyframe(self) -> int | None:
        for index in range(1, len(self._items)):
            if self._items[index][2]:
                return index
        return None
