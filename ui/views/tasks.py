"""Tasks: the user's follow-ups due today, overdue, upcoming and done.

Create (Ctrl+T), edit (F2), complete with an outcome (Ctrl+D), open the customer
(Enter / double-click). Every change goes through `rm_desk.services.tasks` on the
database thread and is broadcast. `ReminderNotifier` announces tasks that are due
as desktop notifications (the system tray), or through its `reminder` signal for
the status bar where there is no tray (offscreen, some Linux desktops).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskStatus
from rm_desk.domain.permissions import Action
from rm_desk.services import tasks as task_service
from rm_desk.services import team as team_service
from rm_desk.services.changes import Changes
from rm_desk.services.export import ExportRequest, ListKind
from rm_desk.services.session import Session
from rm_desk.services.tasks import TaskLine
from ui import messages, words
from ui.context import AppContext
from ui.models.tasks import TaskTableModel
from ui.views.base import EmptyState, Page, ok_cancel, open_dialog, row_table
from ui.views.export import ExportAction
from ui.views.picker import CustomerPicker

VIEWS = ("today", "overdue", "upcoming", "done")
REMINDER_INTERVAL_MS = 5 * 60 * 1000
LIST_LIMIT = 300  # rows per view; the tab titles give the full counts


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class TaskDialog(QDialog):
    """A new task (customer chosen or given) or the editable fields of an existing one."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: str = "",
        task: FollowUpTask | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task = task
        self.setWindowTitle(self.tr("Edit task") if task else self.tr("New task"))
        self.fixed_customer = task.customer_id if task else customer_id
        self.picker = CustomerPicker(ctx)
        self.title_edit = QLineEdit(task.title if task else "")
        self.title_edit.setAccessibleName(self.tr("Task title"))
        today = ctx.session.clock().astimezone().date()  # the session's day, not the computer's
        self.due = QDateEdit(_qdate(task.due if task else today))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat(words.day_pattern())
        self.due.setAccessibleName(self.tr("Due date"))
        self.priority = QComboBox()
        self.priority.setAccessibleName(self.tr("Priority"))
        for p in TaskPriority:
            self.priority.addItem(words.task_priority(p), int(p))
        self.priority.setCurrentIndex(
            self.priority.findData(int(task.priority if task else TaskPriority.NORMAL))
        )
        self.detail = QPlainTextEdit(task.detail if task else "")
        self.detail.setAccessibleName(self.tr("Details"))
        self.detail.setTabChangesFocus(True)
        self.hand_over = QCheckBox(self.tr("Hand over to the customer's relationship manager"))
        self.hand_over.setAccessibleName(
            self.tr("Give this follow-up to the customer's relationship manager")
        )
        # Branch staff usually hand follow-ups to the customer's RM (SPEC 2.5).
        self.hand_over.setChecked(ctx.session.hands_over_by_default)
        self.hand_over.setEnabled(ctx.session.may(Action.HAND_OVER_TASK))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAccessibleName(self.tr("Problem with the form"))
        buttons = ok_cancel(self, self._check)
        form = QFormLayout(self)
        if self.fixed_customer:
            form.addRow(self.tr("Customer"), QLabel(self.fixed_customer))
            self.picker.hide()
        else:
            form.addRow(self.tr("Customer"), self.picker)
        form.addRow(self.tr("Title"), self.title_edit)
        form.addRow(self.tr("Due"), self.due)
        form.addRow(self.tr("Priority"), self.priority)
        form.addRow(self.tr("Details"), self.detail)
        if task is None:
            form.addRow("", self.hand_over)
        else:
            self.hand_over.hide()
        form.addRow(self.error)
        form.addRow(buttons)

    def customer_id(self) -> str:
        return self.fixed_customer or self.picker.customer_id()

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text().strip(),
            "due": self.due.date().toPython(),
            "priority": TaskPriority(int(self.priority.currentData())),
            "detail": self.detail.toPlainText().strip(),
        }

    def create_job(self) -> Callable[[Session], tuple[FollowUpTask, Changes]]:
        """The service call that creates the task the form describes."""
        cif, v = self.customer_id(), self.values()
        if self.hand_over.isChecked():
            return lambda s: task_service.hand_over(
                s, cif, v["title"], v["due"], priority=v["priority"], detail=v["detail"]
            )
        return lambda s: task_service.create_task(
            s, cif, v["title"], v["due"], priority=v["priority"], detail=v["detail"]
        )

    def changed_values(self) -> dict[str, Any]:
        """For an edit: only the fields that differ from the task."""
        if self.task is None:
            return self.values()
        return {k: v for k, v in self.values().items() if getattr(self.task, k) != v}

    def _check(self) -> None:
        if not self.customer_id():
            self.error.setText(self.tr("Choose the customer first."))
        elif not self.title_edit.text().strip():
            self.error.setText(self.tr("A task needs a title."))
        else:
            self.accept()


