"""Fixtures for the blob store tests.

``store`` runs each contract test twice: against a ``LocalBlobStore`` in a temporary
folder, and against an ``S3BlobStore`` talking to a moto S3 server process on
loopback. The server starts once per test session (per xdist worker), and only when
an S3 test runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from porchlight.blobs import BlobStore, LocalBlobStore, S3BlobStore
from porchlight.blobs.s3 import MIN_PART_SIZE

MIB = 1024 * 1024
MOTO_SERVER = Path(sys.executable).with_name("moto_server")
STARTUP_TIMEOUT_S = 30.0


class SourceFailed(Exception):
    """What a test source raises to interrupt a put."""


class GeneratedSource:
    """A source of ``size`` pseudo-random bytes made on demand, never all at once.

    It fails with ``SourceFailed`` once ``fail_after`` bytes have been read, and calls
    ``on_read(bytes_read_so_far)`` before each read, so tests can look at the store
    in the middle of a put.
    """

    _BLOCK = hashlib.shake_256(b"porchlight blobs").digest(MIB + 7)

    def __init__(
        self,
        size: int,
        *,
        fail_after: int | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.size = size
        self.position = 0
        self._fail_after = fail_after
        self._on_read = on_read

    def read(self, n: int = -1, /) -> bytes:
        if self._on_read is not None:
            self._on_read(self.position)
        if self._fail_after is not None and self.position >= self._fail_after:
            raise SourceFailed(f"source failed after {self.position} bytes")
        offset = self.position % len(self._BLOCK)
        count = min(self.size - self.position, len(self._BLOCK) - offset)
        if n >= 0:
            count = min(count, n)
        self.position += count
        return self._BLOCK[offset : offset + count]

    @classmethod
    def expected(cls, size: int) -> bytes:
        """The bytes a source of ``size`` produces (for small sizes only)."""
        repeats = size // len(cls._BLOCK) + 1
        return (cls._BLOCK * repeats)[:size]


@dataclass(frozen=True)
class MotoServer:
    endpoint_url: str
    bucket: str
    client: Any  # a boto3 S3 client, for looking behind the store's back


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with opener.open(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered, if not kindly
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"moto_server did not answer on {url} within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    if importlib.util.find_spec("boto3") is None or not MOTO_SERVER.exists():
        pytest.skip("boto3 and moto[server] are not installed; the S3 blob store is untested")
    import boto3

    folder = tmp_path_factory.mktemp("moto")
    log = folder / "moto.log"
    url = f"http://127.0.0.1:{_free_port()}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", url.rpartition(":")[2]],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with pytest.MonkeyPatch.context() as env:
        # Fake credentials for moto; never the developer's real ones.
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.delenv("AWS_SESSION_TOKEN", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("AWS_CONFIG_FILE", str(folder / "no-config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-credentials"))
        try:
            _wait_until_up(url, process, log)
            client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
            bucket = f"porchlight-test-{uuid.uuid4().hex[:12]}"
            client.create_bucket(Bucket=bucket)
            yield MotoServer(endpoint_url=url, bucket=bucket, client=client)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def make_s3_store(server: MotoServer, **options: Any) -> S3BlobStore:
    """An S3 store in a prefix of its own, so tests sharing the bucket do not meet."""
    options.setdefault("part_size", MIN_PART_SIZE)
    return S3BlobStore(
        server.bucket,
        prefix=f"test-{uuid.uuid4().hex[:12]}",
        endpoint_url=server.endpoint_url,
        **options,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each implementation in turn, empty."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    server: MotoServer = request.getfixturevalue("moto_server")
    return make_s3_store(server)
