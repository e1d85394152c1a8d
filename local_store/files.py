"""Files under the data directory: private modes, atomic writes, a cross-process lock.

Private modes (POSIX). The data directory and every directory RM Desk makes under it
are 0700; every file it writes (`profiles.json`, the database with its `-wal` and
`-shm`, logs, exports) is 0600. Modes are set when a file is created (`os.open` with
the mode, then `chmod`, so the umask cannot loosen them) and tightened again when an
existing profile is opened, so a copy restored with loose modes is mended. SQLite
gives a database's `-wal` and `-shm` the mode of the database file, so creating the
database file 0600 before SQLite opens it covers them. Windows has no modes: the
per-user data directory's ACL is what protects the files there.

Disk full. `ENOSPC`/`EDQUOT` (and Windows' disk-full errors) become `DiskFull`, never
a damaged-file or wrong-password answer.

The lock is an advisory whole-file lock on a separate, never-deleted lock file:
`fcntl.flock` on POSIX, `msvcrt.locking` on Windows. It excludes other processes and
other threads of this process alike (each holder opens its own descriptor).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from local_store.errors import DiskFull

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
POSIX = os.name == "posix"

# errno values meaning "no space": ENOSPC, EDQUOT (quota); Windows' ERROR_DISK_FULL (112)
# and ERROR_HANDLE_DISK_FULL (39) arrive as `winerror`.
_FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if e)
_FULL_WINERRORS = frozenset({39, 112})


def is_disk_full(exc: BaseException) -> bool:
    if not isinstance(exc, OSError):
        return False
    return exc.errno in _FULL_ERRNOS or getattr(exc, "winerror", None) in _FULL_WINERRORS


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except PermissionError:
        # Not ours (a folder an installer made for the user, owned by someone else):
        # said in the log, not fatal; what RM Desk creates itself is always its own.
        log.warning("cannot set mode %o on %s: not its owner", mode, path)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make it 0700; returns it."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if POSIX:
        _chmod(path, PRIVATE_DIR)
    return path


def make_private(path: Path) -> None:
    """Tighten an existing file to 0600 (a directory to 0700); absent is fine."""
    if not POSIX:
        return
    with contextlib.suppress(FileNotFoundError):
        _chmod(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


@contextlib.contextmanager
def full_disk_raises(path: Path) -> Iterator[None]:
    """Within the block, an OSError of a full disk becomes DiskFull(path)."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull(path) from None
        raise


def touch_private(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists; tighten it either way."""
    with full_disk_raises(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    make_private(path)


def open_private(path: Path, *, append: bool = False) -> int:
    """A descriptor for writing `path`, created 0600 (an existing file is tightened);
    the file is emptied unless `append`. Wrap it with `os.fdopen`."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, PRIVATE_FILE)
    if POSIX:
        os.fchmod(fd, PRIVATE_FILE)
    return fd


def write_private_text(path: Path, text: str) -> None:
    """Write a whole text file (an export) with mode 0600; DiskFull when out of space."""
    with full_disk_raises(path), os.fdopen(open_private(path), "w", encoding="utf-8") as handle:
        handle.write(text)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically: a 0600 temp file, fsync, rename, and
    (POSIX) fsync of the directory so the rename itself survives a power cut.
    Raises DiskFull when the disk has no room; the old file is then untouched."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        make_private(Path(tmp))  # mkstemp makes 0600 already; say so explicitly
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull(path) from None
        raise
    if POSIX:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the lock file `path` (created 0600) for the block.

    Waits for the holder; the sections it guards are a read and a small write. A lock
    file that cannot be created on a full disk raises DiskFull."""
    with full_disk_raises(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform != "win32":
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

else:  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        # LK_LOCK retries for ten seconds, then fails; a holder keeps it for milliseconds,
        # so keep asking. Locking byte 0 works on an empty file.
        while True:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError as exc:
                if exc.errno != errno.EDEADLOCK:
                    raise
                time.sleep(0.05)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
