"""The event state machine and the pre-roll buffer, with made-up timestamps."""

from __future__ import annotations

import pytest

from porchlight.video.events import EventConfig, EventTracker, EventUpdate, PrerollBuffer

STEP = 0.2  # 5 fps analysis


def run(
    tracker: EventTracker,
    motion_between: list[tuple[float, float]],
    until: float,
    labels: dict[float, dict[str, float]] | None = None,
) -> list[EventUpdate]:
    updates: list[EventUpdate] = []
    for i in range(round(until / STEP) + 1):
        t = round(i * STEP, 3)
        moving = any(a <= t <= b for a, b in motion_between)
        updates += tracker.update(t, moving, (labels or {}).get(t, {}))
    return updates + tracker.finish(until)


def test_no_motion_no_event() -> None:
    assert run(EventTracker(), [], 20) == []


def test_one_burst_of_motion_makes_one_event_with_pre_and_post_roll() -> None:
    config = EventConfig(pre_roll=3, post_roll=5)
    updates = run(EventTracker(config), [(10, 14)], 30)
    assert [u.kind for u in updates] == ["opened", "closed"]
    opened, closed = updates
    assert opened.event.start == 10
    assert opened.event.clip_start == 7
    assert closed.keep
    assert closed.event.end == 14
    assert closed.event.clip_end == pytest.approx(19)
    assert closed.event.duration == pytest.approx(4)


def test_event_closes_only_after_post_roll_without_motion() -> None:
    tracker = EventTracker(EventConfig(post_roll=2))
    assert tracker.update(0, True)[0].kind == "opened"
    assert tracker.update(1.9, False) == []
    closed = tracker.update(2.0, False)
    assert closed
    assert closed[0].kind == "closed"
    assert closed[0].event.clip_end == 2.0


def test_pauses_shorter_than_post_roll_keep_one_event() -> None:
    updates = run(EventTracker(EventConfig(post_roll=5)), [(2, 4), (7, 9)], 30)
    assert [u.kind for u in updates] == ["opened", "closed"]
    assert updates[1].event.start == 2
    assert updates[1].event.end == 9


def test_pre_roll_never_reaches_before_the_stream() -> None:
    updates = run(EventTracker(EventConfig(pre_roll=3)), [(1, 3)], 20)
    assert updates[0].event.clip_start == 0


def test_labels_accumulate_with_their_best_score() -> None:
    labels = {2.0: {"person": 0.6}, 2.4: {"person": 0.9, "animal": 0.5}, 3.0: {"person": 0.7}}
    closed = run(EventTracker(), [(2, 4)], 20, labels)[-1]
    assert closed.event.labels == ("animal", "person")
    assert closed.event.scores == {"person": 0.9, "animal": 0.5}


def test_label_names_alone_count_as_certain() -> None:
    tracker = EventTracker(EventConfig(post_roll=1))
    tracker.update(0, True, ["vehicle"])
    assert tracker.finish(0.5)[0].event.scores == {"vehicle": 1.0}


def test_a_flicker_is_discarded_with_a_reason() -> None:
    updates = run(EventTracker(EventConfig(min_duration=1)), [(5, 5.2)], 20)
    closed = updates[-1]
    assert closed.kind == "closed"
    assert not closed.keep
    assert "under 1" in closed.reason


def test_people_only_discards_events_without_a_person() -> None:
    config = EventConfig(people_only=True)
    closed = run(EventTracker(config), [(2, 5)], 20, {3.0: {"vehicle": 0.9}})[-1]
    assert not closed.keep
    assert closed.reason == "no person detected"
    kept = run(EventTracker(config), [(2, 5)], 20, {3.0: {"person": 0.8}})[-1]
    assert kept.keep


def test_long_motion_is_cut_at_max_duration_and_continued_without_pre_roll() -> None:
    config = EventConfig(max_duration=10, pre_roll=3, post_roll=2)
    updates = run(EventTracker(config), [(1, 25)], 40)
    kinds = [u.kind for u in updates]
    assert kinds == ["opened", "closed", "opened", "closed", "opened", "closed"]
    first_close, second_open = updates[1], updates[2]
    assert first_close.event.clip_end == second_open.event.start == 11
    assert second_open.event.continued
    assert second_open.event.clip_start == 11
    assert [u.event.number for u in updates if u.kind == "opened"] == [1, 2, 3]
    assert updates[-1].event.end == 25
    assert updates[-1].keep


def test_finish_closes_an_open_event_at_the_end_of_the_stream() -> None:
    tracker = EventTracker(EventConfig(post_roll=5))
    tracker.update(0, True)
    tracker.update(1, True)
    closed = tracker.finish(2.5)
    assert closed[0].event.clip_end == 2.5
    assert closed[0].event.end == 1
    assert tracker.active is None
    assert tracker.finish(3) == []


def test_time_must_not_go_backwards() -> None:
    tracker = EventTracker()
    tracker.update(5, False)
    with pytest.raises(ValueError, match="backwards"):
        tracker.update(4, False)


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        EventConfig(pre_roll=-1)
    with pytest.raises(ValueError, match="positive"):
        EventConfig(max_duration=0)


def test_preroll_buffer_starts_at_a_keyframe_and_covers_the_window() -> None:
    buffer: PrerollBuffer[int] = PrerollBuffer(3.0)
    # 10 items a second, a keyframe every second.
    for i in range(100):
        buffer.push(i / 10, i, keyframe=i % 10 == 0)
    items = buffer.since(6.5)
    assert items[0] == 60
    assert items[-1] == 99
    # Nothing older than the keyframe before the window is kept.
    assert buffer.since(0)[0] == 60
    assert len(buffer) == 40


def test_preroll_buffer_ignores_items_before_the_first_keyframe() -> None:
    buffer: PrerollBuffer[str] = PrerollBuffer(5.0)
    buffer.push(0.0, "p", keyframe=False)
    assert len(buffer) == 0
    buffer.push(0.1, "k", keyframe=True)
    buffer.push(0.2, "p2", keyframe=False)
    assert buffer.since(10) == ["k", "p2"]


def test_preroll_buffer_is_bounded() -> None:
    buffer: PrerollBuffer[int] = PrerollBuffer(1000.0, max_items=50)
    for i in range(200):
        buffer.push(float(i), i, keyframe=i % 30 == 0)
    assert len(buffer) <= 50
    assert buffer.since(0)[0] % 30 == 0
