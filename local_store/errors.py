"""Errors of the local store: a code and values (rm_desk.domain.errors), words elsewhere.

None of these ever carries a key, a password or customer data. The split follows
qutebrowser's rule: `EnvironmentProblem` is something the user or IT can fix (disk
full, damaged file); anything else is a bug and surfaces as such.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from rm_desk.domain.errors import ErrorCode, RmDeskError


class StoreError(RmDeskError):
    """Base class: `code` and `values` say what happened; `str(error)` in English."""


class WrongPassword(StoreError):
    def __init__(self, attempts_left: int | None = None) -> None:
        self.attempts_left = attempts_left
        if attempts_left is None:
            super().__init__(ErrorCode.WRONG_PASSWORD)
        else:
            super().__init__(ErrorCode.WRONG_PASSWORD_ATTEMPTS_LEFT, attempts=attempts_left)


class ProfileLocked(StoreError):
    """Too many wrong passwords, or an attempt made during the back-off window."""

    def __init__(
        self, until: datetime, *, lockout: bool, remaining: timedelta | None = None
    ) -> None:
        self.until = until  # the wall-clock moment, as the clock read when refused
        self.lockout = lockout
        self.remaining = remaining  # how long is left (the authority; see profiles.py)
        code = ErrorCode.PROFILE_LOCKED_OUT if lockout else ErrorCode.PASSWORD_BACKOFF
        super().__init__(code, until=until)


class WeakKdfParameters(StoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.WEAK_KDF, detail=detail)


class ProfileNotFound(StoreError):
    def __init__(self, user: str) -> None:
        super().__init__(ErrorCode.PROFILE_NOT_FOUND, user=user)


class ProfileExists(StoreError):
    def __init__(self, user: str) -> None:
        super().__init__(ErrorCode.PROFILE_EXISTS, user=user)


class ProfileFileDamaged(StoreError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(ErrorCode.PROFILE_FILE_DAMAGED, path=path, detail=detail)


class KeyringUnavailable(StoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.KEYRING_UNAVAILABLE, detail=detail)


class KeyringSecretMissing(StoreError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.KEYRING_SECRET_MISSING)


class DatabaseUnreadable(StoreError):
    """The file is not an RM Desk database, is damaged, or the key does not fit."""

    def __init__(
        self, path: Path, detail: str, *, code: ErrorCode = ErrorCode.DATABASE_UNREADABLE
    ) -> None:
        self.path = path
        super().__init__(code, path=path, detail=detail)


class StoreDamaged(DatabaseUnreadable):
    """Pages of the encrypted file fail their HMAC or SQLite's structure check while the
    key is known to be right (the profile's AES-GCM unwrap verified it): the file is
    damaged. Never reported as read-only, a full disk or a wrong password, and the
    sentence offers the repair that rescues unsynced work (rm_desk.services.repair)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(path, detail, code=ErrorCode.STORE_DAMAGED)


class StoreInUse(StoreError):
    def __init__(self, path: Path, pid: int) -> None:
        self.path = path
        super().__init__(ErrorCode.STORE_IN_USE, path=path, pid=pid)


class UnsupportedSchema(StoreError):
    def __init__(self, path: Path, found: int, newest: int) -> None:
        self.path = path
        super().__init__(ErrorCode.UNSUPPORTED_SCHEMA, path=path, found=found, newest=newest)


class EnvironmentProblem(StoreError):
    """Disk full, read-only media, a file locked by another program."""


class DiskFull(EnvironmentProblem):
    """No space left where the data directory lives. Never a damage or key answer:
    the files are intact and the password was not judged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(ErrorCode.DISK_FULL, path=path)


class StoreLocked(StoreError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.STORE_LOCKED)


class NotFound(StoreError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(ErrorCode.NOT_FOUND, key=key, detail=what)
