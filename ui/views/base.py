"""The contract every page of the main window follows.

A page is built once per window with the shared `AppContext`. It loads nothing in
its constructor: `activate()` is called each time it is shown, and it then asks the
database thread for what it needs. `ctx.changed` tells it what a write changed; a
page that is not visible only marks itself stale and reloads on the next
`activate()`. Pages never run SQL and never call a service on the GUI thread.

Translations: `self.tr()` is used only in concrete classes (PySide6 looks the
context up by the runtime class name, lupdate by the defining class).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt, SignalInstance
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from rm_desk.services.changes import Changes
from ui.clipboard import copyable
from ui.context import AppContext


class Page(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        ctx.changed.connect(self._on_changed)

    def title(self) -> str:
        """The page's name in the navigation (translated)."""
        raise NotImplementedError

    def activate(self) -> None:
        """Shown: reload if anything relevant changed since the last load."""
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        """Ask the database thread for the page's data (override)."""

    def show_times(self, now: datetime) -> None:
        """Render again the times this page shows relative to `now` (the session's
        clock): the window calls it each minute, as "2 minutes ago" goes stale."""

    def concerns(self, changes: Changes) -> bool:
        """Whether `changes` touch what this page shows (override to narrow)."""
        return True

    def _on_changed(self, changes: Changes) -> None:
        if not (changes.everything or self.concerns(changes)):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True


def row_table(model: QAbstractItemModel, name: str, *, single: bool = True) -> QTableView:
    """A read-only table of `model` that selects whole rows (one at a time unless `single`
    is False), named `name` for screen readers, without row numbers; Ctrl+C and its
    context menu copy the selected rows' displayed text (`ui.clipboard`)."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    copyable(table)
    return table


class EmptyState(QObject):
    """A sentence over a table while it has no rows: what is empty and what to do.

    `text` is asked each time the table becomes empty (it may depend on a filter or the
    language; "" says nothing, while a first load is still on its way, say). The
    header stays, so the columns still say what the table would list."""

    def __init__(self, table: QTableView, text: Callable[[], str]) -> None:
        super().__init__(table)
        self.table = table
        self._text = text
        self.label = QLabel(table.viewport())
        self.label.setObjectName("emptyState")
        self.label.setProperty("role", "empty")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        table.viewport().installEventFilter(self)
        model = table.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show or hide the sentence for the rows the table has now."""
        text = self._text() if self.table.model().rowCount() == 0 else ""
        self.label.setText(text)
        self.label.setGeometry(self.table.viewport().rect())
        self.label.setVisible(bool(text))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.label.setGeometry(self.table.viewport().rect())
        return False


def open_dialog(owner: QObject, attribute: str, dialog: QDialog) -> None:
    """Open `dialog` window-modal; `owner.<attribute>` holds it while it is open (tests
    reach it there) and it is deleted when it closes."""
    setattr(owner, attribute, dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _r: setattr(owner, attribute, None))
    dialog.open()


def ok_cancel(dialog: QDialog, on_ok: Callable[[], object] | None = None) -> QDialogButtonBox:
    """OK and Cancel for `dialog`: OK calls `on_ok` (default: accept), Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept if on_ok is None else on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def add_captioned(layout: QBoxLayout, fields: Iterable[tuple[str, QWidget]]) -> None:
    """Each widget after its caption, the caption its buddy (Alt+key and screen readers)."""
    for text, widget in fields:
        caption = QLabel(text)
        caption.setBuddy(widget)
        layout.addWidget(caption)
        layout.addWidget(widget)


def push_button(
    text: str, name: str, on_click: Callable[..., object] | SignalInstance
) -> QPushButton:
    """A button reading `text`, named `name` for screen readers, that calls `on_click`."""
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.clicked.connect(on_click)
    return button
