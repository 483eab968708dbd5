"""age v1 encryption and decryption of streams, byte strings and headers.

Every clip gets its own random 16-byte file key. The key is wrapped once per
recipient in the header; the payload is sealed in 64 KiB chunks, so streams of any
size are processed in bounded memory. The output is standard age v1, readable by
``age``, ``rage`` and ``pyrage``, and so are their files by us.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from functools import partial

from .errors import DecryptionError, EncryptionError
from .header import Header, Stanza, read_header
from .keys import Identity, Recipient
from .stanzas import (
    FILE_KEY_SIZE,
    SCRYPT_TYPE,
    unwrap_scrypt,
    unwrap_x25519,
    wrap_scrypt,
    wrap_x25519,
)
from .stream import ByteSink, ByteSource, decrypt_payload, encrypt_payload, write_all

__all__ = [
    "DEFAULT_MAX_WORK_FACTOR",
    "DEFAULT_WORK_FACTOR",
    "decrypt_bytes",
    "decrypt_stream",
    "decrypt_with_passphrase",
    "encrypt_bytes",
    "encrypt_stream",
    "encrypt_with_passphrase",
    "rewrap_header",
    "unwrap_file_key",
]

DEFAULT_WORK_FACTOR = 18
DEFAULT_MAX_WORK_FACTOR = 22

Identities = Identity | Sequence[Identity]
Recipients = Recipient | Sequence[Recipient]
_Unwrap = Callable[[Stanza], "bytes | None"]


def _identity_list(identities: Identities) -> list[Identity]:
    if isinstance(identities, str | bytes):
        raise TypeError("parse identity strings with parse_identity() first")
    found = [identities] if isinstance(identities, Identity) else list(identities)
    if not found:
        raise DecryptionError("no identities were given to decrypt with")
    return found


def _recipient_list(recipients: Recipients) -> list[Recipient]:
    if isinstance(recipients, str | bytes):
        raise TypeError("parse recipient strings with parse_recipient() first")
    found = [recipients] if isinstance(recipients, Recipient) else list(recipients)
    if not found:
        raise EncryptionError("at least one recipient is needed to encrypt")
    return found


def _check_scrypt_alone(header: Header) -> None:
    if len(header.stanzas) > 1 and any(s.type == SCRYPT_TYPE for s in header.stanzas):
        raise DecryptionError("malformed header: an scrypt stanza must be the only stanza")


def _open_header(header: Header, unwrappers: Sequence[_Unwrap], no_match: str) -> bytes:
    """Find the file key with the first unwrapper that accepts a stanza."""
    _check_scrypt_alone(header)
    for unwrap in unwrappers:
        for stanza in header.stanzas:
            file_key = unwrap(stanza)
            if file_key is not None:
                header.verify_mac(file_key)
                return file_key
    raise DecryptionError(no_match)


def _x25519_unwrappers(identities: Identities) -> list[_Unwrap]:
    return [partial(unwrap_x25519, identity) for identity in _identity_list(identities)]


def _is_passphrase_file(header: Header) -> bool:
    _check_scrypt_alone(header)
    return header.stanzas[0].type == SCRYPT_TYPE


def _file_key_for(header: Header, identities: Identities) -> bytes:
    if _is_passphrase_file(header):
        raise DecryptionError("the file is passphrase-encrypted; use decrypt_with_passphrase")
    return _open_header(
        header,
        _x25519_unwrappers(identities),
        "no identity matched any of the file's recipients (wrong key?)",
    )


def encrypt_stream(src: ByteSource, dst: ByteSink, recipients: Recipients) -> int:
    """Encrypt everything readable from ``src`` to ``recipients``, writing to ``dst``.

    Reads 64 KiB at a time, so memory use does not grow with the stream. Returns
    the number of bytes written to ``dst`` (header and payload).
    """
    file_key = os.urandom(FILE_KEY_SIZE)
    stanzas = [wrap_x25519(r, file_key) for r in _recipient_list(recipients)]
    written = write_all(dst, Header.build(stanzas, file_key).raw)
    return written + encrypt_payload(src, dst, file_key)


def decrypt_stream(src: ByteSource, dst: ByteSink, identities: Identities) -> int:
    """Decrypt the age file read from ``src`` with any of ``identities``.

    The header MAC is checked before any plaintext is written and each 64 KiB chunk
    is authenticated before it is written. A stream that fails later (truncated,
    tampered, trailing data) raises :class:`DecryptionError` after earlier chunks
    were written, so the caller must discard ``dst`` then. Returns the number of
    plaintext bytes written.
    """
    header = read_header(src)
    return decrypt_payload(src, dst, _file_key_for(header, identities))


def encrypt_bytes(plaintext: bytes, recipients: Recipients) -> bytes:
    """Encrypt a byte string to ``recipients``; see :func:`encrypt_stream`."""
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, recipients)
    return out.getvalue()


def decrypt_bytes(ciphertext: bytes, identities: Identities) -> bytes:
    """Decrypt a whole age file held in memory; see :func:`decrypt_stream`."""
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(ciphertext), out, identities)
    return out.getvalue()


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)


def encrypt_with_passphrase(
    plaintext: bytes, passphrase: str | bytes, work_factor: int = DEFAULT_WORK_FACTOR
) -> bytes:
    """Encrypt a small payload (a key backup, say) under a passphrase with scrypt.

    ``work_factor`` is log2 of scrypt's N; 18 costs about a second and 256 MiB.
    The result is what ``age -p`` writes.
    """
    file_key = os.urandom(FILE_KEY_SIZE)
    stanza = wrap_scrypt(_passphrase_bytes(passphrase), file_key, work_factor)
    out = io.BytesIO()
    out.write(Header.build([stanza], file_key).raw)
    encrypt_payload(io.BytesIO(plaintext), out, file_key)
    return out.getvalue()


def decrypt_with_passphrase(
    ciphertext: bytes, passphrase: str | bytes, max_work_factor: int = DEFAULT_MAX_WORK_FACTOR
) -> bytes:
    """Decrypt a passphrase-encrypted age file.

    Files asking for an scrypt work factor above ``max_work_factor`` are refused
    before any key derivation, bounding the time and memory a hostile file costs.
    """
    src = io.BytesIO(ciphertext)
    header = read_header(src)
    if not _is_passphrase_file(header):
        raise DecryptionError("the file is not passphrase-encrypted; decrypt it with an identity")
    secret = _passphrase_bytes(passphrase)
    file_key = _open_header(
        header,
        [partial(unwrap_scrypt, secret, max_work_factor=max_work_factor)],
        "incorrect passphrase",
    )
    out = io.BytesIO()
    decrypt_payload(src, out, file_key)
    return out.getvalue()


def _header_source(src: bytes | ByteSource) -> ByteSource:
    return io.BytesIO(src) if isinstance(src, bytes | bytearray | memoryview) else src


def unwrap_file_key(src: bytes | ByteSource, identities: Identities) -> tuple[Header, bytes]:
    """Read only the header of an age file and recover its file key.

    ``src`` is the file's bytes (the payload may be left off) or a stream, which is
    left positioned at the payload. The header MAC is verified. Returns the parsed
    header (``len(header.raw)`` is the payload offset) and the 16-byte file key.
    """
    header = read_header(_header_source(src))
    return header, _file_key_for(header, identities)


def rewrap_header(
    src_header: bytes | ByteSource,
    identity: Identities,
    new_recipients: Recipients,
    *,
    keep_existing: bool = True,
) -> bytes:
    """Build a new header with the same file key, wrapped for ``new_recipients`` too.

    The payload is untouched: the new header followed by the old payload is a
    valid age file, which grants access to a clip by rewriting only its header.
    ``identity`` must open the original header. Existing stanzas are kept unless
    ``keep_existing`` is false, in which case only ``new_recipients`` can decrypt
    the new header (anyone who saw the file key before still knows it).
    """
    header, file_key = unwrap_file_key(src_header, identity)
    stanzas = list(header.stanzas) if keep_existing else []
    stanzas += [wrap_x25519(r, file_key) for r in _recipient_list(new_recipients)]
    return Header.build(stanzas, file_key).raw
