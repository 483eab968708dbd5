"""The vault's own key, and the wrapping of objects' keys to their holders."""

from __future__ import annotations

from porchlight.crypto import (
    DecryptionError,
    Identity,
    Recipient,
    decrypt_bytes,
    encrypt_bytes,
    generate_identity,
    parse_identity,
)
from porchlight.crypto.header import hkdf_sha256


def vault_identity(master_key: bytes) -> Identity:
    """The vault's X25519 identity, derived from the master key in settings.

    Deriving instead of storing means the key exists only where the master key does;
    rotating the master key is a new identity, and `Vault.rewrap` moves keys to it.
    """
    return Identity(hkdf_sha256(master_key, b"porchlight-vault", b"vault identity v1"))


def new_object_key() -> Identity:
    """A fresh identity for one object (a clip, a thumbnail): its key and nothing else's."""
    return generate_identity()


def wrap(identity: Identity, holder: Recipient) -> bytes:
    """Encrypt an object's identity to a holder's public key (an age file)."""
    return encrypt_bytes(identity.encode().encode(), holder)


def unwrap(wrapped: bytes, holder: Identity) -> Identity:
    """Open a wrapped object identity with the holder's private key."""
    try:
        return parse_identity(decrypt_bytes(wrapped, holder).decode().strip())
    except (DecryptionError, UnicodeDecodeError, ValueError) as exc:
        raise DecryptionError(f"the wrapped key does not open with this key: {exc}") from exc
