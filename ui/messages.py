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
from rm_desk.services import sync as sync_errors
from rm_desk.services.errors import InvalidEdit, InvalidNote, InvalidTask, PermissionDenied

log = logging.getLogger(__name__)


def when(value: datetime) -> str:
    """A moment in the user's time zone, in the interface locale's short format."""
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def _damage(e: BaseException) -> str | None:
    """A damaged or unreadable store, and a repair that needs the network."""
    if isinstance(e, store_errors.StoreDamaged):
        return QCoreApplication.translate(
            "Messages",
            "This profile's data on this computer (%1) is damaged. Choose Repair on the "
            "sign-in screen (lock RM Desk first if it is open): unsynced notes and drafts "
            "that can still be read are kept, the rest is downloaded again from the central "
            "CRM (this needs the bank's network).",
        ).replace("%1", str(e.path))
    if isinstance(e, store_errors.RepairNeedsServer):
        return QCoreApplication.translate(
            "Messages",
            "Repair needs the central CRM, which cannot be reached now. Nothing was changed; "
            "connect to the bank's network and repair again.",
        )
    if isinstance(e, store_errors.StoreInUse):
        return QCoreApplication.translate(
            "Messages",
            "This profile is open in another RM Desk window or program; close it there "
            "first. Nothing was changed.",
        )
    if isinstance(e, store_errors.DatabaseUnreadable):
        return QCoreApplication.translate(
            "Messages",
            "The local database %1 cannot be read (it is damaged or not an RM Desk file). "
            "Nothing was changed; contact IT to restore it from the central CRM.",
        ).replace("%1", str(e.path))
    return None


def describe(exc: BaseException) -> str:  # noqa: PLR0912  (one branch per error)
    e = exc
    if isinstance(e, store_errors.WrongPassword):
        if e.attempts_left is not None:
            return QCoreApplication.translate(
                "Messages",
                "The password is not correct. %1 attempt(s) left before the profile is locked.",
            ).replace("%1", str(e.attempts_left))
        return QCoreApplication.translate("Messages", "The password is not correct.")
    if isinstance(e, store_errors.ProfileLocked):
        if e.lockout:
            return QCoreApplication.translate(
                "Messages", "Too many wrong passwords: this profile is locked until %1."
            ).replace("%1", when(e.until))
        return QCoreApplication.translate(
            "Messages", "Please wait until %1 before trying the password again."
        ).replace("%1", when(e.until))
    damaged = _damage(e)
    if damaged is not None:
        return damaged
    if isinstance(e, store_errors.StoreLocked):
        return QCoreApplication.translate(
            "Messages", "The profile is locked. Unlock it to continue."
        )
    if isinstance(e, store_errors.DiskFull):
        return QCoreApplication.translate(
            "Messages", "The disk is full; nothing was changed. Free some space, then try again."
        )
    if isinstance(e, store_errors.EnvironmentProblem):
        return QCoreApplication.translate(
            "Messages", "The computer could not save to disk (full, read-only or busy). %1"
        ).replace("%1", QCoreApplication.translate("Messages", "Nothing was lost; try again."))
    if isinstance(e, store_errors.ProfileExists):
        return QCoreApplication.translate(
            "Messages", "A profile for this user already exists on this computer."
        )
    if isinstance(e, store_errors.WeakKdfParameters):
        return QCoreApplication.translate(
            "Messages", "This profile's key protection is weaker than allowed; it was refused."
        )
    if isinstance(e, store_errors.KeyringUnavailable | store_errors.KeyringSecretMissing):
        return QCoreApplication.translate(
            "Messages",
            "The operating system's credential store is not available, and the policy "
            "requires it. Contact IT.",
        )
    if isinstance(e, sync_errors.ServerUnreachable):
        return QCoreApplication.translate(
            "Messages",
            "The central CRM cannot be reached. Your changes are kept and will sync when "
            "the connection is back.",
        )
    if isinstance(e, sync_errors.TlsFailure):
        return QCoreApplication.translate(
            "Messages",
            "The secure connection to the central CRM failed. Your changes are kept; contact IT.",
        )
    if isinstance(e, sync_errors.ServerFailed):
        return QCoreApplication.translate(
            "Messages",
            "The central CRM answered with an error. Your changes are kept and sync "
            "will be retried.",
        )
    if isinstance(e, sync_errors.SessionExpired | sync_errors.BadCredentials):
        return QCoreApplication.translate(
            "Messages",
            "The central CRM did not accept your sign-in. Lock and unlock RM Desk "
            "with your current password, then sync again.",
        )
    if isinstance(e, sync_errors.DeviceRevoked):
        return QCoreApplication.translate(
            "Messages",
            "This computer's access was revoked by the bank; its local copy of "
            "customer data has been removed.",
        )
    if isinstance(e, sync_errors.VersionNotSupported):
        return QCoreApplication.translate(
            "Messages",
            "This version of RM Desk is no longer supported by the central CRM. "
            "Your changes are kept; please update RM Desk.",
        )
    if isinstance(e, sync_errors.SyncError):
        return _other_sync_error(e)
    if isinstance(e, PermissionDenied):
        return QCoreApplication.translate("Messages", "Your role does not allow this.")
    if isinstance(e, InvalidNote | InvalidTask | InvalidEdit):
        return QCoreApplication.translate("Messages", "Please check the form: %1").replace(
            "%1", str(e)
        )
    if isinstance(e, store_errors.StoreError):
        return str(e)
    log.error("unexpected error", exc_info=e)
    return QCoreApplication.translate(
        "Messages", "Something went wrong; nothing was lost. The details are in the log file."
    )


def _other_sync_error(e: sync_errors.SyncError) -> str:
    if isinstance(e, sync_errors.SuspectSnapshot):
        return (
            QCoreApplication.translate(
                "Messages",
                "The central CRM's copy of your book has %1 customers against %2 on this "
                "computer and records no change of your access, so it was not applied. "
                "Nothing here was changed and your changes are kept. Contact IT.",
            )
            .replace("%1", str(e.incoming))
            .replace("%2", str(e.replica))
        )
    return QCoreApplication.translate(
        "Messages", "Sync did not complete. Your changes are kept and will be sent next time."
    )
