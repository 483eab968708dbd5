"""Blobs as objects in an S3 bucket: AWS, or any S3-compatible server.

Small blobs (under one part) go up in a single ``PutObject``; larger ones as a
multipart upload of ``part_size`` parts, so memory stays around three parts (the
part being filled, the part being sent, botocore's copy) whatever the size.

S3 makes an object visible only when its ``PutObject`` or
``CompleteMultipartUpload`` succeeds, which gives atomic writes; a multipart upload
that fails is aborted, and one left by a process that died is aborted by
``clean_incomplete``.

boto3 is imported only when a store builds its own client, so the rest of
Porchlight runs without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from .base import (
    BlobInfo,
    BlobKeyError,
    BlobNotFound,
    BlobStore,
    ByteSource,
    Tally,
    check_range,
    iter_chunks,
    validate_key,
    validate_prefix,
)
from .streams import buffered_stream

__all__ = ["DEFAULT_PART_SIZE", "MAX_PARTS", "MIN_PART_SIZE", "S3BlobStore"]

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part, except for the last one."""
DEFAULT_PART_SIZE = 8 * 1024 * 1024
MAX_PARTS = 10_000
_NOT_FOUND = frozenset({"NoSuchKey", "NotFound", "404"})
_BAD_RANGE = frozenset({"InvalidRange", "416"})
_SKIP_CHUNK = 1024 * 1024


class S3BlobStore(BlobStore):
    """A ``BlobStore`` in ``bucket``, with every key under ``prefix``.

    ``client`` is a boto3 S3 client; without one, the store makes its own for
    ``endpoint_url`` (None for AWS) and ``region``, with credentials found the usual
    boto3 way (environment, config files, instance role). The largest blob is
    ``MAX_PARTS * part_size`` bytes (78 GiB by default).
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        client: Any = None,
        region: str = "us-east-1",
        part_size: int = DEFAULT_PART_SIZE,
        page_size: int = 1000,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 blob store needs a bucket name")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes, not {part_size}")
        self.bucket = bucket
        self.prefix = _folder_prefix(prefix)
        self._client = client if client is not None else _make_client(endpoint_url, region)
        self._part_size = part_size
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"S3BlobStore({self.bucket!r}, prefix={self.prefix!r})"

    # -- writing --------------------------------------------------------------

    def put(self, key: str, source: ByteSource, *, content_type: str | None = None) -> BlobInfo:
        """Stream ``source`` into ``key``: one PutObject, or a multipart upload."""
        where = {"Bucket": self.bucket, "Key": self._object_key(key)}
        extra = {"ContentType": content_type} if content_type else {}
        tally = Tally()
        upload_id: str | None = None
        done: list[dict[str, Any]] = []
        try:
            for number, body in enumerate(_parts(source, self._part_size, tally), start=1):
                if number == 1 and len(body) < self._part_size:
                    self._client.put_object(**where, Body=body, **extra)
                    return tally.info(key)
                if number > MAX_PARTS:
                    raise ValueError(f"{key!r} is larger than {MAX_PARTS} parts of this size")
                if upload_id is None:
                    upload_id = self._client.create_multipart_upload(**where, **extra)["UploadId"]
                reply = self._client.upload_part(
                    **where, UploadId=upload_id, PartNumber=number, Body=body
                )
                done.append({"ETag": reply["ETag"], "PartNumber": number})
                del body  # let the part go before the next one is read
            self._client.complete_multipart_upload(
                **where, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException:
            if upload_id is not None:
                # Best effort: the original error matters more, and clean_incomplete
                # aborts whatever this leaves behind.
                with contextlib.suppress(Exception):
                    self._client.abort_multipart_upload(**where, UploadId=upload_id)
            raise
        return tally.info(key)

    def delete(self, key: str) -> bool:
        """Delete the object; report whether it existed just before."""
        object_key = self._object_key(key)
        if not self.exists(key):
            return False
        self._client.delete_object(Bucket=self.bucket, Key=object_key)
        return True

    def clean_incomplete(self, older_than_seconds: float) -> int:
        """Abort multipart uploads under this store's prefix started that long ago.

        Ages are measured against the server's start time, so allow for clock skew.
        """
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        paginator = self._client.get_paginator("list_multipart_uploads")
        aborted = 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] > cutoff:
                    continue
                with contextlib.suppress(Exception):  # finished or aborted meanwhile
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted

    # -- reading --------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        """Stream the object's body."""
        object_key = self._object_key(key)
        with _missing_as_not_found(key):
            reply = self._client.get_object(Bucket=self.bucket, Key=object_key)
        return buffered_stream(reply["Body"])

    def open_range(self, key: str, start: int, end_inclusive: int) -> BinaryIO:
        """Stream bytes ``start..end_inclusive`` with one ranged GET."""
        object_key = self._object_key(key)
        if start < 0 or end_inclusive < start:
            raise ValueError(f"byte range {start}-{end_inclusive} is empty or negative")
        try:
            with _missing_as_not_found(key):
                reply = self._client.get_object(
                    Bucket=self.bucket, Key=object_key, Range=f"bytes={start}-{end_inclusive}"
                )
        except Exception as exc:
            if _error_code(exc) in _BAD_RANGE:
                raise ValueError(
                    f"byte range {start}-{end_inclusive} starts beyond the end of {key!r}"
                ) from None
            raise
        body = reply["Body"]
        try:
            length = self._range_length(reply, start, end_inclusive)
        except BaseException:
            body.close()
            raise
        return buffered_stream(body, length)

    def size(self, key: str) -> int:
        """Return ``ContentLength`` from a HEAD request."""
        object_key = self._object_key(key)
        with _missing_as_not_found(key):
            reply = self._client.head_object(Bucket=self.bucket, Key=object_key)
        return int(reply["ContentLength"])

    def exists(self, key: str) -> bool:
        """Return whether a HEAD request finds the object."""
        try:
            self.size(key)
        except BlobNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield keys under ``prefix`` in S3's (sorted) order, page by page."""
        validate_prefix(prefix)
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket,
            Prefix=self.prefix + prefix,
            PaginationConfig={"PageSize": self._page_size},
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])[len(self.prefix) :]
                with contextlib.suppress(BlobKeyError):  # objects other tools put there
                    yield validate_key(key)

    # -- helpers --------------------------------------------------------------

    def _object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def _range_length(self, reply: dict[str, Any], start: int, end_inclusive: int) -> int:
        """Check a ranged GET's reply against the range asked for; return its length."""
        content_range = reply.get("ContentRange")
        if content_range:
            # "bytes 0-99/1234": S3 shortens a range that runs past the end; we refuse it.
            total = int(str(content_range).rpartition("/")[2])
            return check_range(start, end_inclusive, total)
        # No Content-Range: the server sent the whole object (S3 does so for empty
        # objects), so skip to the start of the range.
        length = check_range(start, end_inclusive, int(reply["ContentLength"]))
        _skip(reply["Body"], start)
        return length


