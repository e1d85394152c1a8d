"""Editing a customer from the profile: the contact details the RM maintains (mobile,
e-mail, tags) and a change request for a regulated field, which the bank reviews.

Both dialogs stay open until the change is saved: a refused value (a mobile number
that is not a mainland one, say) is shown in the dialog with everything typed kept.
Which fields are editable or regulated is `rm_desk.domain.rules`; who may do either is
the role matrix, asked by the profile page.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from rm_desk.domain.model import Customer
from rm_desk.services.profile import REGULATED
from ui import words
from ui.views.base import ok_cancel
from ui.views.note_editor import list_separator

TAG_SEPARATORS = re.compile(r"[,，、;；]")


def split_tags(text: str) -> list[str]:
    """Tags typed as one line, separated by commas (either width) or semicolons."""
    return [t.strip() for t in TAG_SEPARATORS.split(text) if t.strip()]


class _SavingDialog(QDialog):
    """A dialog whose OK asks the page to save; it closes only when the save worked."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(self.tr("Problem with the form"))
        self.buttons = ok_cancel(self, self._check)

    def _problem(self) -> str:
        """What is wrong with the form before anything is sent ("" when nothing)."""
        return ""

    def _check(self) -> None:
        problem = self._problem()
        self.error.setText(problem)
        if not problem:
            self.set_busy(True)
            self.submitted.emit()

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)

    def failed(self, message: str) -> None:
        """The save was refused: say why, keep what was typed."""
        self.set_busy(False)
        self.error.setText(message)

    def saved(self) -> None:
        self.accept()


class ContactDialog(_SavingDialog):
    """Mobile, e-mail and tags. Mobile and e-mail are shown masked, so an empty box
    leaves the value as it is; tags are shown in full and saved as edited."""

    def __init__(self, customer: Customer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.customer_id = customer.id
        self.setWindowTitle(self.tr("Edit contact details"))
        self.mobile = QLineEdit()
        self.mobile.setAccessibleName(self.tr("New mobile number"))
        self.mobile.setPlaceholderText(
            self.tr("Now %1; leave empty to keep it").replace("%1", customer.mobile or "—")
        )
        self.email = QLineEdit()
        self.email.setAccessibleName(self.tr("New e-mail address"))
        self.email.setPlaceholderText(
            self.tr("Now %1; leave empty to keep it").replace("%1", customer.email or "—")
        )
        self.original_tags = tuple(customer.tags)
        self.tags = QLineEdit(list_separator().join(customer.tags))
        self.tags.setAccessibleName(self.tr("Tags, separated by commas"))
        form = QFormLayout(self)
        form.addRow(QLabel(self.customer_id))
        form.addRow(self.tr("Mobile"), self.mobile)
        form.addRow(self.tr("E-mail"), self.email)
        form.addRow(self.tr("Tags"), self.tags)
        form.addRow(self.error)
        form.addRow(self.buttons)

    def changes(self) -> dict[str, Any]:
        """The fields to save: what was typed, and the tags when they differ."""
        found: dict[str, Any] = {}
        if self.mobile.text().strip():
            found["mobile"] = self.mobile.text().strip()
        if self.email.text().strip():
            found["email"] = self.email.text().strip()
        tags = split_tags(self.tags.text())
        if tuple(tags) != self.original_tags:
            found["tags"] = tags
        return found

    def _problem(self) -> str:
        if not self.changes():
            return self.tr("Nothing was changed.")
        return ""


class ChangeRequestDialog(_SavingDialog):
    """A new value for a regulated field (name, ID, address of record, KYC, risk
    profile): sent to the bank for review, the customer's record stays as it is."""

    def __init__(self, customer_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.customer_id = customer_id
        self.setWindowTitle(self.tr("Request a change"))
        self.field = QComboBox()
        self.field.setAccessibleName(self.tr("Field to change"))
        for name in REGULATED:
            self.field.addItem(words.field_name(name), name)
        self.value = QLineEdit()
        self.value.setAccessibleName(self.tr("New value"))
        form = QFormLayout(self)
        form.addRow(
            QLabel(self.tr("The bank reviews the request; the record changes once it is approved."))
        )
        form.addRow(self.tr("Field"), self.field)
        form.addRow(self.tr("New value"), self.value)
        form.addRow(self.error)
        form.addRow(self.buttons)

    def chosen(self) -> tuple[str, str]:
        return str(self.field.currentData()), self.value.text().strip()

    def _problem(self) -> str:
        if not self.value.text().strip():
            return self.tr("Enter the new value.")
        return ""