class OutcomeDialog(QDialog):
    """Completing a follow-up asks how it ended."""

    def __init__(self, task: FollowUpTask, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.setWindowTitle(self.tr("Complete task"))
        self.outcome = QPlainTextEdit()
        self.outcome.setAccessibleName(self.tr("Outcome of the follow-up"))
        self.outcome.setPlaceholderText(self.tr("What happened? e.g. customer renewed the deposit"))
        self.outcome.setTabChangesFocus(True)
        self.error = QLabel()
        self.error.setAccessibleName(self.tr("Problem with the form"))
        buttons = ok_cancel(self, self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(task.title))
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.outcome.toPlainText().strip()

    def _check(self) -> None:
        if self.text():
            self.accept()
        else:
            self.error.setText(self.tr("Say how the follow-up ended before completing it."))


class TasksPage(Page):
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view = "today"
        self.dialog: QDialog | None = None  # the task or outcome dialog now open
        self.tabs = QTabBar()
        self.tabs.setAccessibleName(self.tr("Which tasks to show"))
        for label in (self.tr("Today"), self.tr("Overdue"), self.tr("Upcoming"), self.tr("Done")):
            self.tabs.addTab(label)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.model = TaskTableModel(self)
        self.table = row_table(self.model, self.tr("Tasks"))
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_customer())
        self.empty = EmptyState(self.table, self._empty_text)
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Number of tasks shown"))

        self.new_button = self._button(self.tr("New task…"), self.tr("Create a task (Ctrl+T)"),
                                       self.new_task)  # fmt: skip
        self.edit_button = self._button(self.tr("Edit…"), self.tr("Edit the selected task (F2)"),
                                        self.edit_selected)  # fmt: skip
        self.complete_button = self._button(
            self.tr("Complete…"), self.tr("Complete the selected task (Ctrl+D)"),
            self.complete_selected,
        )  # fmt: skip
        self.open_button = self._button(
            self.tr("Open customer"), self.tr("Open the customer of the selected task (Enter)"),
            self.open_customer,
        )  # fmt: skip
        self.delete_button = self._button(
            self.tr("Delete…"), self.tr("Delete the selected task (Del)"), self.delete_selected
        )
        for keys, slot in (
            ("Ctrl+T", self.new_task),
            ("F2", self.edit_selected),
            ("Ctrl+D", self.complete_selected),
            ("Return", self.open_customer),
            ("Delete", self.delete_selected),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())

        self.export = ExportAction(
            ctx, self, self.export_request, lambda: self.tr("Tasks"), "tasks"
        )
        bar = QHBoxLayout()
        bar.addWidget(self.tabs)
        bar.addStretch(1)
        for b in (
            self.new_button,
            self.edit_button,
            self.complete_button,
            self.open_button,
            self.delete_button,
            self.export.button,
        ):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self._enable()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(name)
        b.setToolTip(name)
        b.clicked.connect(slot)
        return b

    def title(self) -> str:
        return self.tr("Tasks")

    def _empty_text(self) -> str:
        return {
            "today": self.tr("No tasks due today. Create one with New task… (Ctrl+T)."),
            "overdue": self.tr("No overdue tasks."),
            "upcoming": self.tr("No upcoming tasks. Create one with New task… (Ctrl+T)."),
            "done": self.tr("No completed tasks yet: complete one with Complete… (Ctrl+D)."),
        }.get(self.view, "")

    def concerns(self, changes: Changes) -> bool:
        return changes.tasks

    # --- loading --------------------------------------------------------------------------

    def show_view(self, view: str) -> None:
        """Switch to 'today', 'overdue', 'upcoming' or 'done' and load it."""
        self.tabs.setCurrentIndex(VIEWS.index(view))
        if view == self.view:
            self.reload()

    def export_request(self) -> ExportRequest:
        """The tasks of the tab shown."""
        return ExportRequest(ListKind.TASKS, task_view=self.view)

    def _tab_changed(self, index: int) -> None:
        self.view = VIEWS[index]
        self.reload()

    def reload(self) -> None:
        view = self.view

        def job(session: Session) -> tuple[list[TaskLine], date, dict[str, int]]:
            return (
                task_service.task_lines(session, view, limit=LIST_LIMIT),
                session.clock().astimezone().date(),
                task_service.task_counts(session),
            )

        self.ctx.db(job, lambda result: self._show(view, *result), owner=self)

    def _tab_titles(self, counts: dict[str, int]) -> None:
        titles = (
            self.tr("Today (%1)"),
            self.tr("Overdue (%1)"),
            self.tr("Upcoming (%1)"),
            self.tr("Done (%1)"),
        )
        for i, (view, title) in enumerate(zip(VIEWS, titles, strict=True)):
            self.tabs.setTabText(i, title.replace("%1", self.locale().toString(counts[view])))

    def _show(self, view: str, lines: list[TaskLine], today: date, counts: dict[str, int]) -> None:
        if view != self.view:
            return
        self._tab_titles(counts)
        selected = self.selected()
        self.model.set_lines(lines, today)
        self.table.setColumnHidden(COLUMN_OUTCOME, view != "done")
        self.table.setColumnHidden(COLUMN_ASSIGNEE, True)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        row = self.model.row_of(selected.id) if selected else -1
        if row < 0 and lines:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        total = counts.get(view, len(lines)) if view != "open" else len(lines)
        if total > len(lines):
            self.summary.setText(
                self.tr("Showing the first %1 of %2 tasks")
                .replace("%1", self.locale().toString(len(lines)))
                .replace("%2", self.locale().toString(total))
            )
        else:
            self.summary.setText(self.tr("%n task(s)", "", len(lines)))
        self._enable()
        self.loaded.emit()

    def selected(self) -> FollowUpTask | None:
        return self.model.selected_in(self.table)

    def select_task(self, task_id: str) -> bool:
        return self.model.select_in(self.table, task_id)

    def _enable(self) -> None:
        task = self.selected()
        is_open = task is not None and task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
        may_edit = self._may(task, Action.EDIT_TASK)
        for button in (self.edit_button, self.complete_button):
            button.setEnabled(is_open and may_edit)
            self._explain(button, task is None or may_edit)
        self.open_button.setEnabled(task is not None)
        may_delete = self._may(task, Action.DELETE_TASK)
        self.delete_button.setEnabled(may_delete)
        self._explain(self.delete_button, task is None or may_delete)

    def _may(self, task: FollowUpTask | None, action: Action) -> bool:
        """Whether the user may change (`EDIT_TASK`) or delete (`DELETE_TASK`) the task:
        the rule book's answer (`permissions.may_change_task`)."""
        return task is not None and self.ctx.session.may_change_task(
            task.created_by, task.assignee, action
        )

    @staticmethod
    def _explain(button: QPushButton, allowed: bool) -> None:
        """The button's own tooltip, or why the user may not change the selected task."""
        why = messages.sentence(ErrorCode.TASK_NOT_YOURS, {})
        button.setToolTip(button.accessibleName() if allowed else why)

    # --- actions --------------------------------------------------------------------------

    def open_customer(self) -> None:
        task = self.selected()
        if task is not None:
            self._opened(task)
            self.ctx.open_customer.emit(task.customer_id)

    def _opened(self, task: FollowUpTask) -> None:
        """A follow-up newly assigned to the user is no longer new once opened."""
        task_id = task.id
        self.ctx.write(lambda s: team_service.mark_assignments_opened(s, [task_id]), owner=self)

    def new_task(self, customer_id: str = "") -> TaskDialog:
        dialog = TaskDialog(self.ctx, customer_id=customer_id or "", parent=self)
        dialog.accepted.connect(lambda: self._create(dialog))
        open_dialog(self, "dialog", dialog)
        return dialog

    def _create(self, dialog: TaskDialog) -> None:
        self.ctx.write(dialog.create_job(), lambda result: self._after_write(result[0]), owner=self)

    def edit_selected(self) -> TaskDialog | None:
        task = self.selected()
        if task is None or task.status not in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS):
            return None
        if not self._may(task, Action.EDIT_TASK):
            return None
        self._opened(task)
        dialog = TaskDialog(self.ctx, task=task, parent=self)
        dialog.accepted.connect(lambda: self._edit(task, dialog.changed_values()))
        open_dialog(self, "dialog", dialog)
        return dialog

    def _edit(self, task: FollowUpTask, changes: dict[str, Any]) -> None:
        if not changes:
            return
        task_id = task.id
        self.ctx.write(
            lambda s: task_service.update_task(s, task_id, **changes),
            lambda result: self._after_write(result[0]),
            owner=self,
        )

    def complete_selected(self) -> OutcomeDialog | None:
        task = self.selected()
        if task is None or task.status not in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS):
            return None
        if not self._may(task, Action.EDIT_TASK):
            return None
        dialog = OutcomeDialog(task, self)
        dialog.accepted.connect(lambda: self._complete(task, dialog.text()))
        open_dialog(self, "dialog", dialog)
        return dialog

    def _complete(self, task: FollowUpTask, outcome: str) -> None:
        task_id = task.id
        self.ctx.write(
            lambda s: task_service.complete_task(s, task_id, outcome),
            lambda result: self._after_write(result[0]),
            owner=self,
        )

    def delete_selected(self) -> QMessageBox | None:
        """Ask, then delete the selected task (`tasks.delete_task`; it syncs)."""
        task = self.selected()
        if task is None or not self._may(task, Action.DELETE_TASK):
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete task"),
            self.tr("Delete the task “%1”? This cannot be undone.").replace("%1", task.title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Delete"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Keep"))
        box.buttonClicked.connect(
            lambda button: (
                self._delete(task)
                if box.standardButton(button) == QMessageBox.StandardButton.Yes
                else None
            )
        )
        open_dialog(self, "dialog", box)
        return box

    def _delete(self, task: FollowUpTask) -> None:
        task_id, title = task.id, task.title
        self.ctx.write(
            lambda s: task_service.delete_task(s, task_id),
            lambda _changes: self.summary.setText(self.tr("Deleted: %1").replace("%1", title)),
            owner=self,
        )

    def _after_write(self, task: FollowUpTask) -> None:
        self.summary.setText(self.tr("Saved: %1").replace("%1", task.title))


