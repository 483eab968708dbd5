"""The ``BlobStore`` contract (``porchlight.blobs.base``), checked against every store.

Each test runs once per implementation through the ``store`` fixture, so a store
that passes here can replace another without the vault noticing.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Callable

import pytest

from porchlight.blobs import BlobInfo, BlobKeyError, BlobNotFound, BlobStore

from .conftest import MIB, GeneratedSource, SourceFailed

BIG = 5 * MIB + 1  # one byte over S3's smallest part: takes the multipart path


def read_all(store: BlobStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def test_every_store_satisfies_the_protocol(store: BlobStore) -> None:
    assert isinstance(store, BlobStore)


@pytest.mark.parametrize("size", [0, 1, BIG], ids=["empty", "one-byte", "multipart"])
def test_round_trip_keeps_bytes_size_and_sha256(store: BlobStore, size: int) -> None:
    expected = GeneratedSource.expected(size)

    info = store.put("clips/2024/clip.age", GeneratedSource(size), content_type="video/mp4")

    assert info == BlobInfo("clips/2024/clip.age", size, hashlib.sha256(expected).hexdigest())
    assert read_all(store, "clips/2024/clip.age") == expected
    assert store.size("clips/2024/clip.age") == size
    assert store.exists("clips/2024/clip.age")


def test_open_streams_in_small_reads(store: BlobStore) -> None:
    store.put("clip.age", GeneratedSource(BIG))
    digest = hashlib.sha256()
    with store.open("clip.age") as stream:
        while chunk := stream.read(64 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(GeneratedSource.expected(BIG)).hexdigest()


def test_put_reads_any_binary_file(store: BlobStore) -> None:
    info = store.put("thumb.age", io.BytesIO(b"thumbnail"))
    assert info.size == 9
    assert read_all(store, "thumb.age") == b"thumbnail"


def test_overwrite_replaces_the_whole_blob(store: BlobStore) -> None:
    store.put("clip.age", GeneratedSource(2 * MIB))
    store.put("clip.age", io.BytesIO(b"short"))
    assert read_all(store, "clip.age") == b"short"
    assert store.size("clip.age") == 5


def test_a_blob_is_invisible_until_its_put_completes(store: BlobStore) -> None:
    seen: list[int] = []

    def look(position: int) -> None:
        if position > 0:
            assert not store.exists("clip.age")
            assert list(store.list("")) == []
            with pytest.raises(BlobNotFound):
                store.size("clip.age")
            seen.append(position)

    store.put("clip.age", GeneratedSource(BIG + MIB, on_read=look))

    assert seen[-1] > BIG  # looked after S3 had a part
    assert store.size("clip.age") == BIG + MIB


def test_readers_see_the_old_blob_while_an_overwrite_streams(store: BlobStore) -> None:
    store.put("clip.age", io.BytesIO(b"old footage"))

    def look(position: int) -> None:
        assert store.read_range("clip.age", 0, 2) == b"old"
        assert store.size("clip.age") == 11

    store.put("clip.age", GeneratedSource(BIG + MIB, on_read=look))
    assert store.size("clip.age") == BIG + MIB


def test_an_open_stream_keeps_reading_the_blob_it_opened(store: BlobStore) -> None:
    store.put("clip.age", io.BytesIO(b"the old footage"))
    with store.open("clip.age") as stream:
        head = stream.read(4)
        store.put("clip.age", io.BytesIO(b"THE NEW FOOTAGE"))
        assert head + stream.read() == b"the old footage"
    assert read_all(store, "clip.age") == b"THE NEW FOOTAGE"


@pytest.mark.parametrize(
    "fail_after", [0, MIB, BIG + MIB], ids=["at-once", "mid-part", "after-a-part"]
)
def test_a_failed_put_leaves_nothing(store: BlobStore, fail_after: int) -> None:
    with pytest.raises(SourceFailed):
        store.put("clip.age", GeneratedSource(8 * MIB, fail_after=fail_after))

    assert not store.exists("clip.age")
    assert list(store.list("")) == []
    with pytest.raises(BlobNotFound):
        store.open("clip.age")
    assert store.clean_incomplete(0) == 0  # no temporary file, no pending upload


def test_a_failed_overwrite_keeps_the_old_blob(store: BlobStore) -> None:
    store.put("clip.age", io.BytesIO(b"old footage"))
    with pytest.raises(SourceFailed):
        store.put("clip.age", GeneratedSource(8 * MIB, fail_after=BIG + MIB))
    assert read_all(store, "clip.age") == b"old footage"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 0), (999, 999), (0, 999), (10, 20), (998, 999)],
    ids=["first-byte", "last-byte", "whole", "middle", "last-two"],
)
def test_read_range_returns_exactly_the_bytes_asked_for(
    store: BlobStore, start: int, end: int
) -> None:
    data = GeneratedSource.expected(1000)
    store.put("clip.age", GeneratedSource(1000))

    assert store.read_range("clip.age", start, end) == data[start : end + 1]
    with store.open_range("clip.age", start, end) as stream:
        assert stream.read() == data[start : end + 1]


def test_open_range_streams_a_large_range(store: BlobStore) -> None:
    data = GeneratedSource.expected(BIG)
    store.put("clip.age", GeneratedSource(BIG))
    received = bytearray()
    with store.open_range("clip.age", 100, BIG - 2) as stream:
        while chunk := stream.read(256 * 1024):
            received += chunk
    assert received == data[100 : BIG - 1]


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 1000), (999, 1000), (1000, 1000), (5000, 6000), (-1, 5), (5, 4)],
    ids=["one-past-end", "straddles-end", "starts-at-end", "far-beyond", "negative", "reversed"],
)
def test_ranges_outside_the_blob_are_refused(store: BlobStore, start: int, end: int) -> None:
    store.put("clip.age", GeneratedSource(1000))
    with pytest.raises(ValueError, match="byte range"):
        store.read_range("clip.age", start, end)
    with pytest.raises(ValueError, match="byte range"):
        store.open_range("clip.age", start, end)


def test_an_empty_blob_has_no_byte_ranges(store: BlobStore) -> None:
    store.put("empty.age", io.BytesIO(b""))
    with pytest.raises(ValueError, match="byte range"):
        store.read_range("empty.age", 0, 0)


def test_delete_is_idempotent_and_says_whether_it_deleted(store: BlobStore) -> None:
    store.put("clips/a/clip.age", io.BytesIO(b"footage"))

    assert store.delete("clips/a/clip.age") is True
    assert not store.exists("clips/a/clip.age")
    assert store.delete("clips/a/clip.age") is False
    assert store.delete("never/there.age") is False
    with pytest.raises(BlobNotFound):
        store.open("clips/a/clip.age")


def test_list_yields_sorted_keys_under_a_prefix(store: BlobStore) -> None:
    keys = ["a/2.age", "a/1.age", "ab/3.age", "a-b/4.age", "a.age", "b/c/5.age", "a0.age"]
    for key in keys:
        store.put(key, io.BytesIO(key.encode()))

    assert list(store.list()) == sorted(keys)
    assert list(store.list("a/")) == ["a/1.age", "a/2.age"]
    assert list(store.list("a")) == sorted(k for k in keys if k.startswith("a"))
    assert list(store.list("b/c")) == ["b/c/5.age"]
    assert list(store.list("b/c/5.age")) == ["b/c/5.age"]
    assert list(store.list("zzz/")) == []
    assert list(store.list("a/1.agex")) == []


BAD_KEYS = [
    "",
    "/abs/clip.age",
    "a//b",
    "a/",
    "..",
    "a/../b",
    "a..b",
    "./a",
    ".tmp/x",
    "a b",
    "a\\b",
    "clip\x00.age",
    "vidéo.age",
    "x" * 256,
    "/".join(["x" * 200] * 3),
]


def every_method(store: BlobStore, key: str) -> dict[str, Callable[[], object]]:
    return {
        "put": lambda: store.put(key, io.BytesIO(b"x")),
        "open": lambda: store.open(key),
        "open_range": lambda: store.open_range(key, 0, 0),
        "read_range": lambda: store.read_range(key, 0, 0),
        "size": lambda: store.size(key),
        "exists": lambda: store.exists(key),
        "delete": lambda: store.delete(key),
    }


def test_bad_keys_are_refused_by_every_method(store: BlobStore) -> None:
    for key in BAD_KEYS:
        for name, call in every_method(store, key).items():
            with pytest.raises(BlobKeyError):
                call()
            assert issubclass(BlobKeyError, ValueError), name
    assert list(store.list()) == []


def test_the_longest_key_is_accepted(store: BlobStore) -> None:
    key = "k" * 255 + "/" + "v" * 254 + "/x"
    assert len(key) == 512
    store.put(key, io.BytesIO(b"x"))
    assert read_all(store, key) == b"x"


@pytest.mark.parametrize("prefix", ["/a", "a//", "../", ".tmp", "a/.x", "a b"])
def test_bad_list_prefixes_are_refused(store: BlobStore, prefix: str) -> None:
    with pytest.raises(BlobKeyError):
        list(store.list(prefix))


def test_missing_keys_raise_blob_not_found(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.open("missing.age")
    with pytest.raises(BlobNotFound):
        store.open_range("missing.age", 0, 0)
    with pytest.raises(BlobNotFound):
        store.read_range("missing.age", 0, 0)
    with pytest.raises(KeyError):
        store.size("missing.age")
    assert not store.exists("missing.age")


def test_a_64_mib_put_streams_with_bounded_memory(store: BlobStore) -> None:
    size = 64 * MIB
    source = GeneratedSource(size)
    tracemalloc.start()
    try:
        info = store.put("big.age", source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert info.size == size
    assert store.size("big.age") == size
    assert peak < 24 * MIB, f"peak {peak / MIB:.1f} MiB while storing {size / MIB:.0f} MiB"
    store.delete("big.age")
