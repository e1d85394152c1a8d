"""The errors a user can meet, in one place for the window and the command line.

The window must not import the store or the sync client directly (ARCHITECTURE §1);
it recognises failures through these names.
"""

from __future__ import annotations

from local_store.errors import (
    DatabaseUnreadable,
    DiskFull,
    EnvironmentProblem,
    KeyringSecretMissing,
    KeyringUnavailable,
    NotFound,
    ProfileExists,
    ProfileFileDamaged,
    ProfileLocked,
    ProfileNotFound,
    StoreDamaged,
    StoreError,
    StoreInUse,
    StoreLocked,
    UnsupportedSchema,
    WeakKdfParameters,
    WrongPassword,
)
from rm_desk.services.book import PermissionDenied
from rm_desk.services.customers import InvalidEdit
from rm_desk.services.notes import InvalidNote
from rm_desk.services.repair import RepairNeedsServer
from rm_desk.services.tasks import InvalidTask

__all__ = [
    "DatabaseUnreadable",
    "DiskFull",
    "EnvironmentProblem",
    "InvalidEdit",
    "InvalidNote",
    "InvalidTask",
    "KeyringSecretMissing",
    "KeyringUnavailable",
    "NotFound",
    "PermissionDenied",
    "ProfileExists",
    "ProfileFileDamaged",
    "ProfileLocked",
    "ProfileNotFound",
    "RepairNeedsServer",
    "StoreDamaged",
    "StoreError",
    "StoreInUse",
    "StoreLocked",
    "UnsupportedSchema",
    "WeakKdfParameters",
    "WrongPassword",
]
