"""Blob stores: where encrypted footage lives, behind one small protocol.

``open_blob_store`` turns a configured URL into a store:

* ``file:///var/lib/porchlight/blobs``: a local folder (``LocalBlobStore``);
* ``s3://bucket/optional/prefix?endpoint_url=http://127.0.0.1:9000&region=eu-west-1``:
  an S3 bucket (``S3BlobStore``); both query parameters are optional.

boto3 is imported only when an S3 store builds its client, so local stores (and
the agent) run without it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from .base import (
    CHUNK_SIZE,
    MAX_KEY_LENGTH,
    MAX_SEGMENT_LENGTH,
    BlobInfo,
    BlobKeyError,
    BlobNotFound,
    BlobStore,
    ByteSource,
    check_range,
    validate_key,
    validate_prefix,
)
from .local import LocalBlobStore
from .s3 import S3BlobStore

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEY_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "BlobInfo",
    "BlobKeyError",
    "BlobNotFound",
    "BlobStore",
    "ByteSource",
    "LocalBlobStore",
    "S3BlobStore",
    "check_range",
    "open_blob_store",
    "validate_key",
    "validate_prefix",
]

_S3_OPTIONS = frozenset({"endpoint_url", "region"})


def open_blob_store(url: str) -> BlobStore:
    """Build the blob store that ``url`` names; raise ``ValueError`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _local_store(url, parts.netloc, parts.path, parts.query)
    if parts.scheme == "s3":
        return _s3_store(url, parts.netloc, parts.path, parts.query)
    raise ValueError(
        f"unsupported blob store URL {url!r}: use file:///absolute/path "
        "or s3://bucket/prefix?endpoint_url=...&region=..."
    )


def _local_store(url: str, host: str, path: str, query: str) -> LocalBlobStore:
    if host not in ("", "localhost") or not path.startswith("/") or query:
        raise ValueError(
            f"invalid local blob store URL {url!r}: use file:///absolute/path (three slashes)"
        )
    return LocalBlobStore(unquote(path))


def _s3_store(url: str, bucket: str, path: str, query: str) -> S3BlobStore:
    if not bucket:
        raise ValueError(f"invalid S3 blob store URL {url!r}: the bucket is missing")
    options = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    unknown = sorted(set(options) - _S3_OPTIONS)
    if unknown:
        raise ValueError(
            f"invalid S3 blob store URL {url!r}: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_S3_OPTIONS))}"
        )
    if any(len(values) != 1 or not values[0] for values in options.values()):
        raise ValueError(f"invalid S3 blob store URL {url!r}: give each option one value")
    return S3BlobStore(
        bucket,
        prefix=unquote(path),
        endpoint_url=options.get("endpoint_url", [None])[0],
        region=options.get("region", ["us-east-1"])[0],
    )
