"""Bech32 as age uses it: BIP 173 vectors, case rules and round trips."""

from __future__ import annotations

import os

import pytest

from porchlight.crypto import KeyFormatError, bech32_decode, bech32_encode

# Valid Bech32 (not Bech32m) strings from BIP 173.
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]

BIP173_INVALID = [
    "pzry9x0s0muk",  # no separator
    "1pzry9x0s0muk",  # empty human-readable part
    "x1b4n0q5v",  # invalid data character
    "li1dgmt3",  # checksum too short
    "A1G7SGD8",  # checksum computed over upper-case HRP
    "10a06t8",  # empty HRP
    "1qzzfhee",  # empty HRP
    "a12UEL5L",  # mixed case
]


@pytest.mark.parametrize("text", BIP173_VALID)
def test_bip173_valid_strings_decode_and_reencode(text: str) -> None:
    hrp, data = bech32_decode(text)
    assert bech32_encode(hrp, data) == text


@pytest.mark.parametrize("text", BIP173_INVALID)
def test_bip173_invalid_strings_are_refused(text: str) -> None:
    with pytest.raises(KeyFormatError):
        bech32_decode(text)


@pytest.mark.parametrize("size", [0, 1, 5, 31, 32, 33, 64])
def test_round_trip_keeps_data_and_case(size: int) -> None:
    data = os.urandom(size)
    lower = bech32_encode("age", data)
    upper = bech32_encode("AGE-SECRET-KEY-", data)
    assert lower == lower.lower()
    assert upper == upper.upper()
    assert bech32_decode(lower) == ("age", data)
    assert bech32_decode(upper) == ("AGE-SECRET-KEY-", data)


def test_single_character_typo_is_detected() -> None:
    text = bech32_encode("age", bytes(range(32)))
    position = len(text) - 10
    replacement = "q" if text[position] != "q" else "p"
    with pytest.raises(KeyFormatError, match="checksum"):
        bech32_decode(text[:position] + replacement + text[position + 1 :])


def test_nonzero_padding_bits_are_refused() -> None:
    # One byte is 8 bits, written as two 5-bit groups with 2 padding bits; setting
    # a padding bit (with a correct checksum) must still be refused.
    from porchlight.crypto.bech32 import _CHARSET, _create_checksum

    values = [0, 1]
    text = "age1" + "".join(_CHARSET[v] for v in values + _create_checksum("age", values))
    with pytest.raises(KeyFormatError, match="padding"):
        bech32_decode(text)


def test_mixed_case_hrp_cannot_be_encoded() -> None:
    with pytest.raises(KeyFormatError, match="mixed case"):
        bech32_encode("Age", b"x")
