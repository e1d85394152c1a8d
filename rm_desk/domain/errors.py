"""Errors as a code and values; the words come from one table, looked up by code.

Every error a user can meet is an `RmDeskError`: a stable `ErrorCode` and the values
its sentence needs (a path, a number of attempts, a moment). `SENTENCES` holds the
English sentence of each code with `{name}` placeholders; the window translates it
(`ui/messages.py`, extracted by `pyside6-lupdate` through the `QT_TRANSLATE_NOOP`
markers below) and the command line prints it in English (`english`). `detail` is a
technical note for the log and the command line (never shown in the window, never
customer data). Values are data (paths, counts, user names), never prose.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for extraction into the translation file; returns it unchanged."""
    del context
    return text


class ErrorCode(StrEnum):
    # the profile and its password
    WRONG_PASSWORD = "wrong_password"  # noqa: S105  (a code, not a secret)
    WRONG_PASSWORD_ATTEMPTS_LEFT = "wrong_password_attempts_left"  # noqa: S105  (a code)
    PROFILE_LOCKED_OUT = "profile_locked_out"
    OFFLINE_LEASE_EXPIRED = "offline_lease_expired"
    PASSWORD_BACKOFF = "password_backoff"  # noqa: S105  (a code, not a secret)
    WEAK_KDF = "weak_kdf"
    PROFILE_NOT_FOUND = "profile_not_found"
    PROFILE_EXISTS = "profile_exists"
    PROFILE_FILE_DAMAGED = "profile_file_damaged"
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    KEYRING_SECRET_MISSING = "keyring_secret_missing"  # noqa: S105  (a code, not a secret)
    STORE_LOCKED = "store_locked"
    # the local database
    DATABASE_UNREADABLE = "database_unreadable"
    STORE_DAMAGED = "store_damaged"
    STORE_IN_USE = "store_in_use"
    UNSUPPORTED_SCHEMA = "unsupported_schema"
    DISK_FULL = "disk_full"
    DISK_IO_ERROR = "disk_io_error"
    DATABASE_READ_ONLY = "database_read_only"
    DATABASE_BUSY = "database_busy"
    DATABASE_CANNOT_OPEN = "database_cannot_open"
    DATABASE_CANNOT_CREATE = "database_cannot_create"
    OUT_OF_MEMORY = "out_of_memory"
    NOT_FOUND = "not_found"
    # files the user asked for (a printed brief, an export)
    OUTPUT_NOT_WRITABLE = "output_not_writable"
    OUTPUT_DISK_FULL = "output_disk_full"
    BULK_UNKNOWN_CUSTOMERS = "bulk_unknown_customers"
    # sync with the central CRM
    SERVER_UNREACHABLE = "server_unreachable"
    TLS_FAILURE = "tls_failure"
    SERVER_FAILED = "server_failed"
    SESSION_EXPIRED = "session_expired"
    BAD_CREDENTIALS = "bad_credentials"
    TOO_MANY_SIGN_INS = "too_many_sign_ins"
    INSECURE_SERVER = "insecure_server"
    DEVICE_REVOKED = "device_revoked"
    VERSION_NOT_SUPPORTED = "version_not_supported"
    RESET_REQUIRED = "reset_required"
    SUSPECT_SNAPSHOT = "suspect_snapshot"
    MUTATION_GAP = "mutation_gap"
    PROTOCOL_VIOLATION = "protocol_violation"
    FORBIDDEN = "forbidden"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken"
    REPAIR_NEEDS_SERVER = "repair_needs_server"
    # what a role may do
    ROLE_NOT_ALLOWED = "role_not_allowed"
    # forms
    REVEAL_REASON_REQUIRED = "reveal_reason_required"
    FILTER_NAME_REQUIRED = "filter_name_required"
    SAVED_FILTER_UNREADABLE = "saved_filter_unreadable"
    EDIT_REGULATED_FIELD = "edit_regulated_field"
    EDIT_FIELDS_NOT_EDITABLE = "edit_fields_not_editable"
    FIELD_NOT_REGULATED = "field_not_regulated"
    PAYLOAD_REFUSED = "payload_refused"
    MOBILE_INVALID = "mobile_invalid"
    TASK_TITLE_REQUIRED = "task_title_required"
    TASK_FIELDS_NOT_EDITABLE = "task_fields_not_editable"
    TASK_TRANSITION_NOT_ALLOWED = "task_transition_not_allowed"
    TASK_OUTCOME_REQUIRED = "task_outcome_required"
    TASK_NO_RM_TO_HAND_OVER = "task_no_rm_to_hand_over"
    TASK_ASSIGNEE_NOT_IN_TEAM = "task_assignee_not_in_team"
    TASK_SNOOZE_NOT_LATER = "task_snooze_not_later"
    TASK_NOT_YOURS = "task_not_yours"
    NOTE_EMPTY = "note_empty"
    NOTE_TOO_LONG = "note_too_long"
    NOTE_TIME_NEEDS_ZONE = "note_time_needs_zone"
    NOTE_FOLLOW_UP_NEEDS_STEP = "note_follow_up_needs_step"
    NOTE_AMENDMENT_OTHER_CUSTOMER = "note_amendment_other_customer"
    CHURN_NOTE_TOO_LONG = "churn_note_too_long"
    CHURN_NO_FLAG = "churn_no_flag"
    CONFLICT_ALREADY_RESOLVED = "conflict_already_resolved"
    CONFLICT_RECORD_GONE = "conflict_record_gone"


