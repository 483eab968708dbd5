"""Exceptions raised by the crypto library.

Every failure the library reports derives from :class:`CryptoError`, so callers can
catch one type at a boundary and still tell a bad key string from a bad file.
"""

from __future__ import annotations

__all__ = ["CryptoError", "DecryptionError", "EncryptionError", "KeyFormatError"]


class CryptoError(Exception):
    """Base class for every error raised by ``porchlight.crypto``."""


class KeyFormatError(CryptoError, ValueError):
    """A key string or identity file is not in the format age uses."""


class EncryptionError(CryptoError, ValueError):
    """Encryption was asked for something the age format does not allow."""


class DecryptionError(CryptoError):
    """An age file could not be decrypted.

    The file may be malformed, truncated, tampered with, or simply not addressed to
    any of the identities given; the message says which.
    """
