"""What only the S3 store promises: multipart uploads, aborted leftovers, paging."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from porchlight.blobs import S3BlobStore
from porchlight.blobs.s3 import MIN_PART_SIZE

from .conftest import MIB, GeneratedSource, MotoServer, SourceFailed, make_s3_store


def pending_uploads(server: MotoServer, prefix: str) -> list[dict[str, Any]]:
    reply = server.client.list_multipart_uploads(Bucket=server.bucket, Prefix=prefix)
    return list(reply.get("Uploads", []))


def etag(server: MotoServer, store: S3BlobStore, key: str) -> str:
    reply = server.client.head_object(Bucket=server.bucket, Key=store.prefix + key)
    return str(reply["ETag"])


def test_small_blobs_go_up_whole_and_large_ones_in_parts(moto_server: MotoServer) -> None:
    store = make_s3_store(moto_server)
    store.put("small.age", GeneratedSource(MIN_PART_SIZE - 1))
    store.put("large.age", GeneratedSource(MIN_PART_SIZE + 1))

    # S3 marks a multipart object's ETag with its number of parts.
    assert "-" not in etag(moto_server, store, "small.age")
    assert etag(moto_server, store, "large.age").endswith('-2"')


def test_a_failed_multipart_put_is_aborted(moto_server: MotoServer) -> None:
    store = make_s3_store(moto_server)
    with pytest.raises(SourceFailed):
        store.put("clip.age", GeneratedSource(20 * MIB, fail_after=12 * MIB))
    assert pending_uploads(moto_server, store.prefix) == []


def test_clean_incomplete_aborts_uploads_a_crashed_writer_left(
    moto_server: MotoServer,
) -> None:
    store = make_s3_store(moto_server)
    other = make_s3_store(moto_server)
    client, bucket = moto_server.client, moto_server.bucket
    for leftover in (store.prefix + "clip.age", other.prefix + "clip.age"):
        upload = client.create_multipart_upload(Bucket=bucket, Key=leftover)
        client.upload_part(
            Bucket=bucket,
            Key=leftover,
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"x" * MIN_PART_SIZE,
        )

    assert store.clean_incomplete(older_than_seconds=0) == 1
    assert pending_uploads(moto_server, store.prefix) == []
    assert len(pending_uploads(moto_server, other.prefix)) == 1  # another store's business
    assert not store.exists("clip.age")
    assert other.clean_incomplete(older_than_seconds=0) == 1


class FakeUploads:
    """Just enough of an S3 client to list multipart uploads and abort them.

    moto reports the same start time (in 2010) for every upload, so the age rule of
    ``clean_incomplete`` is checked against this instead.
    """

    def __init__(self, ages_s: dict[str, float]) -> None:
        now = datetime.now(UTC)
        self.uploads = [
            {"Key": key, "UploadId": f"id-{key}", "Initiated": now - timedelta(seconds=age)}
            for key, age in ages_s.items()
        ]
        self.aborted: list[str] = []

    def get_paginator(self, name: str) -> FakeUploads:
        assert name == "list_multipart_uploads"
        return self

    def paginate(self, *, Bucket: str, Prefix: str) -> Iterator[dict[str, Any]]:
        yield {"Uploads": [u for u in self.uploads if str(u["Key"]).startswith(Prefix)]}

    def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> None:
        self.aborted.append(Key)


def test_clean_incomplete_spares_uploads_that_may_still_be_running() -> None:
    client = FakeUploads({"p/old.age": 7200, "p/recent.age": 60, "elsewhere/old.age": 7200})
    store = S3BlobStore("bucket", prefix="p", client=client)

    assert store.clean_incomplete(older_than_seconds=3600) == 1
    assert client.aborted == ["p/old.age"]


def test_list_follows_pages(moto_server: MotoServer) -> None:
    store = make_s3_store(moto_server, page_size=2)
    keys = [f"clips/{n}.age" for n in range(7)]
    for key in keys:
        store.put(key, io.BytesIO(b"x"))
    assert list(store.list("clips/")) == keys


def test_stores_with_different_prefixes_do_not_meet(moto_server: MotoServer) -> None:
    first = make_s3_store(moto_server)
    second = make_s3_store(moto_server)
    first.put("clip.age", io.BytesIO(b"first"))

    assert not second.exists("clip.age")
    assert list(second.list()) == []
    assert second.delete("clip.age") is False
    assert first.read_range("clip.age", 0, 4) == b"first"


def test_the_content_type_is_kept(moto_server: MotoServer) -> None:
    store = make_s3_store(moto_server)
    store.put("small.age", io.BytesIO(b"x"), content_type="application/octet-stream")
    store.put("large.age", GeneratedSource(MIN_PART_SIZE + 1), content_type="video/mp4")
    client, bucket = moto_server.client, moto_server.bucket
    small = client.head_object(Bucket=bucket, Key=store.prefix + "small.age")
    large = client.head_object(Bucket=bucket, Key=store.prefix + "large.age")
    assert small["ContentType"] == "application/octet-stream"
    assert large["ContentType"] == "video/mp4"


def test_objects_that_are_not_valid_keys_are_not_listed(moto_server: MotoServer) -> None:
    store = make_s3_store(moto_server)
    store.put("clip.age", io.BytesIO(b"x"))
    moto_server.client.put_object(
        Bucket=moto_server.bucket, Key=store.prefix + "a stray upload.txt", Body=b"x"
    )
    assert list(store.list()) == ["clip.age"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"part_size": MIN_PART_SIZE - 1}, "at least"),
        ({"prefix": "../escape"}, "prefix"),
        ({"prefix": "a b"}, "prefix"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], message: str) -> None:
    client = object()  # never used: the settings are refused first
    with pytest.raises(ValueError, match=message):
        S3BlobStore("bucket", client=client, **options)


def test_a_bucket_name_is_required() -> None:
    with pytest.raises(ValueError, match="bucket"):
        S3BlobStore("", client=object())