E = ErrorCode

# The English sentence of every code ({name}: a value of the error). A test fails when
# a code has none, or when its Chinese has none or still holds English words.
SENTENCES: Final[dict[ErrorCode, str]] = {
    E.WRONG_PASSWORD: QT_TRANSLATE_NOOP("Errors", "The password is not correct."),
    E.WRONG_PASSWORD_ATTEMPTS_LEFT: QT_TRANSLATE_NOOP(
        "Errors",
        "The password is not correct. Attempts left before the profile is locked: {attempts}.",
    ),
    E.PROFILE_LOCKED_OUT: QT_TRANSLATE_NOOP(
        "Errors", "Too many wrong passwords: this profile is locked until {until}."
    ),
    E.OFFLINE_LEASE_EXPIRED: QT_TRANSLATE_NOOP(
        "Errors",
        "This profile has not been online for more than {hours} hours (or the computer's "
        "clock was set back), so it can only be unlocked with an online sign-in: connect "
        "to the bank's network and sign in again.",
    ),
    E.PASSWORD_BACKOFF: QT_TRANSLATE_NOOP(
        "Errors", "Please wait until {until} before trying the password again."
    ),
    E.WEAK_KDF: QT_TRANSLATE_NOOP(
        "Errors",
        "This profile's key protection is weaker than allowed; it was refused. "
        "Ask IT to set up the profile again.",
    ),
    E.PROFILE_NOT_FOUND: QT_TRANSLATE_NOOP(
        "Errors", "There is no profile for user {user} on this computer."
    ),
    E.PROFILE_EXISTS: QT_TRANSLATE_NOOP(
        "Errors", "A profile for user {user} already exists on this computer."
    ),
    E.PROFILE_FILE_DAMAGED: QT_TRANSLATE_NOOP(
        "Errors", "The list of profiles {path} is damaged. Contact IT; nothing was changed."
    ),
    E.KEYRING_UNAVAILABLE: QT_TRANSLATE_NOOP(
        "Errors",
        "The operating system's credential store is not available, and the policy "
        "requires it. Contact IT.",
    ),
    E.KEYRING_SECRET_MISSING: QT_TRANSLATE_NOOP(
        "Errors",
        "This profile's secret is missing from the operating system's credential store, "
        "so the profile cannot be unlocked on this computer. Contact IT.",
    ),
    E.STORE_LOCKED: QT_TRANSLATE_NOOP("Errors", "The profile is locked. Unlock it to continue."),
    E.DATABASE_UNREADABLE: QT_TRANSLATE_NOOP(
        "Errors",
        "The local database {path} cannot be read (it is damaged or not an RM Desk file). "
        "Nothing was changed; contact IT to restore it from the central CRM.",
    ),
    E.STORE_DAMAGED: QT_TRANSLATE_NOOP(
        "Errors",
        "This profile's data on this computer ({path}) is damaged. Repair it: unsynced "
        "notes and drafts that can still be read are kept, the rest is downloaded again "
        "from the central CRM (this needs the bank's network).",
    ),
    E.STORE_IN_USE: QT_TRANSLATE_NOOP(
        "Errors",
        "This profile ({path}) is open in another RM Desk window or program (process "
        "{pid}); lock or close it there first. Nothing was changed.",
    ),
    E.UNSUPPORTED_SCHEMA: QT_TRANSLATE_NOOP(
        "Errors",
        "The database {path} was written by a newer RM Desk (schema {found}, this version "
        "knows up to {newest}). Update RM Desk to open it.",
    ),
    E.DISK_FULL: QT_TRANSLATE_NOOP(
        "Errors",
        "The disk holding {path} is full; nothing was changed. Free some space, then try again.",
    ),
    E.DISK_IO_ERROR: QT_TRANSLATE_NOOP(
        "Errors",
        "The disk holding {path} reported a read or write error; nothing was saved from "
        "the last action. Check the disk and try again.",
    ),
    E.DATABASE_READ_ONLY: QT_TRANSLATE_NOOP(
        "Errors", "The database {path} is read-only; nothing was saved."
    ),
    E.DATABASE_BUSY: QT_TRANSLATE_NOOP(
        "Errors", "The database {path} is in use by another program; try again shortly."
    ),
    E.DATABASE_CANNOT_OPEN: QT_TRANSLATE_NOOP(
        "Errors",
        "The database {path} cannot be opened (check the folder exists and is yours); "
        "nothing was changed.",
    ),
    E.DATABASE_CANNOT_CREATE: QT_TRANSLATE_NOOP(
        "Errors",
        "The database {path} cannot be created (check the folder exists and is yours); "
        "nothing was changed.",
    ),
    E.OUT_OF_MEMORY: QT_TRANSLATE_NOOP(
        "Errors", "The computer ran out of memory; nothing was saved."
    ),
    E.NOT_FOUND: QT_TRANSLATE_NOOP("Errors", "This record ({key}) is no longer in this profile."),
    E.OUTPUT_NOT_WRITABLE: QT_TRANSLATE_NOOP(
        "Errors",
        "{path} cannot be written (the folder does not exist, is not writable, or the name "
        "is a folder); nothing was saved. Choose another place.",
    ),
    E.OUTPUT_DISK_FULL: QT_TRANSLATE_NOOP(
        "Errors",
        "The disk holding {path} is full; nothing was saved. Free some space or choose "
        "another place.",
    ),
    E.BULK_UNKNOWN_CUSTOMERS: QT_TRANSLATE_NOOP(
        "Errors",
        "The data to load refers to {count} customer(s) that are not part of it; nothing "
        "of that batch was stored.",
    ),
    E.SERVER_UNREACHABLE: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM cannot be reached. Your changes are kept and will sync when the "
        "connection is back.",
    ),
    E.TLS_FAILURE: QT_TRANSLATE_NOOP(
        "Errors",
        "The secure connection to the central CRM failed. Your changes are kept; contact IT.",
    ),
    E.SERVER_FAILED: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM answered with an error (HTTP {status}). Your changes are kept "
        "and sync will be retried.",
    ),
    E.SESSION_EXPIRED: QT_TRANSLATE_NOOP(
        "Errors",
        "Your session with the central CRM has ended. Lock and unlock RM Desk with your "
        "current password, then sync again.",
    ),
    E.BAD_CREDENTIALS: QT_TRANSLATE_NOOP(
        "Errors", "The central CRM did not accept the user name or password."
    ),
    E.TOO_MANY_SIGN_INS: QT_TRANSLATE_NOOP(
        "Errors",
        "Too many failed sign-ins to the central CRM. Try again in {minutes} minute(s).",
    ),
    E.INSECURE_SERVER: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM address {server} is not secure (http://); RM Desk only connects "
        "to https:// addresses. Use the https:// address, or ask IT.",
    ),
    E.DEVICE_REVOKED: QT_TRANSLATE_NOOP(
        "Errors",
        "This computer's access was revoked by the bank; its local copy of customer data "
        "has been removed.",
    ),
    E.VERSION_NOT_SUPPORTED: QT_TRANSLATE_NOOP(
        "Errors",
        "This version of RM Desk is no longer supported by the central CRM. Your changes "
        "are kept; please update RM Desk.",
    ),
    E.RESET_REQUIRED: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM asks this computer to download your book again. Your changes are kept.",
    ),
    E.SUSPECT_SNAPSHOT: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM's copy of your book has {incoming} customers against {replica} "
        "on this computer and records no change of your access, so it was not applied. "
        "Nothing here was changed and your changes are kept. Contact IT.",
    ),
    E.MUTATION_GAP: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM is missing earlier changes from this computer; your changes are "
        "kept. Contact IT.",
    ),
    E.PROTOCOL_VIOLATION: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM sent data this version cannot read; nothing was changed.",
    ),
    E.FORBIDDEN: QT_TRANSLATE_NOOP("Errors", "The central CRM refused this request."),
    E.AUDIT_CHAIN_BROKEN: QT_TRANSLATE_NOOP(
        "Errors",
        "The central CRM refused this computer's audit log: it does not continue the copy "
        "the CRM holds. Your work is kept. Contact IT.",
    ),
    E.REPAIR_NEEDS_SERVER: QT_TRANSLATE_NOOP(
        "Errors",
        "Repair needs the central CRM, which cannot be reached now. Nothing was changed; "
        "connect to the bank's network and repair again.",
    ),
    E.ROLE_NOT_ALLOWED: QT_TRANSLATE_NOOP("Errors", "Your role does not allow this."),
    E.REVEAL_REASON_REQUIRED: QT_TRANSLATE_NOOP(
        "Errors", "A reason is required to reveal personal data."
    ),
    E.FILTER_NAME_REQUIRED: QT_TRANSLATE_NOOP("Errors", "A saved filter needs a name."),
    E.SAVED_FILTER_UNREADABLE: QT_TRANSLATE_NOOP(
        "Errors",
        "A saved filter cannot be read (it may come from another version of RM Desk); "
        "nothing was changed.",
    ),
    E.EDIT_REGULATED_FIELD: QT_TRANSLATE_NOOP(
        "Errors", "Regulated fields change only through a change request."
    ),
    E.EDIT_FIELDS_NOT_EDITABLE: QT_TRANSLATE_NOOP(
        "Errors", "These fields cannot be edited: {fields}."
    ),
    E.FIELD_NOT_REGULATED: QT_TRANSLATE_NOOP("Errors", "{field} is not a regulated field."),
    E.PAYLOAD_REFUSED: QT_TRANSLATE_NOOP(
        "Errors", "The central CRM would not accept the value of {field}; nothing was saved."
    ),
    E.MOBILE_INVALID: QT_TRANSLATE_NOOP("Errors", "This is not a mainland China mobile number."),
    E.TASK_TITLE_REQUIRED: QT_TRANSLATE_NOOP("Errors", "A task needs a title."),
    E.TASK_FIELDS_NOT_EDITABLE: QT_TRANSLATE_NOOP(
        "Errors", "These task fields cannot be edited: {fields}."
    ),
    E.TASK_TRANSITION_NOT_ALLOWED: QT_TRANSLATE_NOOP(
        "Errors", "A {status} task cannot become {new_status}."
    ),
    E.TASK_OUTCOME_REQUIRED: QT_TRANSLATE_NOOP(
        "Errors", "Say how the follow-up ended before completing it."
    ),
    E.TASK_NO_RM_TO_HAND_OVER: QT_TRANSLATE_NOOP(
        "Errors", "This customer has no relationship manager to hand over to."
    ),
    E.TASK_ASSIGNEE_NOT_IN_TEAM: QT_TRANSLATE_NOOP(
        "Errors", "{assignee} is not a member of this team."
    ),
    E.TASK_SNOOZE_NOT_LATER: QT_TRANSLATE_NOOP(
        "Errors", "A follow-up can only be snoozed to a later day than today."
    ),
    E.TASK_NOT_YOURS: QT_TRANSLATE_NOOP(
        "Errors",
        "Only the follow-up's assignee, the person who created it or a manager may change it.",
    ),
    E.NOTE_EMPTY: QT_TRANSLATE_NOOP("Errors", "A note needs a subject or some text."),
    E.NOTE_TOO_LONG: QT_TRANSLATE_NOOP("Errors", "A note can hold at most {limit} characters."),
    E.NOTE_TIME_NEEDS_ZONE: QT_TRANSLATE_NOOP("Errors", "The contact time needs a time zone."),
    E.NOTE_FOLLOW_UP_NEEDS_STEP: QT_TRANSLATE_NOOP("Errors", "A follow-up date needs a next step."),
    E.NOTE_AMENDMENT_OTHER_CUSTOMER: QT_TRANSLATE_NOOP(
        "Errors", "An amendment must be about the same customer."
    ),
    E.CHURN_NOTE_TOO_LONG: QT_TRANSLATE_NOOP(
        "Errors", "A note on a churn flag can hold at most {limit} characters."
    ),
    E.CHURN_NO_FLAG: QT_TRANSLATE_NOOP("Errors", "This customer has no churn flag to act on."),
    E.CONFLICT_ALREADY_RESOLVED: QT_TRANSLATE_NOOP("Errors", "This conflict is already resolved."),
    E.CONFLICT_RECORD_GONE: QT_TRANSLATE_NOOP("Errors", "The record is no longer in your book."),
}


def english_value(value: object) -> str:
    """A value as the command line shows it (a moment in local time, to the second)."""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `{name}` replaced by its value (no other formatting)."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def english(code: ErrorCode, values: dict[str, object], detail: str = "") -> str:
    """The English sentence of `code` (and the detail, in brackets, for the log)."""
    text = fill(SENTENCES[code], {k: english_value(v) for k, v in values.items()})
    return f"{text} ({detail})" if detail else text


class RmDeskError(Exception):
    """An error a user can meet: a code and the values its sentence needs.

    `str(error)` is the English sentence (the command line and the log); the window
    translates the code (`ui/messages.py`)."""

    def __init__(self, code: ErrorCode, /, *, detail: str = "", **values: object) -> None:
        self.code = code
        self.values = values
        self.detail = detail
        super().__init__(english(code, values, detail))


class InvalidInput(RmDeskError, ValueError):
    """A form the user filled in is not acceptable (what to change is in the code)."""


class Gone(RmDeskError, LookupError):
    """What the user acted on is no longer there (resolved meanwhile, left the book)."""
