"""HTTP byte ranges (RFC 9110 §14) for clip playback: seeking needs them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from fastapi.responses import StreamingResponse

_SINGLE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None) -> tuple[int | None, int | None] | None:
    """Read a single ``bytes=a-b`` range; None means "send everything".

    Several ranges, or anything malformed, are ignored as RFC 9110 allows: the whole
    body is sent instead.
    """
    if not header:
        return None
    match = _SINGLE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(2)) if match.group(2) else None
    return start, end


def media_response(
    chunks: Iterator[bytes], start: int, end: int, total: int, content_type: str, ranged: bool
) -> StreamingResponse:
    """A 200 or 206 streaming answer with the headers a video element needs to seek."""
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Cache-Control": "private, no-store",
    }
    if ranged:
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
    return StreamingResponse(
        chunks, status_code=206 if ranged else 200, headers=headers, media_type=content_type
    )


class _Stream(Protocol):
    chunks: Iterator[bytes]
    start: int
    end: int
    total: int
    content_type: str


def stream_response(stream: _Stream, ranged: bool) -> StreamingResponse:
    """The answer for a decrypted media stream (see :func:`media_response`)."""
    return media_response(
        stream.chunks, stream.start, stream.end, stream.total, stream.content_type, ranged
    )
