"""Follow-up tasks as a table: due, priority, customer, title, status, source,
assignee and outcome. The list is small (one view of one person's tasks), so the
model holds it whole; it is loaded on the database thread by the page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QObject
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QTableView

from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskStatus
from rm_desk.services.tasks import TaskLine
from ui import look, words
from ui.models.rows import Column, ColumnsModel

OPEN = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class TaskTableModel(ColumnsModel[TaskLine]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()
        self.names: dict[str, str] = {}  # colleagues' names by user id (the staff directory)

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

    def column_specs(self) -> tuple[Column[TaskLine], ...]:
        return (
            Column(
                "due",
                lambda: self.tr("Due"),
                lambda line: words.day(line.task.due),
                figure=True,
                foreground=self._overdue,
            ),
            Column(
                "priority",
                lambda: self.tr("Priority"),
                lambda line: words.task_priority(TaskPriority(line.task.priority)),
            ),
            Column("customer", lambda: self.tr("Customer"), _customer),
            Column(
                "title",
                lambda: self.tr("Follow-up"),
                lambda line: line.task.title,
                tooltip=lambda line: line.task.detail or None,
            ),
            Column(
                "status",
                lambda: self.tr("Status"),
                lambda line: words.task_status(line.task.status),
            ),
            Column(
                "source",
                lambda: self.tr("Source"),
                lambda line: words.task_source(line.task.source),
            ),
            Column(
                "assignee",
                lambda: self.tr("Assignee"),
                lambda line: self.names.get(line.task.assignee, line.task.assignee),
            ),
            Column("outcome", lambda: self.tr("Outcome"), lambda line: line.task.outcome),
        )

    def row_value(self, row: TaskLine) -> str:
        return row.task.id

    def _overdue(self, line: TaskLine) -> QBrush | None:
        t = line.task
        return QBrush(look.level_text("red")) if t.status in OPEN and t.due < self.today else None


def _customer(line: TaskLine) -> str:
    t = line.task
    return f"{line.customer_name} ({t.customer_id})" if line.customer_name else t.customer_id
