"""Sync: status, progress, conflicts to resolve and work returned by the server.

A conflict is a field both this computer and someone else changed: "keep mine"
sends this computer's value again as a new change, "keep theirs" accepts the
central value. Returned work is what the server would not take (a customer moved
to another RM, a task deleted elsewhere): it is never deleted, and its text can be
exported so nothing typed is lost.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rm_desk.services import conflicts as conflict_service
from rm_desk.services import sync as sync_service
from rm_desk.services.changes import Changes
from rm_desk.services.conflicts import Conflict, ReturnedWork
from ui import messages, words
from ui.clipboard import copyable
from ui.context import AppContext
from ui.models.rows import Column, ColumnsModel
from ui.views.base import EmptyState, Page, push_button


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _what(w: ReturnedWork) -> str:
    """The returned work in a line: its kind, its customer and its subject or title (for
    a change of customer details, the fields it changed)."""
    parts = [words.record_kind(w.entity)]
    for key in ("customer_id", "subject", "title"):
        value = w.payload.get(key)
        if isinstance(value, str) and value:
            parts.append(value)
    if w.entity == "customer":
        parts += [words.field_name(name) for name in w.payload]
    return " · ".join(parts)


def _heading(w: ReturnedWork) -> str:
    return f"{_what(w)} — {messages.returned_reason(w.reason)}"


class ConflictsModel(ColumnsModel[Conflict]):
    """Fields changed both here and elsewhere: this computer's value against theirs."""

    def column_specs(self) -> tuple[Column[Conflict], ...]:
        return (
            Column(
                "record",
                lambda: self.tr("Record"),
                lambda c: f"{words.record_kind(c.entity)} {c.entity_id}",
            ),
            Column("field", lambda: self.tr("Field"), lambda c: words.field_name(c.field)),
            Column("mine", lambda: self.tr("Mine"), lambda c: _value(c.mine)),
            Column("theirs", lambda: self.tr("Theirs"), lambda c: _value(c.theirs)),
            Column(
                "detected", lambda: self.tr("Detected"), lambda c: words.moment_iso(c.detected_at)
            ),
        )


class ReturnedModel(ColumnsModel[ReturnedWork]):
    """Work the server would not take, kept so that its text can be exported."""

    def column_specs(self) -> tuple[Column[ReturnedWork], ...]:
        return (
            Column(
                "record",
                lambda: self.tr("Record"),
                lambda w: f"{words.record_kind(w.entity)} {w.entity_id}",
            ),
            Column("what", lambda: self.tr("What"), _what),
            Column("why", lambda: self.tr("Why"), lambda w: messages.returned_reason(w.reason)),
            Column(
                "returned", lambda: self.tr("Returned"), lambda w: words.moment_iso(w.returned_at)
            ),
        )


