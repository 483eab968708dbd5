"""Key and range rules shared by every store (pure functions, no I/O)."""

from __future__ import annotations

import pytest

from porchlight.blobs import BlobKeyError, BlobNotFound, check_range, validate_key, validate_prefix


@pytest.mark.parametrize(
    "key",
    ["a", "clips/2024/clip.age", "A-Z_a.z-0.9", "x" * 255, "a./b", "k" * 255 + "/" + "v" * 255],
)
def test_valid_keys_are_returned_unchanged(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/a",
        "a/",
        "a//b",
        "..",
        "a/../b",
        "a..b",
        ".",
        "./a",
        ".tmp",
        "a/.hidden",
        "a b",
        "a\\b",
        "a\nb",
        "é",
        "a:b",
        "x" * 256,
        "x" * 513,
    ],
)
def test_invalid_keys_raise_a_value_error(key: str) -> None:
    with pytest.raises(BlobKeyError):
        validate_key(key)
    assert issubclass(BlobKeyError, ValueError)


def test_a_missing_blob_is_a_key_error() -> None:
    assert issubclass(BlobNotFound, KeyError)


@pytest.mark.parametrize("prefix", ["", "clips/", "clips/ab", "a.", "clips/2024/"])
def test_valid_prefixes(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "/a", "a//", "../", "a/.", ".tmp", "a b"])
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(BlobKeyError):
        validate_prefix(prefix)


@pytest.mark.parametrize(
    ("start", "end", "size", "length"), [(0, 0, 1, 1), (0, 9, 10, 10), (9, 9, 10, 1)]
)
def test_ranges_within_the_blob_give_their_length(
    start: int, end: int, size: int, length: int
) -> None:
    assert check_range(start, end, size) == length


@pytest.mark.parametrize(
    ("start", "end", "size"), [(0, 0, 0), (0, 10, 10), (10, 10, 10), (-1, 0, 10), (3, 2, 10)]
)
def test_ranges_outside_the_blob_raise(start: int, end: int, size: int) -> None:
    with pytest.raises(ValueError, match="byte range"):
        check_range(start, end, size)
