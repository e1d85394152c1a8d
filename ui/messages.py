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

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from rm_desk.domain.errors import SENTENCES, ErrorCode, InvalidInput, RmDeskError, fill
from rm_desk.domain.model import TaskStatus
from ui import words

log = logging.getLogger(__name__)


def when(value: datetime) -> str:
    """A moment in the user's time zone, in the interface locale's short format."""
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def value_text(value: object) -> str:
    """One value of an error as the interface shows it."""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, TaskStatus):
        return words.task_status(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return QLocale().toString(value)
    return str(value)


def sentence(code: ErrorCode, values: dict[str, object]) -> str:
    """The translated sentence of `code`, its placeholders filled from `values`."""
    template = QCoreApplication.translate("Errors", SENTENCES[code])
    return fill(
        template,
        {
            name: words.field_name(str(v)) if name == "field" else value_text(v)
            for name, v in values.items()
        },
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