class SyncPage(Page):
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Sync status"))
        self._status: sync_service.SyncStatus | None = None
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Sync progress"))
        self.progress.setVisible(False)
        # The window's own Sync now action (F5), shown here too (`use_sync_action`).
        self.sync_button = QToolButton()
        self.sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.sync_button.setVisible(False)

        self.conflicts = ConflictsModel(self)
        self.conflict_view = self._table(self.conflicts, self.tr("Conflicts"))
        self.no_conflicts = EmptyState(
            self.conflict_view,
            lambda: self.tr("No conflicts: nothing was changed both here and centrally."),
        )
        self.keep_mine = push_button(
            self.tr("Keep mine"),
            self.tr("Keep my value for the selected conflict"),
            lambda: self._resolve("mine"),
        )
        self.keep_theirs = QPushButton(self.tr("Keep theirs"))
        self.keep_theirs.setAccessibleName(
            self.tr("Keep the central value for the selected conflict")
        )
        self.keep_theirs.clicked.connect(lambda: self._resolve("theirs"))

        self.returned = ReturnedModel(self)
        self.returned_view = self._table(self.returned, self.tr("Returned work"))
        self.no_returned = EmptyState(
            self.returned_view,
            lambda: self.tr("No returned work: the central CRM took every change sent."),
        )
        export = push_button(
            self.tr("Export text…"), self.tr("Export the returned work as text"), self._export
        )

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        top.addWidget(self.sync_button)

        conflicts_box = QGroupBox(self.tr("Conflicts: the same field changed here and centrally"))
        cl = QVBoxLayout(conflicts_box)
        cl.addWidget(self.conflict_view)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_mine)
        buttons.addWidget(self.keep_theirs)
        cl.addLayout(buttons)

        returned_box = QGroupBox(self.tr("Returned work: changes the central CRM could not take"))
        rl = QVBoxLayout(returned_box)
        rl.addWidget(self.returned_view)
        rb = QHBoxLayout()
        rb.addStretch(1)
        rb.addWidget(export)
        rl.addLayout(rb)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(conflicts_box, 1)
        layout.addWidget(returned_box, 1)

    def title(self) -> str:
        return self.tr("Sync")

    def use_sync_action(self, action: QAction) -> None:
        """Show the window's Sync now action (one control, one shortcut) on the page."""
        self.sync_button.setDefaultAction(action)
        self.sync_button.setVisible(True)

    def _table(self, model: QAbstractTableModel, name: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        copyable(view)
        return view

    def show_times(self, now: datetime) -> None:
        """The status lines, the last sync relative to `now` (the window calls this each
        minute) and exact in the tooltip."""
        status = self._status
        if status is None:
            return
        at = datetime.fromisoformat(status.last_sync_at) if status.last_sync_at else None
        lines = [
            self.tr("%n change(s) waiting to be sent.", "", status.pending),
            self.tr("Last successful sync: %1").replace(
                "%1", words.ago(at, now) if at else self.tr("never")
            ),
        ]
        if status.last_error:
            lines.append(self.tr("The last attempt did not complete; nothing was lost."))
        self.status.setText("\n".join(lines))
        self.status.setToolTip(
            self.tr("Last successful sync: %1").replace("%1", words.moment(at)) if at else ""
        )

    def concerns(self, changes: Changes) -> bool:
        return changes.outbox or changes.everything

    def reload(self) -> None:
        self.ctx.db(
            lambda s: (
                sync_service.sync_status(s),
                conflict_service.open_conflicts(s),
                conflict_service.returned_work(s),
            ),
            self._show,
            owner=self,
        )

    def _show(
        self,
        result: tuple[sync_service.SyncStatus, list[Conflict], list[ReturnedWork]],
    ) -> None:
        status, conflicts, returned = result
        self._status = status
        self.show_times(self.ctx.session.clock())
        self.conflicts.set_rows(conflicts)
        self.returned.set_rows(returned)
        has = bool(conflicts)
        self.keep_mine.setEnabled(has)
        self.keep_theirs.setEnabled(has)
        if has:
            self.conflict_view.selectRow(0)
        self.loaded.emit()

    def show_progress(self, done: int, remaining: int) -> None:
        total = done + remaining
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def sync_finished(self) -> None:
        self.progress.setVisible(False)
        self.reload()

    def _resolve(self, keep: str) -> None:
        rows = self.conflict_view.selectionModel().selectedRows()
        conflict = self.conflicts.row(rows[0].row()) if rows else None
        if conflict is None:
            return
        conflict_id = conflict.id
        self.ctx.write(lambda s: conflict_service.resolve(s, conflict_id, keep), owner=self)

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export returned work"), "returned-work.txt", self.tr("Text (*.txt)")
        )
        if not path:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Export returned work"),
            self.tr("The exported file is not encrypted and may contain customer details. "
                    "Keep it only as long as needed. Export?"),
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return

        def export(session: Any) -> None:
            conflict_service.export_returned(
                session, Path(path), heading=_heading, label=words.field_name
            )

        self.ctx.db(export, owner=self)
