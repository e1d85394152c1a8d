"""Errors as sentences a bank employee understands, in the interface language.

The core raises typed errors whose English text suits the command line; here each
type gets its translated sentence, with the same promise attached: what happened,
that nothing was lost, and what to do. Unknown errors get a generic sentence
(the details go to the log file, never customer data on screen).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from rm_desk.services import errors as store_errors
from rm_desk.services.errors import InvalidEdit, InvalidNote, InvalidTask, PermissionDenied
from sync.client import errors as sync_errors

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Messages", text)


def when(value: datetime) -> str:
    """A moment in the user's time zone, in the interface locale's short format."""
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def describe(exc: BaseException) -> str:
    e = exc
    if isinstance(e, store_errors.WrongPassword):
        if e.attempts_left is not None:
            return _tr(
                "The password is not correct. %1 attempt(s) left before the profile is locked."
            ).replace("%1", str(e.attempts_left))
        return _tr("The password is not correct.")
    if isinstance(e, store_errors.ProfileLocked):
        if e.lockout:
            return _tr("Too many wrong passwords: this profile is locked until %1.").replace(
                "%1", when(e.until)
            )
        return _tr("Please wait until %1 before trying the password again.").replace(
            "%1", when(e.until)
        )
    if isinstance(e, store_errors.DatabaseUnreadable):
        return _tr(
            "The local database %1 cannot be read (it is damaged or not an RM Desk file). "
            "Nothing was changed; contact IT to restore it from the central CRM."
        ).replace("%1", str(e.path))
    if isinstance(e, store_errors.StoreLocked):
        return _tr("The profile is locked. Unlock it to continue.")
    if isinstance(e, store_errors.EnvironmentProblem):
        return _tr("The computer could not save to disk (full, read-only or busy). %1").replace(
            "%1", _tr("Nothing was lost; try again.")
        )
    if isinstance(e, store_errors.ProfileExists):
        return _tr("A profile for this user already exists on this computer.")
    if isinstance(e, store_errors.WeakKdfParameters):
        return _tr("This profile's key protection is weaker than allowed; it was refused.")
    if isinstance(e, store_errors.KeyringUnavailable | store_errors.KeyringSecretMissing):
        return _tr(
            "The operating system's credential store is not available, and the policy "
            "requires it. Contact IT."
        )
    if isinstance(e, sync_errors.ServerUnreachable):
        return _tr(
            "The central CRM cannot be reached. Your changes are kept and will sync when "
            "the connection is back."
        )
    if isinstance(e, sync_errors.TlsFailure):
        return _tr("The secure connection to the central CRM failed. Your changes are kept; "
                   "contact IT.")  # fmt: skip
    if isinstance(e, sync_errors.ServerFailed):
        return _tr("The central CRM answered with an error. Your changes are kept and sync "
                   "will be retried.")  # fmt: skip
    if isinstance(e, sync_errors.SessionExpired | sync_errors.BadCredentials):
        return _tr("The central CRM did not accept your sign-in. Lock and unlock RM Desk "
                   "with your current password, then sync again.")  # fmt: skip
    if isinstance(e, sync_errors.DeviceRevoked):
        return _tr("This computer's access was revoked by the bank; its local copy of "
                   "customer data has been removed.")  # fmt: skip
    if isinstance(e, sync_errors.VersionNotSupported):
        return _tr("This version of RM Desk is no longer supported by the central CRM. "
                   "Your changes are kept; please update RM Desk.")  # fmt: skip
    if isinstance(e, sync_errors.SyncError):
        return _tr("Sync did not complete. Your changes are kept and will be sent next time.")
    if isinstance(e, PermissionDenied):
        return _tr("Your role does not allow this.")
    if isinstance(e, InvalidNote | InvalidTask | InvalidEdit):
        return _tr("Please check the form: %1").replace("%1", str(e))
    if isinstance(e, store_errors.StoreError):
        return str(e)
    log.error("unexpected error", exc_info=e)
    return _tr("Something went wrong; nothing was lost. The details are in the log file.")
