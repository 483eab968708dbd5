"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures.

A signed note is a UTF-8 text ending in a newline, a blank line, then one or
more signature lines ``— <key name> <base64(key id ‖ signature)>``. Key strings
use the encoding of golang.org/x/mod/sumdb/note so that keys and notes made
here work with the Go tooling and the public witness network:

- verifier key: ``<name>+<8 hex digits of key id>+<base64(0x01 ‖ public key)>``
- signer key:   ``PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte seed)>``
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import string
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""Most signature lines a note may carry (the spec asks verifiers to accept 16)."""

SIGNATURE_PREFIX = "\u2014 "
"""Start of every signature line: EM DASH (U+2014) and a space."""

_PRIVATE_PREFIX = "PRIVATE+KEY+"
_KEY_SIZE = 32
_SIGNATURE_SIZE = 64


class NoteError(ValueError):
    """A note, key or signature is malformed, or a note failed verification."""


def check_key_name(name: str) -> None:
    """Raise :class:`NoteError` unless ``name`` is a valid key name.

    Names must be non-empty and contain no Unicode space, no ``+`` and no
    control character.
    """
    if not name:
        raise NoteError("key name is empty")
    for char in name:
        if char.isspace() or char == "+" or ord(char) < 0x20:
            raise NoteError(f"key name {name!r} contains {char!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key id: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]."""
    check_key_name(name)
    material = name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if base64.b64encode(data).decode() != text:
        raise NoteError(f"{what} is not canonical base64")
    return data


def _decode_key(name: str, hex_id: str, encoded: str, what: str) -> bytes:
    """Check the parts of a key string and return the 32 key bytes."""
    check_key_name(name)
    if len(hex_id) != 8 or any(c not in string.hexdigits for c in hex_id):
        raise NoteError(f"{what} key id {hex_id!r} is not 8 hex digits")
    raw = _b64decode(encoded, f"{what} key")
    if len(raw) != 1 + _KEY_SIZE or raw[0] != ALG_ED25519:
        raise NoteError(f"{what} key is not an Ed25519 key (type 0x01 and 32 bytes)")
    return raw[1:]


class Verifier:
    """An Ed25519 public key under a name, able to check note signatures."""

    def __init__(self, name: str, public_key: bytes) -> None:
        """Create a verifier from a key name and a raw 32-byte Ed25519 public key."""
        if len(public_key) != _KEY_SIZE:
            raise NoteError(f"Ed25519 public key is {len(public_key)} bytes, expected 32")
        self._name = name
        self._key_id = key_id(name, public_key)
        self._raw = bytes(public_key)
        try:
            self._key = Ed25519PublicKey.from_public_bytes(self._raw)
        except ValueError as exc:
            raise NoteError("not a valid Ed25519 public key") from exc

    @classmethod
    def from_string(cls, vkey: str) -> Verifier:
        """Parse a verifier key string ``<name>+<hex key id>+<base64(0x01 ‖ key)>``."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must have the form <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        verifier = cls(name, _decode_key(name, hex_id, encoded, "verifier"))
        if verifier.key_id != bytes.fromhex(hex_id):
            raise NoteError(f"verifier key id {hex_id} does not match the key")
        return verifier

    def to_string(self) -> str:
        """Return the verifier key string, the form :meth:`from_string` reads."""
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self._raw).decode()
        return f"{self._name}+{self._key_id.hex()}+{encoded}"

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id."""
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._raw

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is this key's Ed25519 signature of ``message``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        """Show the key string, which is public."""
        return f"Verifier({self.to_string()!r})"


