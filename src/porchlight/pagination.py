"""Cursor pagination over tables whose primary keys are time-ordered identifiers.

A cursor is the opaque, URL-safe encoding of the last identifier a page returned;
the next page starts after it.  Unlike offsets, cursors do not skip or repeat rows
when rows are added between two requests.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from porchlight.errors import InvalidInput
from porchlight.ids import is_id

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page(Generic[T]):
    """One page of results and the cursor for the next, if any."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    """Make an opaque cursor from the last identifier of a page."""
    return base64.urlsafe_b64encode(bytes.fromhex(last_id)).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """Read a cursor back, refusing anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("The cursor is not valid.", field_loc=["query", "cursor"]) from exc
    value = raw.hex()
    if not is_id(value):
        raise InvalidInput("The cursor is not valid.", field_loc=["query", "cursor"])
    return value


def paginate(
    session: Session,
    stmt: Select[Any],
    id_column: Any,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> Page[Any]:
    """Run ``stmt`` ordered by ``id_column``, starting after ``cursor``, ``limit`` rows.

    Identifiers are time-ordered, so ``newest_first`` walks the rows from the latest back.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}.", field_loc=["query", "limit"]
        )
    if cursor:
        after = decode_cursor(cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(session.scalars(stmt.order_by(order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)
