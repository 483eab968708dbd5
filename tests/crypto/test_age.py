"""Encryption and decryption: round trips, the STREAM rules and tampering."""

from __future__ import annotations

import io
import os
import random

import pytest

from porchlight.crypto import (
    CHUNK_SIZE,
    DecryptionError,
    EncryptionError,
    Identity,
    decrypt_bytes,
    decrypt_stream,
    encrypt_bytes,
    encrypt_stream,
    generate_identity,
    read_header,
)
from porchlight.crypto.header import Header, Stanza
from porchlight.crypto.stanzas import wrap_x25519

from .conftest import build_file

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE]
# Seeded so a failure names a size that reproduces; these are sizes, not secrets.
RANDOM_SIZES = random.Random(20240601).sample(range(2, 5 * CHUNK_SIZE), 4)  # noqa: S311
ENCRYPTED_CHUNK = CHUNK_SIZE + 16


class TrickleReader(io.RawIOBase):
    """A raw stream that hands out at most a few bytes per read, like a socket."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        self._data, self._offset, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self._step, len(self._data) - self._offset)
        buffer[:size] = self._data[self._offset : self._offset + size]
        self._offset += size
        return size


@pytest.mark.parametrize("size", SIZES + RANDOM_SIZES)
def test_round_trip(identity: Identity, size: int) -> None:
    data = os.urandom(size)
    src, sealed = io.BytesIO(data), io.BytesIO()
    written = encrypt_stream(src, sealed, [identity.recipient])
    assert written == len(sealed.getvalue())
    out = io.BytesIO()
    assert decrypt_stream(io.BytesIO(sealed.getvalue()), out, [identity]) == size
    assert out.getvalue() == data


@pytest.mark.parametrize(
    ("size", "chunks"),
    [(0, 1), (1, 1), (CHUNK_SIZE, 1), (CHUNK_SIZE + 1, 2), (2 * CHUNK_SIZE, 2)],
)
def test_payload_layout_follows_the_spec(identity: Identity, size: int, chunks: int) -> None:
    # An empty payload is one empty final chunk; a full last chunk is final itself
    # rather than followed by an empty one.
    sealed = encrypt_bytes(bytes(size), identity.recipient)
    header = read_header(io.BytesIO(sealed))
    assert len(sealed) - len(header.raw) == 16 + size + 16 * chunks


def test_short_reads_from_the_source_are_handled(identity: Identity) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 123)
    sealed = io.BytesIO()
    encrypt_stream(TrickleReader(data), sealed, identity.recipient)
    out = io.BytesIO()
    decrypt_stream(TrickleReader(sealed.getvalue()), out, identity)
    assert out.getvalue() == data


def test_every_recipient_can_decrypt() -> None:
    people = [generate_identity() for _ in range(3)]
    sealed = encrypt_bytes(b"clip", [p.recipient for p in people])
    for person in people:
        assert decrypt_bytes(sealed, person) == b"clip"


def test_wrong_identity_is_refused(identity: Identity) -> None:
    sealed = encrypt_bytes(b"clip", identity.recipient)
    with pytest.raises(DecryptionError, match="no identity matched"):
        decrypt_bytes(sealed, [generate_identity(), generate_identity()])


def test_no_recipients_or_identities_are_errors(identity: Identity) -> None:
    with pytest.raises(EncryptionError, match="at least one recipient"):
        encrypt_bytes(b"x", [])
    with pytest.raises(DecryptionError, match="no identities"):
        decrypt_bytes(encrypt_bytes(b"x", identity.recipient), [])


@pytest.fixture
def sealed_three_chunks(identity: Identity) -> tuple[bytes, int]:
    """A file of two full chunks and a partial final one, and its header length."""
    sealed = encrypt_bytes(os.urandom(2 * CHUNK_SIZE + 500), identity.recipient)
    return sealed, len(read_header(io.BytesIO(sealed)).raw)


def _tamper_cases(sealed: bytes, start: int) -> dict[str, bytes]:
    payload = start + 16
    first, second, third = (payload + i * ENCRYPTED_CHUNK for i in range(3))
    flipped = bytearray(sealed)
    flipped[second + 100] ^= 1
    mac_flipped = bytearray(sealed)
    mac_flipped[start - 5] ^= 0x01
    return {
        "flip a payload byte": bytes(flipped),
        "truncate the last chunk": sealed[:-10],
        "drop the last chunk": sealed[:third],
        "drop a middle chunk": sealed[:second] + sealed[third:],
        "swap two chunks": sealed[:first]
        + sealed[second:third]
        + sealed[first:second]
        + sealed[third:],
        "change the header MAC": bytes(mac_flipped),
        "add trailing data": sealed + b"\x00",
        "append a whole extra chunk": sealed + sealed[first:second],
        "remove the payload nonce": sealed[:start],
        "remove every chunk": sealed[:payload],
        "flip the payload nonce": sealed[: payload - 1]
        + bytes([sealed[payload - 1] ^ 1])
        + sealed[payload:],
    }


@pytest.mark.parametrize(
    "case",
    [
        "flip a payload byte",
        "truncate the last chunk",
        "drop the last chunk",
        "drop a middle chunk",
        "swap two chunks",
        "change the header MAC",
        "add trailing data",
        "append a whole extra chunk",
        "remove the payload nonce",
        "remove every chunk",
        "flip the payload nonce",
    ],
)
def test_tampering_is_detected(
    identity: Identity, sealed_three_chunks: tuple[bytes, int], case: str
) -> None:
    sealed, start = sealed_three_chunks
    with pytest.raises(DecryptionError):
        decrypt_bytes(_tamper_cases(sealed, start)[case], identity)


def test_truncation_at_a_chunk_boundary_says_so(
    identity: Identity, sealed_three_chunks: tuple[bytes, int]
) -> None:
    sealed, start = sealed_three_chunks
    with pytest.raises(DecryptionError, match="truncated"):
        decrypt_bytes(sealed[: start + 16 + 2 * ENCRYPTED_CHUNK], identity)


def test_header_mac_is_checked_before_any_plaintext_is_written(identity: Identity) -> None:
    sealed = bytearray(encrypt_bytes(b"secret footage", identity.recipient))
    start = len(read_header(io.BytesIO(bytes(sealed))).raw)
    sealed[start - 3] ^= 0x01
    out = io.BytesIO()
    with pytest.raises(DecryptionError, match="MAC"):
        decrypt_stream(io.BytesIO(bytes(sealed)), out, identity)
    assert out.getvalue() == b""


FILE_KEY = bytes(range(16))


def _x25519(identity: Identity) -> Stanza:
    return wrap_x25519(identity.recipient, FILE_KEY)


def test_empty_final_chunk_after_data_is_refused(identity: Identity) -> None:
    chunks = [(bytes(CHUNK_SIZE), False), (b"", True)]
    with pytest.raises(DecryptionError, match="final chunk is empty"):
        decrypt_bytes(build_file([_x25519(identity)], FILE_KEY, chunks), identity)


def test_short_non_final_chunk_is_refused(identity: Identity) -> None:
    chunks = [(b"short", False), (b"more", True)]
    with pytest.raises(DecryptionError):
        decrypt_bytes(build_file([_x25519(identity)], FILE_KEY, chunks), identity)


def test_hand_built_file_with_full_final_chunk_is_accepted(identity: Identity) -> None:
    chunks = [(b"a" * CHUNK_SIZE, False), (b"b" * CHUNK_SIZE, True)]
    built = build_file([_x25519(identity)], FILE_KEY, chunks)
    assert decrypt_bytes(built, identity) == b"a" * CHUNK_SIZE + b"b" * CHUNK_SIZE


def test_unknown_stanzas_are_skipped(identity: Identity) -> None:
    grease = Stanza("porchlight-grease", ("x", "y"), os.urandom(70))
    built = build_file([grease, _x25519(identity)], FILE_KEY, [(b"ok", True)])
    assert decrypt_bytes(built, identity) == b"ok"


@pytest.mark.parametrize(
    "stanza",
    [
        Stanza("X25519", (), bytes(32)),
        Stanza("X25519", ("AAAA", "extra"), bytes(32)),
        Stanza("X25519", ("A" * 43 + "=",), bytes(32)),
        Stanza("X25519", ("AAAA",), bytes(32)),
        Stanza("X25519", ("A" * 43,), bytes(31)),
        Stanza("X25519", ("A" * 43,), bytes(32)),  # the all-zero (low-order) point
    ],
)
def test_malformed_x25519_stanzas_are_errors_not_skips(identity: Identity, stanza: Stanza) -> None:
    built = build_file([stanza, _x25519(identity)], FILE_KEY, [(b"ok", True)])
    with pytest.raises(DecryptionError, match="malformed X25519 stanza"):
        decrypt_bytes(built, identity)


def test_scrypt_stanza_mixed_with_others_is_refused(identity: Identity) -> None:
    scrypt = Stanza("scrypt", ("A" * 22, "10"), bytes(32))
    for stanzas in ([_x25519(identity), scrypt], [scrypt, _x25519(identity)]):
        built = build_file(stanzas, FILE_KEY, [(b"ok", True)])
        with pytest.raises(DecryptionError, match="scrypt stanza must be the only"):
            decrypt_bytes(built, identity)


def test_passphrase_file_needs_the_passphrase_function(identity: Identity) -> None:
    scrypt = Stanza("scrypt", ("A" * 22, "10"), bytes(32))
    built = build_file([scrypt], FILE_KEY, [(b"ok", True)])
    with pytest.raises(DecryptionError, match="passphrase-encrypted"):
        decrypt_bytes(built, identity)


def test_header_built_by_hand_has_the_expected_prefix(identity: Identity) -> None:
    header = Header.build([_x25519(identity)], FILE_KEY)
    assert header.raw.startswith(b"age-encryption.org/v1\n-> X25519 ")


def test_key_strings_must_be_parsed_first(identity: Identity) -> None:
    with pytest.raises(TypeError, match="parse_recipient"):
        encrypt_bytes(b"x", identity.recipient.encode())  # type: ignore[arg-type]
    sealed = encrypt_bytes(b"x", identity.recipient)
    with pytest.raises(TypeError, match="parse_identity"):
        decrypt_bytes(sealed, identity.encode())  # type: ignore[arg-type]