def _parts(source: ByteSource, part_size: int, tally: Tally) -> Iterator[bytes]:
    """Yield ``source`` in parts of exactly ``part_size`` bytes, and a shorter last one.

    An empty source yields one empty part; otherwise every part has some bytes.
    """
    buffer = bytearray()
    first = True
    for chunk in iter_chunks(source):
        tally.update(chunk)
        buffer += chunk
        while len(buffer) >= part_size:
            part = bytes(buffer[:part_size])
            del buffer[:part_size]
            first = False
            yield part
            del part
    if buffer or first:
        yield bytes(buffer)


def _skip(body: Any, count: int) -> None:
    while count > 0:
        data = body.read(min(count, _SKIP_CHUNK))
        if not data:
            raise OSError("the object ended before the requested range")
        count -= len(data)


def _error_code(exc: BaseException) -> str | None:
    """The S3 error code of a botocore ``ClientError``, without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


@contextlib.contextmanager
def _missing_as_not_found(key: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if _error_code(exc) in _NOT_FOUND:
            raise BlobNotFound(key) from None
        raise


def _folder_prefix(prefix: str) -> str:
    """Normalise a store prefix to '' or 'some/folder/'."""
    prefix = prefix.strip("/")
    if not prefix:
        return ""
    try:
        validate_key(prefix)
    except BlobKeyError as exc:
        raise ValueError(f"invalid S3 blob store prefix {prefix!r}: {exc}") from None
    return prefix + "/"


def _make_client(endpoint_url: str | None, region: str) -> Any:
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {"retries": {"mode": "standard"}}
    if endpoint_url:
        # S3-compatible servers (MinIO, Ceph, Garage, moto) answer at one host, and
        # several of them reject the CRC checksums botocore now adds by default.
        options["s3"] = {"addressing_style": "path"}
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=Config(**options)
    )