class Signer:
    """An Ed25519 private key under a name, able to sign notes."""

    def __init__(self, name: str, seed: bytes) -> None:
        """Create a signer from a key name and a 32-byte Ed25519 private seed."""
        if len(seed) != _KEY_SIZE:
            raise NoteError(f"Ed25519 seed is {len(seed)} bytes, expected 32")
        self._key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        self._verifier = Verifier(name, self._key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls, name: str) -> Signer:
        """Create a signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def from_string(cls, skey: str) -> Signer:
        """Parse a signer key string ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>``."""
        if not skey.startswith(_PRIVATE_PREFIX):
            raise NoteError("signer key must start with PRIVATE+KEY+")
        parts = skey[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("signer key must have the form PRIVATE+KEY+<name>+<key id>+<key>")
        name, hex_id, encoded = parts
        signer = cls(name, _decode_key(name, hex_id, encoded, "signer"))
        if signer.key_id != bytes.fromhex(hex_id):
            raise NoteError(f"signer key id {hex_id} does not match the key")
        return signer

    def to_string(self) -> str:
        """Return the signer key string. It holds the private key: keep it secret."""
        seed = self._key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def name(self) -> str:
        """The key name."""
        return self._verifier.name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id."""
        return self._verifier.key_id

    def verifier(self) -> Verifier:
        """Return the matching verifier."""
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)

    def __repr__(self) -> str:
        """Show the name and key id, never the private key."""
        return f"Signer(name={self.name!r}, key_id={self.key_id.hex()!r})"


def generate_key(name: str) -> tuple[str, str]:
    """Return a fresh ``(signer key, verifier key)`` pair of key strings for ``name``."""
    signer = Signer.generate(name)
    return signer.to_string(), signer.verifier().to_string()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key id and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def to_line(self) -> str:
        """Return the signature line, with its final newline."""
        encoded = base64.b64encode(self.key_id + self.signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text, the signatures that verified and those from unknown keys."""

    text: str
    signatures: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...] = ()


def _check_chars(text: str) -> None:
    for char in text:
        if ord(char) < 0x20 and char != "\n":
            raise NoteError(f"note contains the control character {char!r}")


def check_text(text: str) -> None:
    """Raise :class:`NoteError` unless ``text`` can be the text of a note."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_chars(text)


def format_note(text: str, signatures: Iterable[NoteSignature]) -> str:
    """Join a note text and its signature lines into a signed note."""
    check_text(text)
    lines = [signature.to_line() for signature in signatures]
    if not lines:
        raise NoteError("a signed note needs at least one signature")
    return text + "\n" + "".join(lines)


def sign_note(text: str, *signers: Signer) -> str:
    """Sign ``text`` with every signer and return the signed note."""
    check_text(text)
    message = text.encode()
    return format_note(text, [NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers])


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"malformed signature line {line!r}")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    check_key_name(name)
    raw = _b64decode(encoded, f"signature by {name}")
    if len(raw) < 5:
        raise NoteError(f"signature by {name} is too short")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(message: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signatures, checking only their form."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not valid UTF-8") from exc
    _check_chars(message)
    if not message.endswith("\n"):
        raise NoteError("note must end with a newline")
    # The text may contain blank lines: the signatures start after the last one.
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise NoteError("note has no signatures")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return text, [_parse_signature(line) for line in lines]


def open_note(message: str | bytes, verifiers: Verifier | Iterable[Verifier]) -> Note:
    """Verify a signed note against trusted keys and return it.

    Signatures from unknown keys are ignored (and reported in
    ``Note.unverified``). A signature from a known key that fails to verify
    rejects the whole note, as does a note with no valid signature from any of
    ``verifiers``. Raises :class:`NoteError`.
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in [verifiers] if isinstance(verifiers, Verifier) else verifiers:
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other.public_key != verifier.public_key:
            raise NoteError(f"two trusted keys share the name {verifier.name} and key id")
    text, signatures = parse_note(message)
    signed = text.encode()
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    unverified: list[NoteSignature] = []
    for sig in signatures:
        trusted = known.get((sig.name, sig.key_id))
        if trusted is None:
            unverified.append(sig)
        elif trusted.verify(signed, sig.signature):
            verified.setdefault((sig.name, sig.key_id), sig)
        else:
            raise NoteError(f"signature by {sig.name} ({sig.key_id.hex()}) does not verify")
    if not verified:
        wanted = ", ".join(sorted(f"{n}+{k.hex()}" for n, k in known)) or "no trusted key"
        raise NoteError(f"note carries no signature from a trusted key ({wanted})")
    return Note(text, tuple(verified.values()), tuple(unverified))
