"""Bech32 (BIP 173) encoding, as age uses it for its key strings.

age encodes X25519 keys with the original Bech32 checksum (not Bech32m) and lifts
BIP 173's 90-character limit. The checksum is always computed over the lower-case
human-readable part; a string is all upper case or all lower case, never mixed.
"""

from __future__ import annotations

from .errors import KeyFormatError

__all__ = ["bech32_decode", "bech32_encode"]

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(_CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CHECKSUM_LENGTH = 6


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_GENERATOR):
            if (top >> bit) & 1:
                checksum ^= generator
    return checksum


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _create_checksum(hrp: str, values: list[int]) -> list[int]:
    polymod = _polymod(_expand_hrp(hrp) + values + [0] * _CHECKSUM_LENGTH) ^ 1
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(_CHECKSUM_LENGTH)]


def _to_5bit(data: bytes) -> list[int]:
    accumulator, bits, out = 0, 0, []
    for byte in data:
        accumulator = (accumulator << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((accumulator >> bits) & 31)
    if bits:
        out.append((accumulator << (5 - bits)) & 31)
    return out


def _from_5bit(values: list[int]) -> bytes:
    accumulator, bits, out = 0, 0, bytearray()
    for value in values:
        accumulator = (accumulator << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    # Leftover bits are padding: fewer than a byte's worth, and all zero, or the
    # encoding is not canonical.
    if bits >= 5 or (accumulator & ((1 << bits) - 1)):
        raise KeyFormatError("invalid bech32 padding")
    return bytes(out)


def _check_hrp(hrp: str) -> None:
    if not hrp:
        raise KeyFormatError("bech32 human-readable part is empty")
    if any(not 33 <= ord(c) <= 126 for c in hrp):
        raise KeyFormatError("bech32 human-readable part has an invalid character")


def bech32_encode(hrp: str, data: bytes) -> str:
    """Encode ``data`` under the human-readable part ``hrp``.

    The result is upper case when ``hrp`` is upper case (as in ``AGE-SECRET-KEY-1…``)
    and lower case otherwise (as in ``age1…``).
    """
    _check_hrp(hrp)
    if hrp.lower() != hrp and hrp.upper() != hrp:
        raise KeyFormatError("bech32 human-readable part is mixed case")
    upper = hrp.upper() == hrp and hrp.lower() != hrp
    lower_hrp = hrp.lower()
    values = _to_5bit(data)
    values += _create_checksum(lower_hrp, values)
    encoded = lower_hrp + "1" + "".join(_CHARSET[v] for v in values)
    return encoded.upper() if upper else encoded


def bech32_decode(text: str) -> tuple[str, bytes]:
    """Decode a Bech32 string into its human-readable part and data.

    The human-readable part is returned in the case it was written in, so callers
    can insist on ``AGE-SECRET-KEY-`` or ``age`` exactly, as age does.
    """
    if text.lower() != text and text.upper() != text:
        raise KeyFormatError("bech32 string is mixed case")
    separator = text.rfind("1")
    if separator < 1:
        raise KeyFormatError("bech32 string has no human-readable part")
    hrp, data_part = text[:separator], text[separator + 1 :].lower()
    _check_hrp(hrp)
    if len(data_part) < _CHECKSUM_LENGTH:
        raise KeyFormatError("bech32 string is too short")
    try:
        values = [_CHARSET_INDEX[c] for c in data_part]
    except KeyError as exc:
        raise KeyFormatError(f"bech32 string has an invalid character {exc.args[0]!r}") from None
    if _polymod(_expand_hrp(hrp.lower()) + values) != 1:
        raise KeyFormatError("bech32 checksum does not match (typo in the key?)")
    return hrp, _from_5bit(values[:-_CHECKSUM_LENGTH])