COLUMN_ASSIGNEE = 6
COLUMN_OUTCOME = 7


class ReminderNotifier(QObject):
    """Announces tasks that are due, once each per session.

    `check()` asks the database thread for the user's tasks due today or overdue and
    shows the new ones as a tray notification when a system tray exists; otherwise
    (or in addition) `reminder` carries the sentence so the window can put it in its
    status bar. The window calls `start()` after unlock; it checks every 5 minutes.
    """

    reminder = Signal(str)
    due = Signal(list)  # the FollowUpTasks announced by the last check

    def __init__(
        self, ctx: AppContext, tray: QSystemTrayIcon | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tray = tray
        self.announced: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(REMINDER_INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.timer.start()
        self.check()

    def stop(self) -> None:
        self.timer.stop()

    def tray_available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def check(self) -> None:
        self.ctx.db(task_service.due_now, self._announce, owner=self)

    def _announce(self, tasks: list[FollowUpTask]) -> None:
        new = [t for t in tasks if t.id not in self.announced]
        self.announced |= {t.id for t in new}
        if not new:
            return
        title = self.tr("RM Desk: %n follow-up(s) due today or overdue this week", "", len(new))
        body = "\n".join(f"{words.day(t.due)}  {t.title}" for t in new[:5])
        if len(new) > 5:
            body += "\n" + self.tr("…and %n more", "", len(new) - 5)
        if self.tray_available():
            if self.tray is None:
                style = QApplication.style()
                icon = QApplication.windowIcon()
                if icon.isNull():
                    icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
                self.tray = QSystemTrayIcon(icon, self)
            if not self.tray.isVisible():
                self.tray.show()
            self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10_000)
        self.reminder.emit(title)
        self.due.emit(new)
