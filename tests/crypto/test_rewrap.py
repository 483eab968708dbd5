"""Reading only the header, and granting access by rewriting only the header."""

from __future__ import annotations

import io
import os

import pyrage
import pytest
from pyrage import x25519

from porchlight.crypto import (
    DecryptionError,
    Identity,
    decrypt_bytes,
    encrypt_bytes,
    generate_identity,
    parse_recipient,
    rewrap_header,
    unwrap_file_key,
)


def test_unwrap_file_key_reads_only_the_header(identity: Identity) -> None:
    sealed = encrypt_bytes(os.urandom(100_000), identity.recipient)
    src = io.BytesIO(sealed)
    header, file_key = unwrap_file_key(src, identity)
    assert len(file_key) == 16
    assert src.tell() == len(header.raw)
    header_only, same_key = unwrap_file_key(sealed[: len(header.raw)], [identity])
    assert same_key == file_key
    assert header_only == header


def test_unwrap_file_key_checks_the_mac(identity: Identity) -> None:
    sealed = bytearray(encrypt_bytes(b"x", identity.recipient))
    header, _ = unwrap_file_key(bytes(sealed), identity)
    sealed[len(header.raw) - 4] ^= 1
    with pytest.raises(DecryptionError, match="MAC"):
        unwrap_file_key(bytes(sealed), identity)


def test_rewrapped_header_grants_access_without_touching_the_payload(identity: Identity) -> None:
    data = os.urandom(300_000)
    sealed = encrypt_bytes(data, identity.recipient)
    header, _ = unwrap_file_key(sealed, identity)
    payload = sealed[len(header.raw) :]
    neighbour = x25519.Identity.generate()
    new_header = rewrap_header(
        sealed[: len(header.raw)], identity, [parse_recipient(str(neighbour.to_public()))]
    )
    shared = new_header + payload
    assert decrypt_bytes(shared, identity) == data
    assert pyrage.decrypt(shared, [neighbour]) == data


def test_rewrap_can_drop_existing_recipients(identity: Identity) -> None:
    sealed = encrypt_bytes(b"clip", identity.recipient)
    header, _ = unwrap_file_key(sealed, identity)
    agency = generate_identity()
    new_header = rewrap_header(sealed, identity, agency.recipient, keep_existing=False)
    moved = new_header + sealed[len(header.raw) :]
    assert decrypt_bytes(moved, agency) == b"clip"
    with pytest.raises(DecryptionError, match="no identity matched"):
        decrypt_bytes(moved, identity)


def test_rewrap_needs_an_identity_that_opens_the_header(identity: Identity) -> None:
    sealed = encrypt_bytes(b"clip", identity.recipient)
    with pytest.raises(DecryptionError, match="no identity matched"):
        rewrap_header(sealed, generate_identity(), generate_identity().recipient)
