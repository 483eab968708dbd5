"""Interoperability with pyrage (rage) and the reference age CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from porchlight.crypto import (
    CHUNK_SIZE,
    Identity,
    decrypt_bytes,
    encrypt_bytes,
    generate_identity,
    parse_identity,
    write_identity_file,
)

from .conftest import AGE_CLI, AGE_KEYGEN_CLI, requires_age_cli, requires_age_keygen

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 200_003]


@pytest.mark.parametrize("size", SIZES)
def test_pyrage_decrypts_ours(identity: Identity, size: int) -> None:
    data = os.urandom(size)
    sealed = encrypt_bytes(data, identity.recipient)
    assert pyrage.decrypt(sealed, [x25519.Identity.from_str(identity.encode())]) == data


@pytest.mark.parametrize("size", SIZES)
def test_we_decrypt_pyrage(size: int) -> None:
    # rage adds a random "grease" stanza to every header, so this also checks that
    # unknown stanzas are skipped.
    theirs = x25519.Identity.generate()
    data = os.urandom(size)
    sealed = pyrage.encrypt(data, [theirs.to_public()])
    assert decrypt_bytes(sealed, parse_identity(str(theirs))) == data


def test_pyrage_multi_recipient_file_opens_with_either_key() -> None:
    first, second = x25519.Identity.generate(), x25519.Identity.generate()
    sealed = pyrage.encrypt(b"both", [first.to_public(), second.to_public()])
    assert decrypt_bytes(sealed, parse_identity(str(second))) == b"both"


def _age(*args: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert AGE_CLI is not None
    return subprocess.run([AGE_CLI, *args], input=data, capture_output=True, timeout=60)


@requires_age_cli
@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 7])
def test_age_cli_decrypts_ours_with_our_key_file(tmp_path: Path, size: int) -> None:
    identity = generate_identity()
    key_file = write_identity_file(tmp_path / "key.txt", identity)
    data = os.urandom(size)
    sealed = tmp_path / "clip.age"
    sealed.write_bytes(encrypt_bytes(data, identity.recipient))
    result = _age("-d", "-i", str(key_file), str(sealed))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == data


@requires_age_cli
@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 7])
def test_we_decrypt_the_age_cli(identity: Identity, size: int) -> None:
    data = os.urandom(size)
    result = _age("-r", identity.recipient.encode(), data=data)
    assert result.returncode == 0, result.stderr.decode()
    assert decrypt_bytes(result.stdout, identity) == data


@requires_age_cli
def test_age_cli_refuses_our_file_for_another_key(tmp_path: Path) -> None:
    key_file = write_identity_file(tmp_path / "other.txt", generate_identity())
    sealed = tmp_path / "clip.age"
    sealed.write_bytes(encrypt_bytes(b"clip", generate_identity().recipient))
    assert _age("-d", "-i", str(key_file), str(sealed)).returncode != 0


@requires_age_cli
@requires_age_keygen
def test_age_keygen_key_decrypts_our_file_via_the_cli(tmp_path: Path) -> None:
    assert AGE_KEYGEN_CLI is not None
    key_file = tmp_path / "key.txt"
    subprocess.run([AGE_KEYGEN_CLI, "-o", str(key_file)], check=True, capture_output=True)
    from porchlight.crypto import read_identity_file

    (identity,) = read_identity_file(key_file)
    sealed = tmp_path / "clip.age"
    sealed.write_bytes(encrypt_bytes(b"from porchlight", identity.recipient))
    result = _age("-d", "-i", str(key_file), str(sealed))
    assert result.stdout == b"from porchlight"
