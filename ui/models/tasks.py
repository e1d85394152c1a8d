"""Follow-up tasks as a table: due, priority, customer, title, status, source,
assignee and outcome. The list is small (one view of one person's tasks), so the
model holds it whole; it is loaded on the database thread by the page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QLocale, QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTableView

from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskStatus
from rm_desk.services.tasks import TaskLine
from ui import words
from ui.models.rows import NUMBER_ALIGNMENT, RowsTableModel

OVERDUE = QColor("#c62828")
OPEN = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def date_text(value: date) -> str:
    return QLocale().toString(QDate(value.year, value.month, value.day),
                              QLocale.FormatType.ShortFormat)  # fmt: skip


class TaskTableModel(RowsTableModel[TaskLine]):
    columns = ("due", "priority", "customer", "title", "status", "source", "assignee", "outcome")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def set_lines(self, lines: Iterable[TaskLine], today: date | None = None) -> None:
        """The tasks to list, and the day that decides which are overdue."""
        self.beginResetModel()
        self._rows = list(lines)
        if today is not None:
            self.today = today
        self.endResetModel()

    def task(self, row: int) -> FollowUpTask | None:
        line = self.row(row)
        return line.task if line is not None else None

    def row_of(self, task_id: str) -> int:
        return next((i for i, line in enumerate(self.rows) if line.task.id == task_id), -1)

    def selected_in(self, view: QTableView) -> FollowUpTask | None:
        """The task selected in a view showing this model."""
        selection = view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        return self.task(rows[0].row()) if rows else None

    def select_in(self, view: QTableView, task_id: str) -> bool:
        """Select this task in a view showing this model; False when it is not listed."""
        row = self.row_of(task_id)
        if row >= 0:
            view.selectRow(row)
        return row >= 0

    def header(self, key: str) -> str:
        return {
            "due": self.tr("Due"),
            "priority": self.tr("Priority"),
            "customer": self.tr("Customer"),
            "title": self.tr("Follow-up"),
            "status": self.tr("Status"),
            "source": self.tr("Source"),
            "assignee": self.tr("Assignee"),
            "outcome": self.tr("Outcome"),
        }[key]

    def cell(self, line: TaskLine, key: str, role: int) -> Any:
        t = line.task
        if role == Qt.ItemDataRole.UserRole:
            return t.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(line, key)
        if role == Qt.ItemDataRole.ForegroundRole and key == "due":
            if t.status in OPEN and t.due < self.today:
                return QBrush(OVERDUE)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and key == "title" and t.detail:
            return t.detail
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "due":
            return NUMBER_ALIGNMENT
        return None

    def _text(self, line: TaskLine, key: str) -> str:
        t = line.task
        if key == "due":
            return date_text(t.due)
        if key == "priority":
            return words.task_priority(TaskPriority(t.priority))
        if key == "customer":
            return (
                f"{line.customer_name} ({t.customer_id})" if line.customer_name else t.customer_id
            )
        if key == "title":
            return t.title
        if key == "status":
            return words.task_status(t.status)
        if key == "source":
            return words.task_source(t.source)
        if key == "assignee":
            return t.assignee
        return t.outcome
