"""Identifiers: random, UUID v7 shaped, and strictly increasing within a process."""

from __future__ import annotations

import uuid

from porchlight.ids import is_id, new_id


def test_ids_strictly_increase_even_within_one_millisecond() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_are_uuid7_and_recognised() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert is_id(value)
    assert not is_id(value.upper())
    assert not is_id("../etc/passwd")
