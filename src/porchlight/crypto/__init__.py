"""Porchlight's pure crypto library: age v1 clip envelopes and X25519 keys.

Imports only the standard library and ``cryptography``, so the camera agent and
the server share it without pulling in a web framework or an ORM.
"""

from __future__ import annotations

from .age import (
    DEFAULT_MAX_WORK_FACTOR,
    DEFAULT_WORK_FACTOR,
    decrypt_bytes,
    decrypt_stream,
    decrypt_with_passphrase,
    encrypt_bytes,
    encrypt_stream,
    encrypt_with_passphrase,
    rewrap_header,
    unwrap_file_key,
)
from .bech32 import bech32_decode, bech32_encode
from .errors import CryptoError, DecryptionError, EncryptionError, KeyFormatError
from .header import Header, Stanza, read_header
from .keys import (
    Identity,
    Recipient,
    format_identity_file,
    generate_identity,
    parse_identities,
    parse_identity,
    parse_recipient,
    read_identity_file,
    write_identity_file,
)
from .stream import CHUNK_SIZE, ByteSink, ByteSource

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_MAX_WORK_FACTOR",
    "DEFAULT_WORK_FACTOR",
    "ByteSink",
    "ByteSource",
    "CryptoError",
    "DecryptionError",
    "EncryptionError",
    "Header",
    "Identity",
    "KeyFormatError",
    "Recipient",
    "Stanza",
    "bech32_decode",
    "bech32_encode",
    "decrypt_bytes",
    "decrypt_stream",
    "decrypt_with_passphrase",
    "encrypt_bytes",
    "encrypt_stream",
    "encrypt_with_passphrase",
    "format_identity_file",
    "generate_identity",
    "parse_identities",
    "parse_identity",
    "parse_recipient",
    "read_header",
    "read_identity_file",
    "rewrap_header",
    "unwrap_file_key",
    "write_identity_file",
]
