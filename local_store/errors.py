"""Errors of the local store, each with a message an employee can act on.

None of these messages ever contains a key, a password or customer data. The split
follows qutebrowser's rule: `EnvironmentProblem` is something the user or IT can
fix (disk full, damaged file); anything else is a bug and surfaces as such.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path


class StoreError(Exception):
    """Base class: `str(error)` is a complete sentence for the user."""


class WrongPassword(StoreError):
    def __init__(self, attempts_left: int | None = None) -> None:
        self.attempts_left = attempts_left
        msg = "The password is not correct."
        if attempts_left is not None:
            msg += f" {attempts_left} attempt(s) left before the profile is locked."
        super().__init__(msg)


class ProfileLocked(StoreError):
    """Too many wrong passwords, or an attempt made during the back-off window."""

    def __init__(
        self, until: datetime, *, lockout: bool, remaining: timedelta | None = None
    ) -> None:
        self.until = until  # the wall-clock moment, as the clock read when refused
        self.lockout = lockout
        self.remaining = remaining  # how long is left (the authority; see profiles.py)
        when = until.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if lockout:
            msg = f"Too many wrong passwords: this profile is locked until {when}."
        else:
            msg = f"Please wait until {when} before trying the password again."
        super().__init__(msg)


class WeakKdfParameters(StoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "This profile's key protection is weaker than the minimum allowed "
            f"({detail}); it is refused. Ask IT to re-provision the profile."
        )


class ProfileNotFound(StoreError):
    def __init__(self, user: str) -> None:
        super().__init__(f"There is no profile for user '{user}' on this computer.")


class ProfileExists(StoreError):
    def __init__(self, user: str) -> None:
        super().__init__(f"A profile for user '{user}' already exists on this computer.")


class ProfileFileDamaged(StoreError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(f"The profile list {path} is damaged ({detail}).")


class KeyringUnavailable(StoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"The operating system's credential store cannot be used: {detail}.")


class KeyringSecretMissing(StoreError):
    def __init__(self) -> None:
        super().__init__(
            "This profile's secret is missing from the operating system's credential "
            "store, so the profile cannot be unlocked on this computer."
        )


class DatabaseUnreadable(StoreError):
    """The file is not an RM Desk database, is damaged, or the key does not fit."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(f"The database {path} cannot be read: {detail}.")


class StoreDamaged(DatabaseUnreadable):
    """Pages of the encrypted file fail their HMAC or SQLite's structure check while the
    key is known to be right (the profile's AES-GCM unwrap verified it): the file is
    damaged. Never reported as read-only, a full disk or a wrong password, and the
    sentence offers the repair that rescues unsynced work (rm_desk.services.repair)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(path, detail)
        self.detail = detail
        StoreError.__init__(
            self,
            f"The profile's local data {path} is damaged ({detail}). Repair it: choose "
            "Repair on the sign-in screen, or run 'rm-desk profile repair --user NAME'. "
            "Unsynced notes and drafts that can still be read are kept; the rest is "
            "downloaded again from the central CRM.",
        )


class StoreInUse(StoreError):
    def __init__(self, path: Path, pid: int) -> None:
        self.path = path
        super().__init__(
            f"The profile's data {path} is open in another RM Desk (process {pid}); "
            "lock or close it first. Nothing was changed."
        )


class UnsupportedSchema(StoreError):
    def __init__(self, path: Path, found: int, newest: int) -> None:
        self.path = path
        super().__init__(
            f"The database {path} was written by a newer RM Desk (schema {found}, this "
            f"version knows up to {newest}). Update RM Desk to open it."
        )


class EnvironmentProblem(StoreError):
    """Disk full, read-only media, a file locked by another program."""


class DiskFull(EnvironmentProblem):
    """No space left where the data directory lives. Never a damage or key answer:
    the files are intact and the password was not judged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The disk holding {path} is full; nothing was changed. Free some space and try again."
        )


class StoreLocked(StoreError):
    def __init__(self) -> None:
        super().__init__("The profile is locked. Unlock it to continue.")


class NotFound(StoreError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"No {what} with id {key} in this profile.")
