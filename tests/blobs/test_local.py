"""What only the local folder store promises: private files, crash clean-up, layout."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest

from porchlight.blobs import BlobKeyError, LocalBlobStore
from porchlight.blobs.local import TMP_DIR

from .conftest import MIB, GeneratedSource, SourceFailed


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temp_files(root: Path) -> list[str]:
    return sorted(os.listdir(root / TMP_DIR))


def test_blobs_are_private_files_in_private_folders(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = LocalBlobStore(root)
    store.put("clips/2024/06/clip.age", io.BytesIO(b"footage"))

    assert mode(root / "clips/2024/06/clip.age") == 0o600
    for folder in (root, root / TMP_DIR, root / "clips", root / "clips/2024/06"):
        assert mode(folder) == 0o700, folder


def test_files_stay_private_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = LocalBlobStore(tmp_path / "blobs")
        store.put("a/clip.age", io.BytesIO(b"footage"))
    finally:
        os.umask(old)
    assert mode(tmp_path / "blobs/a/clip.age") == 0o600
    assert mode(tmp_path / "blobs/a") == 0o700


def test_puts_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("ok.age", GeneratedSource(2 * MIB))
    with pytest.raises(SourceFailed):
        store.put("failed.age", GeneratedSource(2 * MIB, fail_after=MIB))
    assert temp_files(tmp_path) == []


CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    from porchlight.blobs import LocalBlobStore

    class DiesMidway:
        calls = 0
        def read(self, n):
            self.calls += 1
            if self.calls > 2:
                os._exit(3)  # no clean-up of any kind, as with SIGKILL or a power cut
            return b"x" * n

    LocalBlobStore(sys.argv[1]).put("clips/clip.age", DiesMidway())
    """
)


def test_a_new_store_cleans_up_after_a_writer_that_crashed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(tmp_path)], check=False, timeout=30
    )
    assert result.returncode == 3
    assert len(temp_files(tmp_path)) == 1

    store = LocalBlobStore(tmp_path)
    assert not store.exists("clips/clip.age")
    assert list(store.list()) == []
    assert store.clean_incomplete(older_than_seconds=3600) == 0  # too recent to judge
    assert store.clean_incomplete(older_than_seconds=0) == 1
    assert temp_files(tmp_path) == []


def test_clean_incomplete_spares_a_write_in_progress(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    cleaned: list[int] = []

    def clean(position: int) -> None:
        if position == MIB:
            cleaned.append(LocalBlobStore(tmp_path).clean_incomplete(older_than_seconds=0))

    info = store.put("clip.age", GeneratedSource(3 * MIB, on_read=clean))

    assert cleaned == [0]
    assert info.size == 3 * MIB
    assert store.size("clip.age") == 3 * MIB


def test_clean_incomplete_removes_only_old_leftovers(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    old = tmp_path / TMP_DIR / "old.part"
    new = tmp_path / TMP_DIR / "new.part"
    old.write_bytes(b"half a clip")
    new.write_bytes(b"half a clip")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.clean_incomplete(older_than_seconds=600) == 1
    assert temp_files(tmp_path) == ["new.part"]


def test_a_key_cannot_be_both_a_blob_and_a_folder(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a", io.BytesIO(b"blob"))
    with pytest.raises(BlobKeyError, match="is a blob"):
        store.put("a/b", io.BytesIO(b"nested"))

    store.put("c/d", io.BytesIO(b"nested"))
    with pytest.raises(BlobKeyError, match="folder of other blobs"):
        store.put("c", io.BytesIO(b"blob"))

    assert list(store.list()) == ["a", "c/d"]
    assert store.delete("c") is False
    assert temp_files(tmp_path) == []


def test_delete_removes_the_folders_it_empties(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("clips/h1/c1.age", io.BytesIO(b"one"))
    store.put("clips/h2/c2.age", io.BytesIO(b"two"))

    store.delete("clips/h1/c1.age")
    assert not (tmp_path / "clips/h1").exists()
    assert (tmp_path / "clips/h2").is_dir()

    store.delete("clips/h2/c2.age")
    assert sorted(os.listdir(tmp_path)) == [TMP_DIR]

    store.put("clips/h1/c3.age", io.BytesIO(b"three"))  # folders come back as needed
    assert store.read_range("clips/h1/c3.age", 0, 4) == b"three"


def test_list_ignores_files_that_are_not_blobs(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("clip.age", io.BytesIO(b"x"))
    (tmp_path / "notes with spaces.txt").write_text("stray")
    (tmp_path / ".hidden").write_text("stray")
    (tmp_path / TMP_DIR / "abc.part").write_text("leftover")
    assert list(store.list()) == ["clip.age"]


def test_an_existing_root_is_used_as_it_is(tmp_path: Path) -> None:
    tmp_path.chmod(0o750)
    LocalBlobStore(tmp_path).put("clip.age", io.BytesIO(b"x"))
    assert mode(tmp_path) == 0o750  # the operator's choice; only new folders get 0700


def test_a_local_put_holds_about_one_chunk_in_memory(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    tracemalloc.start()
    try:
        store.put("big.age", GeneratedSource(32 * MIB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB
