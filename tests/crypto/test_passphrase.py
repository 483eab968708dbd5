"""Passphrase (scrypt) encryption for small payloads such as key backups."""

from __future__ import annotations

import pytest
from pyrage import passphrase as pyrage_passphrase

from porchlight.crypto import (
    DecryptionError,
    EncryptionError,
    decrypt_with_passphrase,
    encrypt_with_passphrase,
    generate_identity,
)
from porchlight.crypto.header import b64encode_nopad

from .conftest import build_file

FAST = 10  # tests use a low work factor; the default (18) is about a second


def test_round_trip_with_str_and_bytes_passphrases() -> None:
    backup = generate_identity().encode().encode()
    sealed = encrypt_with_passphrase(backup, "correct horse", work_factor=FAST)
    assert sealed.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert f" {FAST}\n".encode() in sealed
    assert decrypt_with_passphrase(sealed, "correct horse") == backup
    assert decrypt_with_passphrase(sealed, b"correct horse") == backup


def test_wrong_passphrase_is_refused() -> None:
    sealed = encrypt_with_passphrase(b"key", "right", work_factor=FAST)
    with pytest.raises(DecryptionError, match="incorrect passphrase"):
        decrypt_with_passphrase(sealed, "wrong")


def test_work_factor_above_the_maximum_is_refused_before_any_work() -> None:
    sealed = encrypt_with_passphrase(b"key", "pw", work_factor=12)
    with pytest.raises(DecryptionError, match="above the accepted maximum 11"):
        decrypt_with_passphrase(sealed, "pw", max_work_factor=11)


def test_default_maximum_refuses_absurd_work_factors() -> None:
    stanza_file = encrypt_with_passphrase(b"key", "pw", work_factor=FAST)
    forged = stanza_file.replace(f" {FAST}\n".encode(), b" 40\n", 1)
    with pytest.raises(DecryptionError, match="work factor 40"):
        decrypt_with_passphrase(forged, "pw")


@pytest.mark.parametrize("factor", ["010", "0", "-1", "+5", "1e1"])
def test_non_canonical_work_factors_are_malformed(factor: str) -> None:
    from porchlight.crypto.header import Stanza

    stanza = Stanza("scrypt", (b64encode_nopad(bytes(16)).decode(), factor), bytes(32))
    with pytest.raises(DecryptionError, match="work factor"):
        decrypt_with_passphrase(build_file([stanza], bytes(16), [(b"x", True)]), "pw")


def test_invalid_encryption_parameters() -> None:
    with pytest.raises(EncryptionError, match="work factor"):
        encrypt_with_passphrase(b"x", "pw", work_factor=0)
    with pytest.raises(EncryptionError, match="empty"):
        encrypt_with_passphrase(b"x", "", work_factor=FAST)


def test_identity_file_is_not_a_passphrase_file() -> None:
    from porchlight.crypto import encrypt_bytes

    sealed = encrypt_bytes(b"x", generate_identity().recipient)
    with pytest.raises(DecryptionError, match="not passphrase-encrypted"):
        decrypt_with_passphrase(sealed, "pw")


def test_pyrage_reads_our_passphrase_files() -> None:
    sealed = encrypt_with_passphrase(b"recovery backup", "s3cret pass", work_factor=FAST)
    assert pyrage_passphrase.decrypt(sealed, "s3cret pass") == b"recovery backup"


def test_we_read_pyrage_passphrase_files() -> None:
    # pyrage picks its own work factor (about a second's worth), so this is slow-ish.
    sealed = pyrage_passphrase.encrypt(b"recovery backup", "s3cret pass")
    assert decrypt_with_passphrase(sealed, "s3cret pass") == b"recovery backup"


def test_scrypt_stanza_mixed_with_others_is_refused_here_too() -> None:
    from porchlight.crypto.header import Stanza
    from porchlight.crypto.stanzas import wrap_x25519

    scrypt = Stanza("scrypt", (b64encode_nopad(bytes(16)).decode(), "10"), bytes(32))
    x25519 = wrap_x25519(generate_identity().recipient, bytes(16))
    built = build_file([x25519, scrypt], bytes(16), [(b"x", True)])
    with pytest.raises(DecryptionError, match="scrypt stanza must be the only"):
        decrypt_with_passphrase(built, "pw")
