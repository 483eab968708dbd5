"""Blobs as files in a local folder, written atomically and durably.

The blob ``clips/ab/c.age`` is the file ``ROOT/clips/ab/c.age``, mode 0600, in folders
of mode 0700. A write streams into a temporary file in ``ROOT/.tmp`` (the same
filesystem, so the final rename is atomic), which is flushed, fsynced and renamed
over the key; then the key's folder is fsynced so that the rename survives a power
cut. Readers therefore see the old blob or the new one, never a partial one.

A writer holds an exclusive ``flock`` on its temporary file until it has renamed
it, and the kernel drops that lock when the process dies. ``clean_incomplete``
removes only temporary files it can lock, so it never removes a file that a live
writer is still filling, whatever ``older_than_seconds`` is.

Because key segments are folders, one key cannot be both a blob and a folder of
other blobs (``a`` and ``a/b``): such a ``put`` raises ``BlobKeyError``. S3 would
accept both, so callers pick keys where this cannot happen (a file extension on
every blob key does it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .base import (
    CHUNK_SIZE,
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

__all__ = ["DIR_MODE", "FILE_MODE", "TMP_DIR", "LocalBlobStore"]

FILE_MODE = 0o600
DIR_MODE = 0o700
TMP_DIR = ".tmp"
_TMP_SUFFIX = ".part"
# delete() removes folders it empties, so a put's folder can vanish between creating
# it and renaming into it; the put then recreates it, a few times at most.
_RENAME_ATTEMPTS = 5
_NOT_A_FILE = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalBlobStore(BlobStore):
    """A ``BlobStore`` in the folder ``root``, created (mode 0700) if missing."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self._tmp = self.root / TMP_DIR
        if not self.root.is_dir():
            self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            os.chmod(self.root, DIR_MODE)
        _make_dir(self._tmp)

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    # -- writing --------------------------------------------------------------

    def put(self, key: str, source: ByteSource, *, content_type: str | None = None) -> BlobInfo:
        """Stream ``source`` into ``key`` atomically; see the module docstring."""
        path = self._path(key)
        self._make_parents(path, key)
        tally = Tally()
        fd, tmp = self._create_temp()
        try:
            with open(fd, "wb", buffering=CHUNK_SIZE) as out:
                for chunk in iter_chunks(source):
                    tally.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
                # Rename while the lock is held, so that no cleaner takes the file
                # for an abandoned one between closing and renaming it.
                self._rename_into_place(tmp, path, key)
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return tally.info(key)

    def delete(self, key: str) -> bool:
        """Delete the blob if there is one, and any folders that this empties."""
        path = self._path(key)
        try:
            os.unlink(path)
        except _NOT_A_FILE:
            return False
        _fsync_dir(path.parent)
        self._prune_empty_folders(path.parent)
        return True

    def clean_incomplete(self, older_than_seconds: float) -> int:
        """Remove temporary files of writes that died, unchanged for that long."""
        cutoff = time.time() - older_than_seconds
        try:
            names = os.listdir(self._tmp)
        except FileNotFoundError:
            return 0
        return sum(_remove_if_abandoned(self._tmp / name, cutoff) for name in names)

    # -- reading --------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        """Open the blob's file for buffered reading."""
        path = self._path(key)
        try:
            return open(path, "rb", buffering=CHUNK_SIZE)
        except _NOT_A_FILE:
            raise BlobNotFound(key) from None

    def open_range(self, key: str, start: int, end_inclusive: int) -> BinaryIO:
        """Open bytes ``start..end_inclusive`` of the blob's file."""
        path = self._path(key)
        try:
            raw = open(path, "rb", buffering=0)  # noqa: SIM115 - the returned stream owns it
        except _NOT_A_FILE:
            raise BlobNotFound(key) from None
        try:
            length = check_range(start, end_inclusive, os.fstat(raw.fileno()).st_size)
            raw.seek(start)
        except BaseException:
            raw.close()
            raise
        return buffered_stream(raw, length)

    def size(self, key: str) -> int:
        """Return the size of the blob's file."""
        path = self._path(key)
        try:
            info = os.stat(path)
        except _NOT_A_FILE:
            raise BlobNotFound(key) from None
        if not stat.S_ISREG(info.st_mode):
            raise BlobNotFound(key)
        return info.st_size

    def exists(self, key: str) -> bool:
        """Return whether the blob's file exists."""
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys under ``prefix`` in sorted order, walking only what can match."""
        validate_prefix(prefix)
        folder, _, _ = prefix.rpartition("/")
        if folder:
            yield from _walk(self.root / folder, folder + "/", prefix)
        else:
            yield from _walk(self.root, "", prefix)

    # -- helpers --------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _make_parents(self, path: Path, key: str) -> None:
        """Create the folders above ``path`` (mode 0700), or explain why they cannot be."""
        missing: list[Path] = []
        folder = path.parent
        while folder != self.root and not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            try:
                os.mkdir(folder, DIR_MODE)
            except FileExistsError:
                if folder.is_dir():  # a concurrent put made it
                    continue
                raise _folder_clash(key, folder.relative_to(self.root)) from None
            os.chmod(folder, DIR_MODE)
            _fsync_dir(folder.parent)
        if path.is_dir():
            raise BlobKeyError(f"cannot store {key!r}: it is a folder of other blobs")

    def _create_temp(self) -> tuple[int, Path]:
        """Create and lock a fresh temporary file; return its descriptor and path."""
        while True:
            tmp = self._tmp / f"{secrets.token_hex(16)}{_TMP_SUFFIX}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            try:
                fd = os.open(tmp, flags, FILE_MODE)
            except FileNotFoundError:  # someone removed .tmp; make it again
                _make_dir(self._tmp)
                continue
            try:
                os.fchmod(fd, FILE_MODE)
                fcntl.flock(fd, fcntl.LOCK_EX)
                # A cleaner may have locked and removed the file before we locked it.
                if os.fstat(fd).st_nlink > 0:
                    return fd, tmp
            except BaseException:
                os.close(fd)
                _unlink_quietly(tmp)
                raise
            os.close(fd)

    def _rename_into_place(self, tmp: Path, path: Path, key: str) -> None:
        for _ in range(_RENAME_ATTEMPTS):
            try:
                os.replace(tmp, path)
            except FileNotFoundError:
                self._make_parents(path, key)
                continue
            except (IsADirectoryError, NotADirectoryError):
                raise BlobKeyError(f"cannot store {key!r}: it is a folder of other blobs") from None
            _fsync_dir(path.parent)
            return
        raise OSError(f"could not rename a finished blob into {path}: its folder keeps vanishing")

    def _prune_empty_folders(self, folder: Path) -> None:
        # Empty folders would keep the names of deleted blobs' prefixes around.
        while folder != self.root:
            try:
                os.rmdir(folder)
            except OSError:
                return
            folder = folder.parent


def _walk(folder: Path, base: str, prefix: str) -> Iterator[str]:
    """Yield, sorted, the keys below ``folder`` (whose key prefix is ``base``) matching.

    Sorting each folder's entries with '/' after folder names gives the same order
    as sorting the full keys, so the walk can yield lazily.
    """
    entries: list[tuple[str, bool]] = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                if not _is_key_segment(entry.name):
                    continue  # .tmp, and anything not put here by a store
                if entry.is_dir(follow_symlinks=False):
                    entries.append((entry.name + "/", True))
                elif entry.is_file(follow_symlinks=False):
                    entries.append((entry.name, False))
    except (FileNotFoundError, NotADirectoryError):
        return
    for name, is_dir in sorted(entries):
        key = base + name
        if is_dir and (key.startswith(prefix) or prefix.startswith(key)):
            yield from _walk(folder / name[:-1], key, prefix)
        elif not is_dir and key.startswith(prefix):
            yield key


def _is_key_segment(name: str) -> bool:
    try:
        validate_key(name)
    except BlobKeyError:
        return False
    return True


def _remove_if_abandoned(path: Path, cutoff: float) -> bool:
    """Remove the temporary file ``path`` if no live writer holds it and it is old."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False  # finished and renamed meanwhile, or not a file of ours
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer is filling it
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink == 0 or info.st_mtime > cutoff:
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False  # renamed into place just before we locked it
        return True
    finally:
        os.close(fd)


def _make_dir(folder: Path) -> None:
    try:
        os.mkdir(folder, DIR_MODE)
    except FileExistsError:
        return
    os.chmod(folder, DIR_MODE)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _folder_clash(key: str, blob: Path) -> BlobKeyError:
    return BlobKeyError(
        f"cannot store {key!r}: {blob.as_posix()!r} is a blob, "
        "and a key cannot also be a folder of other blobs"
    )
