"""``open_blob_store``: from a configured URL to a store."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from porchlight.blobs import LocalBlobStore, S3BlobStore, open_blob_store

from .conftest import MotoServer


def test_a_file_url_opens_a_local_store(tmp_path: Path) -> None:
    store = open_blob_store(f"file://{tmp_path}/blobs")
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"
    store.put("clip.age", io.BytesIO(b"x"))
    assert (tmp_path / "blobs/clip.age").read_bytes() == b"x"


def test_an_s3_url_opens_an_s3_store(moto_server: MotoServer) -> None:
    url = (
        f"s3://{moto_server.bucket}/deployments/test"
        f"?endpoint_url={moto_server.endpoint_url}&region=eu-west-1"
    )
    store = open_blob_store(url)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (moto_server.bucket, "deployments/test/")

    store.put("clip.age", io.BytesIO(b"footage"))
    assert store.read_range("clip.age", 0, 6) == b"footage"
    assert store.delete("clip.age") is True


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/var/lib/porchlight/blobs",
        "http://example.org/blobs",
        "file://relative/path",
        "file:relative",
        "file:///srv/blobs?mode=fast",
        "s3://",
        "s3:///prefix",
        "s3://bucket?endpoint=http://127.0.0.1:9000",
        "s3://bucket?region=",
        "s3://bucket?region=a&region=b",
        "s3://bucket/../up",
    ],
)
def test_other_urls_are_refused_with_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="blob store"):
        open_blob_store(url)


def test_local_stores_do_not_load_boto3(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import io, sys
        from porchlight.blobs import open_blob_store
        open_blob_store("file://{tmp_path}").put("clip.age", io.BytesIO(b"x"))
        assert "boto3" not in sys.modules and "botocore" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
