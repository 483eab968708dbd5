"""Identifiers for stored objects.

Every row gets a time-ordered random identifier (the layout of UUID version 7:
48 bits of milliseconds, then random bits).  Time order lets cursor pagination
walk a table by its primary key; the random part keeps identifiers unguessable,
so one household cannot enumerate another's cameras.
"""

from __future__ import annotations

import os
import re
import time
import uuid

_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    """Return a new 32-character lower-case hex identifier, sortable by creation time."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | rand
    # Set the version (7) and variant (RFC 9562) bits.
    value &= ~(0xF << 76)
    value |= 0x7 << 76
    value &= ~(0x3 << 62)
    value |= 0x2 << 62
    return uuid.UUID(int=value).hex


def is_id(value: str) -> bool:
    """Tell whether ``value`` has the shape of an identifier made by :func:`new_id`."""
    return bool(_ID_RE.match(value))
