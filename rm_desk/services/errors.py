"""The errors a user can meet, in one place for the window and the command line.

The window must not import the store or the sync client directly (ARCHITECTURE §1);
it recognises failures through these names. Each is an `RmDeskError`: a code and
values (rm_desk/domain/errors.py, where each code's sentence is); a new failure is
`RmDeskError(ErrorCode.NEW_CODE, **values)` (or a subclass) plus its sentence there
and its Chinese in resources/translations.
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
from rm_desk.domain.errors import ErrorCode, Gone, InvalidInput, RmDeskError
from rm_desk.services.book import PermissionDenied
from rm_desk.services.churn import ChurnActionError
from rm_desk.services.customers import InvalidEdit
from rm_desk.services.notes import InvalidNote
from rm_desk.services.repair import RepairNeedsServer
from rm_desk.services.tasks import InvalidTask

__all__ = [
    "ChurnActionError",
    "DatabaseUnreadable",
    "DiskFull",
    "EnvironmentProblem",
    "ErrorCode",
    "Gone",
    "InvalidEdit",
    "InvalidInput",
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
    "RmDeskError",
    "StoreDamaged",
    "StoreError",
    "StoreInUse",
    "StoreLocked",
    "UnsupportedSchema",
    "WeakKdfParameters",
    "WrongPassword",
]
