"""Errors as sentences a bank employee understands, in the interface language.

The core raises errors that carry a code and values (`rm_desk.domain.errors`), never
prose for the window. The code's sentence is looked up in the one table
(`rm_desk.domain.errors.SENTENCES`, extracted for translation from there) and
translated here; its `{name}` placeholders are filled from the error's values in the
interface locale (a moment in the user's time zone, numbers with the locale's
grouping, task states in words). A few codes get a line that only the window needs
(where to click). Unknown errors get a generic sentence (the details go to the log
file, never customer data on screen).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QLocale

from rm_desk.domain.errors import SENTENCES, ErrorCode, InvalidInput, RmDeskError, fill
from rm_desk.domain.model import TaskStatus
from rm_desk.services.sync import RejectReason, ReturnReason, split_reason
from ui import words

log = logging.getLogger(__name__)


def value_text(value: object) -> str:
    """One value of an error as the interface shows it."""
    if isinstance(value, datetime):
        return words.moment(value)
    if isinstance(value, TaskStatus):
        return words.task_status(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return QLocale().toString(value)
    return str(value)


def _value_of(name: str, value: object) -> str:
    if name == "field":
        return words.field_name(str(value))
    if name == "fields":  # field names, as the core joins them ("email, name")
        names = [words.field_name(f.strip()) for f in str(value).split(",") if f.strip()]
        return QLocale().createSeparatedList(names)
    return value_text(value)


def sentence(code: ErrorCode, values: dict[str, object]) -> str:
    """The translated sentence of `code`, its placeholders filled from `values`."""
    template = QCoreApplication.translate("Errors", SENTENCES[code])
    return fill(
        template,
        {name: _value_of(name, v) for name, v in values.items()},
    )


def _window_hint(code: ErrorCode) -> str | None:
    """What to do, where it is a control of the window (the command line says its own)."""
    if code == ErrorCode.STORE_DAMAGED:
        return QCoreApplication.translate(
            "Messages", "Choose Repair on the sign-in screen (lock RM Desk first if it is open)."
        )
    return None


def describe(exc: BaseException) -> str:
    if isinstance(exc, RmDeskError):
        text = sentence(exc.code, exc.values)
        hint = _window_hint(exc.code)
        if hint is not None:
            text = f"{text} {hint}"
        if isinstance(exc, InvalidInput):
            return QCoreApplication.translate("Messages", "Please check the form: %1").replace(
                "%1", text
            )
        return text
    log.error("unexpected error", exc_info=exc)
    return QCoreApplication.translate(
        "Messages", "Something went wrong; nothing was lost. The details are in the log file."
    )


def _known_field(detail: str) -> str | None:
    """The field a reason names, in words; None when it names none this version knows."""
    name = words.field_name(detail)
    return None if not detail or name == detail else name


def returned_reason(text: str) -> str:
    """Why work came back (a `RejectReason` or `ReturnReason` with its detail) in words;
    a code of a newer gateway as a generic sentence and the code."""
    code, detail = split_reason(text)
    field = _known_field(detail)
    about_field = {
        RejectReason.REGULATED_FIELD: QCoreApplication.translate(
            "Returned", "%1 is a regulated field; it changes only through a change request."
        ),
        RejectReason.READ_ONLY_FIELD: QCoreApplication.translate(
            "Returned", "%1 cannot be changed from RM Desk."
        ),
        RejectReason.NOT_A_REGULATED_FIELD: QCoreApplication.translate(
            "Returned", "%1 is not a regulated field; edit it directly instead."
        ),
        RejectReason.INVALID_FIELDS: QCoreApplication.translate(
            "Returned", "The central CRM did not accept the value of %1."
        ),
    }
    if field is not None and isinstance(code, RejectReason) and code in about_field:
        return about_field[code].replace("%1", field)
    plain = {
        RejectReason.ADMIN_HAS_NO_CUSTOMER_DATA: QCoreApplication.translate(
            "Returned", "An administrator's account holds no customer data."
        ),
        RejectReason.CUSTOMER_NOT_IN_SCOPE: QCoreApplication.translate(
            "Returned", "This customer is not in your book at the central CRM."
        ),
        RejectReason.UNSUPPORTED_MUTATION: QCoreApplication.translate(
            "Returned", "The central CRM does not take this kind of change."
        ),
        RejectReason.INVALID_FIELDS: QCoreApplication.translate(
            "Returned", "The central CRM did not accept these values."
        ),
        RejectReason.NOT_STORABLE: QCoreApplication.translate(
            "Returned", "The central CRM could not store this data."
        ),
        RejectReason.TASK_NOT_FOUND: QCoreApplication.translate(
            "Returned", "This task is not in the central CRM."
        ),
        RejectReason.TASK_DELETED: QCoreApplication.translate(
            "Returned", "This task was deleted meanwhile."
        ),
        RejectReason.ASSIGNEE_NOT_ALLOWED: QCoreApplication.translate(
            "Returned", "The task cannot be assigned to that person."
        ),
        RejectReason.NOT_ALLOWED: QCoreApplication.translate(
            "Returned", "You may not change or delete this follow-up."
        ),
        RejectReason.ROLE_MAY_NOT_EDIT_CUSTOMER: QCoreApplication.translate(
            "Returned", "Your role may not edit customer details."
        ),
        RejectReason.REGULATED_FIELD: QCoreApplication.translate(
            "Returned", "A regulated field changes only through a change request."
        ),
        RejectReason.READ_ONLY_FIELD: QCoreApplication.translate(
            "Returned", "This field cannot be changed from RM Desk."
        ),
        RejectReason.ROLE_MAY_NOT_REQUEST_CHANGE: QCoreApplication.translate(
            "Returned", "Your role may not request changes to customer details."
        ),
        RejectReason.NOT_A_REGULATED_FIELD: QCoreApplication.translate(
            "Returned", "This field is not regulated; edit it directly instead."
        ),
        RejectReason.ROLE_MAY_NOT_LOG_KIND: QCoreApplication.translate(
            "Returned", "Your role may not record this kind of contact."
        ),
        RejectReason.AMENDED_INTERACTION_UNKNOWN: QCoreApplication.translate(
            "Returned", "The note this one corrects is not at the central CRM for this customer."
        ),
        ReturnReason.LEFT_BOOK: QCoreApplication.translate(
            "Returned", "The customer is no longer in your book."
        ),
        ReturnReason.LEFT_BOOK_AT_RESYNC: QCoreApplication.translate(
            "Returned", "The customer was no longer in your book when it was downloaded again."
        ),
    }
    if isinstance(code, RejectReason | ReturnReason):
        return plain[code]
    return QCoreApplication.translate(
        "Returned", "The central CRM did not take this change (%1)."
    ).replace("%1", text)
