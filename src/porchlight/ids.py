"""Identifiers for stored objects.

Every row gets a time-ordered random identifier (the layout of UUID version 7:
48 bits of milliseconds, then random bits).  Time order lets cursor pagination
walk a table by its primary key; the random part keeps identifiers unguessable,
so one household cannot enumerate another's cameras.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, 74 random bits) of the last identifier made


def new_id() -> str:
    """Return a new 32-character lower-case hex identifier, sortable by creation time.

    Within one process identifiers strictly increase, even within one millisecond, so
    that a cursor (the last identifier seen) never skips a row made just after it.
    """
    global _last
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big") >> 6  # 74 bits
    with _lock:
        if millis <= _last[0]:
            # Same millisecond (or the clock stepped back): count on from the last one.
            millis, rand = _last[0], _last[1] + 1 + (rand & 0xFFFF)
        _last = (millis, rand)
    rand_a, rand_b = rand >> 62 & 0xFFF, rand & ((1 << 62) - 1)
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0x2 << 62 | rand_b
    return uuid.UUID(int=value).hex


def is_id(value: str) -> bool:
    """Tell whether ``value`` has the shape of an identifier made by :func:`new_id`."""
    return bool(_ID_RE.match(value))
