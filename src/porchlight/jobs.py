"""Background work.  By default it runs in the server process on a timer thread; at
scale the same functions are fed by a message broker to separate workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("porchlight.jobs")


class Periodic:
    """Runs ``work`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(
        self, name: str, interval: float, work: Callable[[], None], first_after: float | None = None
    ) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        # When the first run happens; soon after start-up for work that cleans up
        # after a crash, one interval otherwise.
        self.first_after = interval if first_after is None else first_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the timer."""
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        wait = self.first_after
        while not self._stop.wait(wait):
            wait = self.interval
            try:
                self.work()
            except Exception:  # A failed run is logged and retried at the next tick.
                log.exception("background job %s failed", self.name)

    def stop(self) -> None:
        """Stop the timer and wait for a run in progress to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
