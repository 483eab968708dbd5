"""Wrapping and unwrapping the file key in X25519 and scrypt stanzas.

Each unwrap function returns the file key, or ``None`` when the stanza is simply
not for this identity (another type, another key, another passphrase). A stanza of
the right type that breaks the format is an error, never a silent skip, as the age
specification requires.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import DecryptionError, EncryptionError
from .header import Stanza, b64decode_canonical, b64encode_nopad, hkdf_sha256
from .keys import Identity, Recipient

__all__ = [
    "FILE_KEY_SIZE",
    "unwrap_scrypt",
    "unwrap_x25519",
    "wrap_scrypt",
    "wrap_x25519",
]

FILE_KEY_SIZE = 16
WRAPPED_KEY_SIZE = FILE_KEY_SIZE + 16
X25519_TYPE = "X25519"
X25519_INFO = b"age-encryption.org/v1/X25519"
SCRYPT_TYPE = "scrypt"
SCRYPT_SALT_LABEL = b"age-encryption.org/v1/scrypt"
SCRYPT_SALT_SIZE = 16
# Work factors above this need more than 64 GiB for scrypt; nobody should ask.
MAX_SCRYPT_WORK_FACTOR = 30
_ZERO_NONCE = bytes(12)


def _wrap(key: bytes, file_key: bytes) -> bytes:
    return ChaCha20Poly1305(key).encrypt(_ZERO_NONCE, file_key, None)


def _unwrap(key: bytes, body: bytes) -> bytes | None:
    try:
        return ChaCha20Poly1305(key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None


def _x25519_wrap_key(shared: bytes, share: bytes, recipient: bytes) -> bytes:
    return hkdf_sha256(shared, share + recipient, X25519_INFO)


def wrap_x25519(recipient: Recipient, file_key: bytes) -> Stanza:
    """Wrap ``file_key`` to ``recipient`` with a fresh ephemeral X25519 key."""
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(recipient.public_key)
    wrap_key = _x25519_wrap_key(shared, share, recipient.public_bytes)
    return Stanza(X25519_TYPE, (b64encode_nopad(share).decode(),), _wrap(wrap_key, file_key))


def unwrap_x25519(identity: Identity, stanza: Stanza) -> bytes | None:
    """Recover the file key from an X25519 stanza, or ``None`` if not ours."""
    if stanza.type != X25519_TYPE:
        return None
    if len(stanza.args) != 1:
        raise DecryptionError("malformed X25519 stanza: expected exactly one argument")
    try:
        share = b64decode_canonical(stanza.args[0].encode())
    except ValueError as exc:
        raise DecryptionError(f"malformed X25519 stanza: ephemeral share is {exc}") from None
    if len(share) != 32:
        raise DecryptionError("malformed X25519 stanza: ephemeral share is not 32 bytes")
    if len(stanza.body) != WRAPPED_KEY_SIZE:
        raise DecryptionError("malformed X25519 stanza: wrapped file key is not 32 bytes")
    try:
        shared = identity.private_key.exchange(X25519PublicKey.from_public_bytes(share))
    except ValueError:
        # cryptography refuses an all-zero shared secret (a low-order point), which
        # the specification says must abort decryption.
        raise DecryptionError(
            "malformed X25519 stanza: ephemeral share is a low-order point"
        ) from None
    wrap_key = _x25519_wrap_key(shared, share, identity.recipient.public_bytes)
    return _unwrap(wrap_key, stanza.body)


def _scrypt_key(passphrase: bytes, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=SCRYPT_SALT_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1)
    return kdf.derive(passphrase)


def wrap_scrypt(passphrase: bytes, file_key: bytes, work_factor: int) -> Stanza:
    """Wrap ``file_key`` under a passphrase with scrypt (N = 2**work_factor)."""
    if not 1 <= work_factor <= MAX_SCRYPT_WORK_FACTOR:
        raise EncryptionError(f"scrypt work factor must be between 1 and {MAX_SCRYPT_WORK_FACTOR}")
    if not passphrase:
        raise EncryptionError("the passphrase is empty")
    salt = os.urandom(SCRYPT_SALT_SIZE)
    key = _scrypt_key(passphrase, salt, work_factor)
    args = (b64encode_nopad(salt).decode(), str(work_factor))
    return Stanza(SCRYPT_TYPE, args, _wrap(key, file_key))


def _parse_work_factor(text: str) -> int:
    # Decimal without leading zeros or signs, as the specification demands.
    if not text.isascii() or not text.isdigit() or text.startswith("0"):
        raise DecryptionError(f"malformed scrypt stanza: invalid work factor {text!r}")
    return int(text)


def unwrap_scrypt(passphrase: bytes, stanza: Stanza, max_work_factor: int) -> bytes | None:
    """Recover the file key from an scrypt stanza, or ``None`` if not ours.

    A work factor above ``max_work_factor`` is refused before any work is done, so
    a hostile file cannot make us spend minutes and gigabytes deriving a key.
    """
    if stanza.type != SCRYPT_TYPE:
        return None
    if len(stanza.args) != 2:
        raise DecryptionError("malformed scrypt stanza: expected a salt and a work factor")
    try:
        salt = b64decode_canonical(stanza.args[0].encode())
    except ValueError as exc:
        raise DecryptionError(f"malformed scrypt stanza: salt is {exc}") from None
    if len(salt) != SCRYPT_SALT_SIZE:
        raise DecryptionError("malformed scrypt stanza: salt is not 16 bytes")
    work_factor = _parse_work_factor(stanza.args[1])
    if work_factor > max_work_factor:
        raise DecryptionError(
            f"scrypt work factor {work_factor} is above the accepted maximum {max_work_factor}"
        )
    if len(stanza.body) != WRAPPED_KEY_SIZE:
        raise DecryptionError("malformed scrypt stanza: wrapped file key is not 32 bytes")
    return _unwrap(_scrypt_key(passphrase, salt, work_factor), stanza.body)
