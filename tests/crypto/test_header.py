"""The header grammar: stanza encoding, strict parsing, canonical base64."""

from __future__ import annotations

import io

import pytest

from porchlight.crypto import DecryptionError, Header, Stanza, read_header
from porchlight.crypto.header import b64decode_canonical, b64encode_nopad

FILE_KEY = bytes(range(16))


@pytest.mark.parametrize(
    ("size", "lines"),
    [(0, [""]), (1, ["AA"]), (47, ["A" * 63]), (48, ["A" * 64, ""]), (49, ["A" * 64, "AA"])],
)
def test_stanza_body_wraps_at_64_columns_and_ends_short(size: int, lines: list[str]) -> None:
    encoded = Stanza("x", (), bytes(size)).encode().decode()
    assert encoded == "-> x\n" + "".join(line + "\n" for line in lines)


@pytest.mark.parametrize("size", [0, 1, 47, 48, 49, 96, 200])
def test_header_round_trips_and_stops_at_the_payload(size: int) -> None:
    stanzas = [Stanza("X25519", ("abc",), bytes(size)), Stanza("other", ("1", "b"), b"\xff")]
    built = Header.build(stanzas, FILE_KEY)
    src = io.BytesIO(built.raw + b"PAYLOAD")
    parsed = read_header(src)
    assert parsed == built
    assert src.read() == b"PAYLOAD"
    parsed.verify_mac(FILE_KEY)


def test_mac_covers_the_header_up_to_the_dashes() -> None:
    raw = Header.build([Stanza("x", (), b"")], FILE_KEY).raw
    assert raw.startswith(b"age-encryption.org/v1\n-> x\n\n--- ")
    assert len(raw.split(b"--- ")[1]) == 44  # 43 base64 columns and a newline


def test_wrong_file_key_fails_the_mac() -> None:
    header = Header.build([Stanza("x", (), b"")], FILE_KEY)
    with pytest.raises(DecryptionError, match="MAC"):
        header.verify_mac(bytes(16))


def _valid_raw() -> bytes:
    return Header.build([Stanza("X25519", ("abc",), bytes(32))], FILE_KEY).raw


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: h.replace(b"v1", b"v2", 1), "unsupported age format version"),
        (lambda h: b"hello\n" + h, "not an age file"),
        (lambda h: h[:30], "ends inside the header"),
        (lambda h: h.replace(b"-> X25519 abc", b"-> X25519  abc"), "invalid stanza line"),
        (lambda h: h.replace(b"-> X25519 abc", b"->X25519 abc"), "invalid stanza line"),
        (lambda h: h.replace(b"-> X25519 abc", b"-> "), "invalid stanza line"),
        (lambda h: h.replace(b"-> X25519 abc", b"-> X25519 \x7f"), "invalid stanza line"),
        (lambda h: h.replace(b"-> X25519 abc\n", b"-> X25519 abc\r\n"), "invalid stanza line"),
        (lambda h: h.replace(b"---", b"--- x ---"), "closing line"),
        (lambda h: h.replace(b"---", b"----"), "closing line"),
        (lambda h: h.replace(b"\n--- ", b"\nnonsense\n--- "), "unexpected line"),
        (lambda h: h.replace(b"-> X25519 abc\n", b""), "unexpected line"),
        (lambda h: h.replace(b"\n" + b"A" * 43 + b"\n", b"\n"), "stanza body"),
    ],
)
def test_malformed_headers_are_refused(mutate: object, message: str) -> None:
    assert callable(mutate)
    with pytest.raises(DecryptionError, match=message):
        read_header(io.BytesIO(mutate(_valid_raw())))


def test_header_needs_a_stanza() -> None:
    raw = b"age-encryption.org/v1\n--- " + b64encode_nopad(bytes(32)) + b"\n"
    with pytest.raises(DecryptionError, match="no recipient stanzas"):
        read_header(io.BytesIO(raw))


def test_body_line_longer_than_64_columns_is_refused() -> None:
    raw = b"age-encryption.org/v1\n-> x\n" + b"A" * 68 + b"\n\n--- " + b"A" * 43 + b"\n"
    with pytest.raises(DecryptionError, match="longer than 64 columns"):
        read_header(io.BytesIO(raw))


def test_full_body_line_must_be_followed_by_a_short_line() -> None:
    # A 48-byte body written without its closing empty line swallows the next line
    # as body text, which is then not base64.
    raw = b"age-encryption.org/v1\n-> x\n" + b"A" * 64 + b"\n--- " + b"A" * 43 + b"\n"
    with pytest.raises(DecryptionError, match="stanza body"):
        read_header(io.BytesIO(raw))


def test_armored_files_get_a_clear_message() -> None:
    with pytest.raises(DecryptionError, match="armor"):
        read_header(io.BytesIO(b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n"))


def test_overlong_lines_are_refused_without_reading_them_whole() -> None:
    with pytest.raises(DecryptionError, match="too long"):
        read_header(io.BytesIO(b"age-encryption.org/v1\n-> " + b"a" * 200_000 + b"\n"))


@pytest.mark.parametrize("text", [b"AA==", b"AB", b"A", b"AA\n", b"A-", b"AAA=", b"AAB"])
def test_non_canonical_base64_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError, match="base64"):
        b64decode_canonical(text)


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xff\xfe", b"abc", bytes(range(100))])
def test_canonical_base64_round_trips(data: bytes) -> None:
    assert b64decode_canonical(b64encode_nopad(data)) == data


def test_stanza_arguments_must_be_printable() -> None:
    with pytest.raises(ValueError, match="invalid stanza argument"):
        Stanza("has space", (), b"")
