"""X25519 identities and recipients in age's string and key-file formats.

An :class:`Identity` is a private key (``AGE-SECRET-KEY-1…``) and a
:class:`Recipient` its public key (``age1…``). Key files follow ``age-keygen``:
comment lines start with ``#`` and every other non-empty line is one secret key, so
``age -d -i key.txt`` reads the files written here.
"""

from __future__ import annotations

import datetime
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from .bech32 import bech32_decode, bech32_encode
from .errors import KeyFormatError

__all__ = [
    "Identity",
    "Recipient",
    "format_identity_file",
    "generate_identity",
    "parse_identities",
    "parse_identity",
    "parse_recipient",
    "read_identity_file",
    "write_identity_file",
]

IDENTITY_HRP = "AGE-SECRET-KEY-"
RECIPIENT_HRP = "age"
KEY_SIZE = 32
# A key file holds a handful of short lines; refusing anything larger keeps a
# mistaken path (a video, a device) from being read into memory.
MAX_IDENTITY_FILE_SIZE = 1 << 20


class Recipient:
    """An X25519 public key that files can be encrypted to (``age1…``)."""

    __slots__ = ("_key", "_raw")

    def __init__(self, public_bytes: bytes) -> None:
        if len(public_bytes) != KEY_SIZE:
            raise KeyFormatError(
                f"an X25519 public key is {KEY_SIZE} bytes, got {len(public_bytes)}"
            )
        self._raw = bytes(public_bytes)
        self._key = X25519PublicKey.from_public_bytes(self._raw)

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte Curve25519 point."""
        return self._raw

    @property
    def public_key(self) -> X25519PublicKey:
        """The key as a ``cryptography`` object."""
        return self._key

    def encode(self) -> str:
        """The ``age1…`` string, as ``age -r`` takes it."""
        return bech32_encode(RECIPIENT_HRP, self._raw)

    def __str__(self) -> str:
        return self.encode()

    def __repr__(self) -> str:
        return f"Recipient({self.encode()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recipient) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash((Recipient, self._raw))


class Identity:
    """An X25519 private key that can decrypt files (``AGE-SECRET-KEY-1…``).

    Its ``repr`` and ``str`` never show the secret; call :meth:`encode` to get it.
    """

    __slots__ = ("_key", "_raw", "_recipient")

    def __init__(self, private_bytes: bytes) -> None:
        if len(private_bytes) != KEY_SIZE:
            raise KeyFormatError(
                f"an X25519 private key is {KEY_SIZE} bytes, got {len(private_bytes)}"
            )
        self._raw = bytes(private_bytes)
        self._key = X25519PrivateKey.from_private_bytes(self._raw)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._recipient = Recipient(public)

    @classmethod
    def from_private_key(cls, key: X25519PrivateKey) -> Identity:
        """Wrap a ``cryptography`` X25519 private key."""
        return cls(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @property
    def private_bytes(self) -> bytes:
        """The raw 32-byte scalar, as age stores it (not clamped)."""
        return self._raw

    @property
    def private_key(self) -> X25519PrivateKey:
        """The key as a ``cryptography`` object."""
        return self._key

    @property
    def recipient(self) -> Recipient:
        """The public key that encrypts to this identity."""
        return self._recipient

    def encode(self) -> str:
        """The ``AGE-SECRET-KEY-1…`` string (upper case, as age writes it)."""
        return bech32_encode(IDENTITY_HRP, self._raw)

    def __repr__(self) -> str:
        return f"Identity(recipient={self._recipient.encode()!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and hmac.compare_digest(other._raw, self._raw)

    def __hash__(self) -> int:
        return hash((Identity, self._recipient.public_bytes))


def generate_identity() -> Identity:
    """Make a fresh identity from the operating system's random source."""
    return Identity(os.urandom(KEY_SIZE))


def _decode_key(text: str, hrp: str, what: str) -> bytes:
    text = text.strip()
    try:
        found_hrp, data = bech32_decode(text)
    except KeyFormatError as exc:
        raise KeyFormatError(f"malformed {what}: {exc}") from None
    if found_hrp != hrp:
        raise KeyFormatError(
            f"malformed {what}: expected it to start with {hrp}1, got {found_hrp}1"
        )
    if len(data) != KEY_SIZE:
        raise KeyFormatError(f"malformed {what}: key is {len(data)} bytes, expected {KEY_SIZE}")
    return data


def parse_identity(text: str) -> Identity:
    """Parse one ``AGE-SECRET-KEY-1…`` string (upper case only, as age requires)."""
    return Identity(_decode_key(text, IDENTITY_HRP, "age secret key"))


def parse_recipient(text: str) -> Recipient:
    """Parse one ``age1…`` recipient string (lower case only, as age requires)."""
    return Recipient(_decode_key(text, RECIPIENT_HRP, "age recipient"))


def parse_identities(text: str) -> list[Identity]:
    """Parse the contents of an age identity file.

    Blank lines and lines starting with ``#`` are skipped; every other line must
    be one secret key. At least one key is required.
    """
    identities = []
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.removesuffix("\r")
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(parse_identity(line))
        except KeyFormatError as exc:
            raise KeyFormatError(f"identity file line {number}: {exc}") from None
    if not identities:
        raise KeyFormatError("identity file holds no secret keys")
    return identities


def read_identity_file(path: str | os.PathLike[str]) -> list[Identity]:
    """Read an age identity file (as written by ``age-keygen`` or by us)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_IDENTITY_FILE_SIZE + 1)
    if len(data) > MAX_IDENTITY_FILE_SIZE:
        raise KeyFormatError(f"{os.fspath(path)!r} is too large to be an identity file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFormatError(f"{os.fspath(path)!r} is not a text identity file") from None
    return parse_identities(text)


def format_identity_file(
    identities: Identity | Iterable[Identity], *, comment: str | None = None
) -> str:
    """Render identities in ``age-keygen``'s layout.

    Each key is preceded by ``# created:`` and ``# public key:`` comment lines; an
    optional ``comment`` (one line per line of text) goes at the top.
    """
    if isinstance(identities, Identity):
        identities = [identities]
    lines = [f"# {line}".rstrip() for line in comment.splitlines()] if comment else []
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    count = 0
    for identity in identities:
        lines += [
            f"# created: {created.replace('+00:00', 'Z')}",
            f"# public key: {identity.recipient.encode()}",
            identity.encode(),
        ]
        count += 1
    if count == 0:
        raise KeyFormatError("an identity file needs at least one identity")
    return "\n".join(lines) + "\n"


def write_identity_file(
    path: str | os.PathLike[str],
    identities: Identity | Iterable[Identity],
    *,
    comment: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write an identity file readable only by its owner (mode 0600).

    By default an existing file is never replaced, so a key cannot be lost by
    mistake; pass ``overwrite=True`` to replace it atomically.
    """
    target = Path(path)
    content = format_identity_file(identities, comment=comment).encode("utf-8")
    if not overwrite:
        _write_new(target, content, os.O_EXCL)
        return target
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        _write_new(temporary, content, os.O_EXCL)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _write_new(path: Path, content: bytes, extra_flags: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | extra_flags, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
