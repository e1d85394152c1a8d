"""Follow-up tasks as a table: due, priority, customer, title, status, source,
assignee and outcome. The list is small (one view of one person's tasks), so the
model holds it whole; it is loaded on the database thread by the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskStatus
from rm_desk.services.tasks import TaskLine
from ui import words

AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("due", "priority", "customer", "title", "status", "source", "assignee", "outcome")
OVERDUE = QColor("#c62828")
OPEN = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def _header(key: str) -> str:
    return {
        "due": QCoreApplication.translate("TaskTableModel", "Due"),
        "priority": QCoreApplication.translate("TaskTableModel", "Priority"),
        "customer": QCoreApplication.translate("TaskTableModel", "Customer"),
        "title": QCoreApplication.translate("TaskTableModel", "Follow-up"),
        "status": QCoreApplication.translate("TaskTableModel", "Status"),
        "source": QCoreApplication.translate("TaskTableModel", "Source"),
        "assignee": QCoreApplication.translate("TaskTableModel", "Assignee"),
        "outcome": QCoreApplication.translate("TaskTableModel", "Outcome"),
    }[key]


def date_text(value: date) -> str:
    return QLocale().toString(QDate(value.year, value.month, value.day),
                              QLocale.FormatType.ShortFormat)  # fmt: skip


class TaskTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lines: list[TaskLine] = []
        self.today = date.today()

    def set_lines(self, lines: list[TaskLine], today: date | None = None) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        if today is not None:
            self.today = today
        self.endResetModel()

    def task(self, row: int) -> FollowUpTask | None:
        return self.lines[row].task if 0 <= row < len(self.lines) else None

    def row_of(self, task_id: str) -> int:
        return next((i for i, line in enumerate(self.lines) if line.task.id == task_id), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return _header(COLUMNS[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line = self.lines[index.row()]
        t = line.task
        key = COLUMNS[index.column()]
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
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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
