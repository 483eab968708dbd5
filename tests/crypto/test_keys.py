"""Identities, recipients and identity files, checked against pyrage and age-keygen."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from pyrage import x25519

from porchlight.crypto import (
    Identity,
    KeyFormatError,
    bech32_encode,
    format_identity_file,
    generate_identity,
    parse_identities,
    parse_identity,
    parse_recipient,
    read_identity_file,
    write_identity_file,
)

from .conftest import AGE_KEYGEN_CLI, requires_age_keygen


def test_encoded_keys_have_age_shapes(identity: Identity) -> None:
    secret, public = identity.encode(), identity.recipient.encode()
    assert secret.startswith("AGE-SECRET-KEY-1")
    assert secret == secret.upper()
    assert len(secret) == 74
    assert public.startswith("age1")
    assert public == public.lower()
    assert len(public) == 62


def test_keys_round_trip_through_strings(identity: Identity) -> None:
    assert parse_identity(identity.encode()) == identity
    assert parse_recipient(identity.recipient.encode()) == identity.recipient
    assert parse_identity(identity.encode()).recipient == identity.recipient


def test_pyrage_keys_parse_with_ours() -> None:
    theirs = x25519.Identity.generate()
    ours = parse_identity(str(theirs))
    assert ours.encode() == str(theirs)
    assert ours.recipient.encode() == str(theirs.to_public())
    assert parse_recipient(str(theirs.to_public())) == ours.recipient


def test_our_keys_parse_with_pyrage(identity: Identity) -> None:
    theirs = x25519.Identity.from_str(identity.encode())
    assert str(theirs) == identity.encode()
    assert str(theirs.to_public()) == identity.recipient.encode()
    assert str(x25519.Recipient.from_str(identity.recipient.encode())) == str(theirs.to_public())


def test_repr_and_str_never_reveal_the_secret(identity: Identity) -> None:
    secret = identity.encode()
    assert secret not in repr(identity)
    assert secret not in str(identity)
    assert identity.recipient.encode() in repr(identity)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "bech32"),
        ("AGE-SECRET-KEY-1", "too short"),
        ("age1qqqqqqqq", "checksum"),
        (bech32_encode("age", bytes(32)).upper(), "expected it to start with age1"),
        (bech32_encode("age", bytes(31)), "31 bytes"),
        (bech32_encode("agex", bytes(32)), "expected it to start with age1"),
    ],
)
def test_bad_recipients_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        parse_recipient(text)


def test_secret_keys_must_be_upper_case_as_age_requires(identity: Identity) -> None:
    with pytest.raises(KeyFormatError, match="AGE-SECRET-KEY-1"):
        parse_identity(identity.encode().lower())


def test_recipient_is_not_a_secret_key(identity: Identity) -> None:
    with pytest.raises(KeyFormatError, match="age secret key"):
        parse_identity(identity.recipient.encode())


def test_raw_key_sizes_are_checked() -> None:
    with pytest.raises(KeyFormatError, match="32 bytes"):
        Identity(b"short")


def test_identity_file_round_trip_and_permissions(tmp_path: Path) -> None:
    keys = [generate_identity(), generate_identity()]
    path = write_identity_file(tmp_path / "keys.txt", keys, comment="porchlight test\nsecond line")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_identity_file(path) == keys
    text = path.read_text()
    assert text.startswith("# porchlight test\n# second line\n")
    assert f"# public key: {keys[0].recipient.encode()}" in text


def test_identity_file_is_never_overwritten_by_default(tmp_path: Path) -> None:
    first, second = generate_identity(), generate_identity()
    path = write_identity_file(tmp_path / "key.txt", first)
    with pytest.raises(FileExistsError):
        write_identity_file(path, second)
    assert read_identity_file(path) == [first]
    write_identity_file(path, second, overwrite=True)
    assert read_identity_file(path) == [second]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["key.txt"]


def test_identity_text_allows_comments_blank_lines_and_crlf(identity: Identity) -> None:
    text = f"# a comment\r\n\r\n{identity.encode()}\r\n# trailing\n"
    assert parse_identities(text) == [identity]


def test_identity_file_errors_name_the_line(identity: Identity) -> None:
    with pytest.raises(KeyFormatError, match="line 3"):
        parse_identities(f"# ok\n{identity.encode()}\nnot-a-key\n")
    with pytest.raises(KeyFormatError, match="no secret keys"):
        parse_identities("# only comments\n\n")


def test_empty_identity_file_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(KeyFormatError):
        format_identity_file([])


@requires_age_keygen
def test_age_keygen_files_parse_with_ours(tmp_path: Path) -> None:
    assert AGE_KEYGEN_CLI is not None
    path = tmp_path / "key.txt"
    subprocess.run([AGE_KEYGEN_CLI, "-o", str(path)], check=True, capture_output=True)
    (ours,) = read_identity_file(path)
    shown = subprocess.run(
        [AGE_KEYGEN_CLI, "-y", str(path)], check=True, capture_output=True, text=True
    )
    assert ours.recipient.encode() == shown.stdout.strip()


@requires_age_keygen
def test_age_keygen_derives_the_same_recipient_from_our_file(tmp_path: Path) -> None:
    assert AGE_KEYGEN_CLI is not None
    identity = generate_identity()
    path = write_identity_file(tmp_path / "key.txt", identity)
    shown = subprocess.run(
        [AGE_KEYGEN_CLI, "-y", str(path)], check=True, capture_output=True, text=True
    )
    assert shown.stdout.strip() == identity.recipient.encode()
