"""Background jobs run on their timer, survive a failing run, and stop cleanly."""

from __future__ import annotations

import threading

from porchlight.jobs import Periodic


def test_runs_soon_after_start_then_on_its_interval_and_survives_errors() -> None:
    ran = threading.Event()
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a failing run is logged, not fatal")
        ran.set()

    job = Periodic("test", interval=0.05, work=work, first_after=0.0)
    job.start()
    assert ran.wait(5)
    job.stop()
    count = len(calls)
    assert count >= 2
    assert not job._thread or not job._thread.is_alive()
