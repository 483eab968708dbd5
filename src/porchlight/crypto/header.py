"""The age v1 header: recipient stanzas and the header MAC.

A header is the version line, one or more stanzas, and a closing ``---`` line that
carries an HMAC over everything before it::

    age-encryption.org/v1
    -> X25519 <base64 ephemeral share>
    <base64 wrapped file key, wrapped at 64 columns>
    --- <base64 MAC>

Parsing follows the C2SP grammar strictly: arguments are non-empty runs of
printable ASCII, base64 is unpadded and canonical, and a stanza body ends with its
first line shorter than 64 columns (which may be empty).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DecryptionError

if TYPE_CHECKING:
    from .stream import ByteSource

__all__ = [
    "Header",
    "Stanza",
    "b64decode_canonical",
    "b64encode_nopad",
    "hkdf_sha256",
    "read_header",
]

VERSION_LINE = b"age-encryption.org/v1"
STANZA_PREFIX = b"->"
FOOTER_PREFIX = b"---"
COLUMNS = 64
BYTES_PER_LINE = COLUMNS // 4 * 3
MAC_SIZE = 32
# A header is a few hundred bytes per recipient. These bounds keep a hostile file
# from making us buffer an unbounded "line" or "header" before anything is checked.
MAX_LINE_LENGTH = 64 * 1024
MAX_HEADER_SIZE = 4 * 1024 * 1024

_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
_ARMOR_LINE = b"-----BEGIN AGE ENCRYPTED FILE-----"


def b64encode_nopad(data: bytes) -> bytes:
    """Standard base64 without ``=`` padding, as age writes it."""
    return base64.b64encode(data).rstrip(b"=")


def b64decode_canonical(text: bytes) -> bytes:
    """Decode unpadded standard base64, rejecting any non-canonical encoding.

    Padding, line breaks, foreign characters and non-zero trailing bits are all
    refused, so every value has exactly one accepted encoding.
    """
    if not _BASE64_CHARS.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical unpadded base64")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not canonical unpadded base64") from None
    if b64encode_nopad(data) != text:
        raise ValueError("base64 has non-zero trailing bits")
    return data


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 (RFC 5869) as every age key derivation uses it."""
    return HKDF(algorithm=SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _is_argument(value: bytes) -> bool:
    return bool(value) and all(33 <= byte <= 126 for byte in value)


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: a type, its arguments and an opaque body."""

    type: str
    args: tuple[str, ...]
    body: bytes

    def __post_init__(self) -> None:
        for value in (self.type, *self.args):
            if not (value.isascii() and _is_argument(value.encode("ascii"))):
                raise ValueError(f"invalid stanza argument {value!r}")

    def encode(self) -> bytes:
        """The stanza as it appears in a header, body wrapped at 64 columns."""
        line = b" ".join([STANZA_PREFIX, self.type.encode(), *(a.encode() for a in self.args)])
        body = b64encode_nopad(self.body)
        # The body's last line is always shorter than 64 columns, so a body whose
        # encoding fills whole lines (including an empty body) ends with an empty line.
        lines = [body[i : i + COLUMNS] for i in range(0, len(body), COLUMNS)]
        if len(body) % COLUMNS == 0:
            lines.append(b"")
        return line + b"\n" + b"".join(part + b"\n" for part in lines)


@dataclass(frozen=True)
class Header:
    """A parsed header. ``raw`` is its exact bytes, MAC line included.

    ``len(header.raw)`` is the offset of the payload in the file, which lets a
    caller replace a header without touching the payload behind it.
    """

    stanzas: tuple[Stanza, ...]
    mac: bytes
    raw: bytes

    @property
    def mac_input(self) -> bytes:
        """The bytes the MAC covers: the header up to and including ``---``."""
        return self.raw[: -(len(b64encode_nopad(self.mac)) + 2)]

    def verify_mac(self, file_key: bytes) -> None:
        """Raise :class:`DecryptionError` unless the MAC matches ``file_key``."""
        if not hmac.compare_digest(compute_mac(file_key, self.mac_input), self.mac):
            raise DecryptionError(
                "header MAC does not match: the header was modified or is corrupt"
            )

    @classmethod
    def build(cls, stanzas: Sequence[Stanza], file_key: bytes) -> Header:
        """Assemble and MAC a header for ``file_key``."""
        if not stanzas:
            raise ValueError("a header needs at least one recipient stanza")
        body = VERSION_LINE + b"\n" + b"".join(s.encode() for s in stanzas) + FOOTER_PREFIX
        mac = compute_mac(file_key, body)
        return cls(tuple(stanzas), mac, body + b" " + b64encode_nopad(mac) + b"\n")


def compute_mac(file_key: bytes, mac_input: bytes) -> bytes:
    """HMAC-SHA256 over ``mac_input`` keyed by HKDF(file key, info "header")."""
    mac_key = hkdf_sha256(file_key, b"", b"header")
    return hmac.new(mac_key, mac_input, sha256).digest()


class _LineReader:
    """Reads header lines one at a time, keeping every byte read for the MAC."""

    def __init__(self, src: ByteSource) -> None:
        self._src = src
        self.raw = bytearray()

    def next_line(self) -> bytes:
        line = self._src.readline(MAX_LINE_LENGTH + 1)
        self.raw += line
        if len(self.raw) > MAX_HEADER_SIZE:
            raise DecryptionError(f"header is larger than {MAX_HEADER_SIZE} bytes")
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_LENGTH:
                raise DecryptionError("header line is too long")
            raise DecryptionError("file ends inside the header (truncated or not an age file)")
        return line[:-1]


def _malformed(what: str, line: bytes) -> DecryptionError:
    return DecryptionError(f"malformed header: {what}: {line[:80]!r}")


def _read_stanza(reader: _LineReader, line: bytes) -> Stanza:
    prefix, *args = line.split(b" ")
    if prefix != STANZA_PREFIX or not args or not all(_is_argument(a) for a in args):
        raise _malformed("invalid stanza line", line)
    body = bytearray()
    while True:
        body_line = reader.next_line()
        try:
            chunk = b64decode_canonical(body_line)
        except ValueError as exc:
            raise _malformed(f"stanza body line ({exc})", body_line) from None
        if len(chunk) > BYTES_PER_LINE:
            raise _malformed("stanza body line longer than 64 columns", body_line)
        body += chunk
        if len(chunk) < BYTES_PER_LINE:
            break
    decoded = [a.decode("ascii") for a in args]
    return Stanza(decoded[0], tuple(decoded[1:]), bytes(body))


def _read_mac(line: bytes) -> bytes:
    prefix, *args = line.split(b" ")
    if prefix != FOOTER_PREFIX or len(args) != 1:
        raise _malformed("invalid closing line", line)
    try:
        mac = b64decode_canonical(args[0])
    except ValueError as exc:
        raise _malformed(f"header MAC ({exc})", line) from None
    if len(mac) != MAC_SIZE:
        raise _malformed("header MAC has the wrong length", line)
    return mac


def read_header(src: ByteSource) -> Header:
    """Read exactly one header from ``src``, leaving it at the payload's start.

    The MAC is parsed but not checked: that needs the file key, see
    :meth:`Header.verify_mac`. Raises :class:`DecryptionError` on any deviation
    from the format.
    """
    reader = _LineReader(src)
    first = reader.next_line()
    if first != VERSION_LINE:
        if first.rstrip(b"\r") == _ARMOR_LINE:
            raise DecryptionError(
                "ASCII-armored age files are not supported; decode the armor first"
            )
        if first.startswith(b"age-encryption.org/"):
            raise DecryptionError(f"unsupported age format version {first[:40]!r}")
        raise DecryptionError("not an age file: the version line is missing")
    stanzas: list[Stanza] = []
    while True:
        line = reader.next_line()
        if line.startswith(FOOTER_PREFIX):
            mac = _read_mac(line)
            break
        if not line.startswith(STANZA_PREFIX):
            raise _malformed("unexpected line", line)
        stanzas.append(_read_stanza(reader, line))
    if not stanzas:
        raise DecryptionError("malformed header: no recipient stanzas")
    return Header(tuple(stanzas), mac, bytes(reader.raw))
