"""The bytes of log entries, and the salted commitments that stand for household events.

Pure and standard-library only, so that ``porchlight verify`` and anyone else can
recompute a commitment from an owner's receipt.  Every entry is canonical JSON:
keys sorted, no spaces, UTF-8, so that the same event always gives the same bytes.

- A public entry: ``{"v":1,"time":…,"event":…,"agency_id":…,"cell":…,"counts":…,…}``
  (fields without a value are left out).
- A household's entry: ``{"v":1,"time":…,"event":…,"commitment":<hex>}``, where the
  commitment is SHA-256(salt ‖ opening) and the opening is the canonical JSON of the
  whole event, household included.  The event name stays readable so that public
  figures can be recounted from the log; who it was about does not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

VERSION = 1
MAX_ENTRY_BYTES = 0xFFFF - 1
"""An entry must fit an entry bundle's uint16 length prefix; we stay below 65,535."""

SALT_BYTES = 32
EVENT_NAME = re.compile(r"(?=.{5,64}$)[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*")
PUBLIC_FIELDS = ("agency_id", "request_id", "case_number", "cell", "counts", "detail")


def canonical(value: Mapping[str, Any]) -> bytes:
    """Return the canonical JSON bytes of ``value`` (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def log_time(moment: datetime) -> str:
    """The time as written in entries: UTC, to the second, e.g. ``2026-11-28T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def public_entry(event: str, time: str, fields: Mapping[str, Any]) -> bytes:
    """The entry of an event about no household: every non-empty public field."""
    body: dict[str, Any] = {"v": VERSION, "time": time, "event": event}
    body |= {name: fields[name] for name in PUBLIC_FIELDS if fields.get(name) not in (None, {})}
    return canonical(body)


def opening(event_id: str, event: str, time: str, fields: Mapping[str, Any]) -> bytes:
    """What a household's commitment commits to: the whole event, household included."""
    body: dict[str, Any] = {"v": VERSION, "id": event_id, "time": time, "event": event}
    body |= {name: value for name, value in fields.items() if value not in (None, {})}
    return canonical(body)


def commitment(salt: bytes, opened: bytes) -> str:
    """SHA-256(salt ‖ opening), in hex."""
    return hashlib.sha256(salt + opened).hexdigest()


def commitment_entry(event: str, time: str, digest: str) -> bytes:
    """The public entry that stands for a household's event."""
    return canonical({"v": VERSION, "time": time, "event": event, "commitment": digest})


def parse_entry(entry: bytes) -> dict[str, Any]:
    """Decode an entry, checking that it is canonical JSON of a known version."""
    try:
        body = json.loads(entry.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("the entry is not UTF-8 JSON") from exc
    if not isinstance(body, dict) or body.get("v") != VERSION:
        raise ValueError(f"the entry is not a version {VERSION} JSON object")
    if canonical(body) != entry:
        raise ValueError("the entry is not in canonical form")
    return body


def check_opening(entry: bytes, opened: bytes, salt: bytes) -> dict[str, Any]:
    """Check that ``opened`` (with ``salt``) is what the committed ``entry`` stands for.

    Returns the opened event; raises ``ValueError`` when the commitment does not
    recompute or the entry and the opening disagree on the event or the time.
    """
    public = parse_entry(entry)
    event = parse_entry(opened)
    digest = public.get("commitment")
    if not isinstance(digest, str):
        raise ValueError("the entry is not a commitment")
    if not hmac.compare_digest(commitment(salt, opened), digest):
        raise ValueError("the commitment does not match this event and salt")
    for name in ("event", "time"):
        if public.get(name) != event.get(name):
            raise ValueError(f"the entry and the opened event differ in {name!r}")
    return event
