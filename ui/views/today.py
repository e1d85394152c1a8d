"""Today: what the RM should do first when the day starts.

The work queue (overdue, due today and upcoming follow-ups, with how many wait in
each), red-flagged customers not contacted for 30 days, and unfinished notes
(drafts). In the queue the user opens the customer (double-click or Enter),
completes a follow-up with its outcome or snoozes it, in place; follow-ups newly
assigned to the user are bold and marked new until opened. What belongs here is
decided by `rm_desk.services.today`; this page only paints it, and every read and
write runs on the database thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskStatus
from rm_desk.services import tasks as task_service
from rm_desk.services import team as team_service
from rm_desk.services.changes import Changes
from rm_desk.services.today import UPCOMING_DAYS, QueueRow, QueueState, TodayData, load_today
from ui import words
from ui.context import AppContext
from ui.models.today import TodayQueueModel, TodayQueueProxy
from ui.views.base import Page, ok_cancel, open_dialog, push_button, row_table
from ui.views.tasks import OutcomeDialog

COLUMN_DUE = 1
COLUMN_PRIORITY = 3
SNOOZE_DAYS = (1, 3, 7)


def _as_task(row: QueueRow) -> FollowUpTask:
    """The little of a follow-up the outcome dialog shows (its title)."""
    return FollowUpTask(row.task_id, row.customer_id, row.reason, row.due,
                        TaskPriority(row.priority), "", "", row.kind, TaskStatus.OPEN)  # fmt: skip


class SnoozeDialog(QDialog):
    """Snooze to a day the user picks (after today)."""

    def __init__(self, row: QueueRow, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Snooze follow-up"))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName(self.tr("Snooze until"))
        self.day.setDisplayFormat(words.day_pattern())
        tomorrow = today + timedelta(days=1)
        self.day.setMinimumDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        start = max(row.due, today) + timedelta(days=1)
        self.day.setDate(QDate(start.year, start.month, start.day))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(row.reason))
        layout.addWidget(self.day)
        layout.addWidget(ok_cancel(self))

    def value(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())


class TodayPage(Page):
    loaded = Signal()
    resume_draft = Signal(str)  # draft id

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.today = date.min  # set by each load (the session's clock, never the wall's)
        self.heading = QLabel()
        self.heading.setObjectName("pageHeading")
        queue_box = self._build_queue()
        self.at_risk = self._list(self.tr("Red flags not contacted for 30 days"))
        self.drafts = self._list(self.tr("Unfinished notes"))
        self.boxes: dict[str, QGroupBox] = {"queue": queue_box}
        lower = QWidget()
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        for key, title, widget in (
            ("at_risk", self.tr("At risk, not contacted for 30 days"), self.at_risk),
            ("drafts", self.tr("Unfinished notes"), self.drafts),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            self.boxes[key] = box
            lower_layout.addWidget(box)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(queue_box)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)
        self._counts: dict[QueueState, int] = {}
        self._enable()

    def _build_queue(self) -> QGroupBox:
        """The queue's table (or its empty-state sentence), filters and actions."""
        self.model = TodayQueueModel(self)
        self.proxy = TodayQueueProxy(self.model, self)
        self.table = row_table(self.proxy, self.tr("Follow-ups to do"))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the queue's own order
        header = self.table.horizontalHeader()
        # Columns sized once, from the first rows, when the queue first has rows (the
        # user may widen them after): re-measuring on every reload held the GUI thread
        # 120-150 ms at 500 rows, against about 40 ms without.
        header.setStretchLastSection(True)
        self._sized = False
        header.setSortIndicatorClearable(True)
        header.setResizeContentsPrecision(50)
        self.table.activated.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setProperty("role", "empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.filters = QButtonGroup(self)
        self.filters.setExclusive(True)
        self.filter_buttons: dict[QueueState | None, QPushButton] = {}
        filter_bar = QHBoxLayout()
        for state in (None, *QueueState):
            button = QPushButton()
            button.setCheckable(True)
            button.setChecked(state is None)
            button.clicked.connect(lambda _c=False, s=state: self.show_state(s))
            self.filters.addButton(button)
            self.filter_buttons[state] = button
            filter_bar.addWidget(button)
        filter_bar.addStretch(1)
        self.open_button = push_button(
            self.tr("Open customer"), self.tr("Open the customer"), self.open_selected
        )
        self.complete_button = push_button(
            self.tr("Complete…"), self.tr("Complete with an outcome"), self.complete_selected
        )
        self.snooze_button = self._build_snooze()
        for button in (self.open_button, self.complete_button, self.snooze_button):
            filter_bar.addWidget(button)
        self.summary = QLabel()  # how many are shown of how many
        self.said = QLabel()  # what the last action did
        queue_box = QGroupBox(self.tr("Follow-ups"))
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.addLayout(filter_bar)
        queue_layout.addWidget(self.stack, 1)
        notes = QHBoxLayout()
        notes.addWidget(self.said, 1)
        notes.addWidget(self.summary)
        queue_layout.addLayout(notes)
        return queue_box

    def _build_snooze(self) -> QPushButton:
        """Snooze: by 1 day, 3 days, a week, or to a picked date."""
        self.snooze_button = QPushButton(self.tr("Snooze"))
        self.snooze_button.setAccessibleName(self.tr("Snooze the follow-up"))
        self.snooze_menu = QMenu(self.snooze_button)
        self.snooze_actions: dict[int, QAction] = {}
        for days, text in zip(
            SNOOZE_DAYS, (self.tr("1 day"), self.tr("3 days"), self.tr("1 week")), strict=True
        ):
            action = self.snooze_menu.addAction(text)
            action.triggered.connect(self._snoozer(days))
            self.snooze_actions[days] = action
        self.snooze_menu.addAction(self.tr("Pick a date…"), self.pick_snooze_date)
        self.snooze_button.setMenu(self.snooze_menu)
        return self.snooze_button

    def _snoozer(self, days: int) -> Callable[[], None]:
        return lambda: self.snooze_selected(days=days)

    def title(self) -> str:
        return self.tr("Today")

    def _list(self, name: str) -> QListWidget:
        widget = QListWidget()
        widget.setAccessibleName(name)
        widget.itemActivated.connect(self._activated)
        return widget

    def concerns(self, changes: Changes) -> bool:
        return changes.tasks or changes.drafts or changes.churn or changes.interactions

    def reload(self) -> None:
        self.ctx.db(load_today, self._show, owner=self)

    # --- painting ---------------------------------------------------------------------

    def _show(self, data: TodayData) -> None:
        locale = self.locale()
        self.today = data.today
        self.heading.setText(
            self.tr("Today, %1").replace(
                "%1", locale.toString(QDate(data.today), locale.FormatType.LongFormat)
            )
        )
        kept = self.selected()
        self.model.set_rows(data.queue.rows)
        if not self._sized and data.queue.rows:
            self.table.resizeColumnsToContents()
            self._sized = True
        self._counts = dict(data.queue.counts)
        self._filter_titles(data.queue.total)
        self._paint_state()
        if kept is not None:
            self.proxy.select_in(self.table, kept.task_id)
        shown = len(data.queue.rows)
        self.summary.setText(
            self.tr("Showing the first %1 of %2 follow-ups.")
            .replace("%1", locale.toString(shown))
            .replace("%2", locale.toString(data.queue.total))
            if shown < data.queue.total
            else ""
        )
        self.boxes["at_risk"].setTitle(
            self.tr("At risk, not contacted for 30 days (%n)", "", data.at_risk_total)
        )
        self.at_risk.clear()
        for row in data.at_risk:
            item = QListWidgetItem(f"{row.name}   {row.cif}   {words.money(row.aum_fen)}")
            item.setData(Qt.ItemDataRole.UserRole, ("customer", row.cif))
            self.at_risk.addItem(item)
        self.drafts.clear()
        for draft in data.drafts:
            subject = str(draft.fields.get("subject") or draft.fields.get("note") or "")[:40]
            when = words.moment(draft.updated_at)
            item = QListWidgetItem(f"{when}   {draft.customer_id or ''}   {subject}")
            item.setData(Qt.ItemDataRole.UserRole, ("draft", draft.id))
            self.drafts.addItem(item)
        if not data.at_risk:
            self._say_empty(
                self.at_risk,
                self.tr("No customer at risk has gone 30 days without contact."),
            )
        if not data.drafts:
            self._say_empty(
                self.drafts,
                self.tr("No unfinished notes: a note closed with Keep as draft waits here."),
            )
        self.boxes["drafts"].setTitle(self.tr("Unfinished notes (%n)", "", len(data.drafts)))
        self._enable()
        self.loaded.emit()

    def _filter_titles(self, total: int) -> None:
        counts = self._counts
        titles = {
            None: self.tr("All (%n)", "", total),
            QueueState.OVERDUE: self.tr("Overdue (%n)", "", counts.get(QueueState.OVERDUE, 0)),
            QueueState.DUE: self.tr("Due today (%n)", "", counts.get(QueueState.DUE, 0)),
            QueueState.UPCOMING: self.tr(
                "Upcoming, next %1 days (%n)", "", counts.get(QueueState.UPCOMING, 0)
            ).replace("%1", self.locale().toString(UPCOMING_DAYS)),
        }
        for state, button in self.filter_buttons.items():
            button.setText(titles[state])

    def show_state(self, state: QueueState | None) -> None:
        """List one state of the queue (None: all of it)."""
        self.filter_buttons[state].setChecked(True)
        self.proxy.show_state(state)
        self._paint_state()
        self._enable()

    def _paint_state(self) -> None:
        empty = self.proxy.rowCount() == 0
        if empty:
            self.empty.setText(
                {
                    None: self.tr("Nothing due — you're up to date."),
                    QueueState.OVERDUE: self.tr("Nothing overdue — well done."),
                    QueueState.DUE: self.tr("Nothing due today."),
                    QueueState.UPCOMING: self.tr("Nothing due in the next %1 days.").replace(
                        "%1", self.locale().toString(UPCOMING_DAYS)
                    ),
                }[self.proxy.state]
            )
        self.stack.setCurrentWidget(self.empty if empty else self.table)

    def _enable(self) -> None:
        chosen = self.selected() is not None
        for button in (self.open_button, self.complete_button, self.snooze_button):
            button.setEnabled(chosen)

    # --- actions ----------------------------------------------------------------------

    def selected(self) -> QueueRow | None:
        return self.proxy.selected_in(self.table)

    def select_task(self, task_id: str) -> bool:
        return self.proxy.select_in(self.table, task_id)

    def open_selected(self) -> None:
        """Open the selected follow-up's customer; a new assignment stops being new."""
        row = self.selected()
        if row is None:
            return
        if row.is_new:
            task_id = row.task_id
            self.model.mark_opened(task_id)
            self.ctx.write(lambda s: team_service.mark_assignments_opened(s, [task_id]), owner=self)
        self.ctx.open_customer.emit(row.customer_id)

    def complete_selected(self) -> OutcomeDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = OutcomeDialog(_as_task(row), self)
        dialog.accepted.connect(lambda: self._complete(row, dialog.text()))
        open_dialog(self, "dialog", dialog)
        return dialog

    def _complete(self, row: QueueRow, outcome: str) -> None:
        task_id, reason = row.task_id, row.reason
        self._write(
            lambda s: task_service.complete_task(s, task_id, outcome),
            self.tr("Completed: %1").replace("%1", reason),
        )

    def snooze_selected(self, *, days: int | None = None, until: date | None = None) -> None:
        """Put the selected follow-up off by `days` from today (or to `until`)."""
        row = self.selected()
        if row is None:
            return
        day = until or self.today + timedelta(days=days or 1)
        task_id, reason = row.task_id, row.reason
        self._write(
            lambda s: task_service.snooze_task(s, task_id, day),
            self.tr("Snoozed to %1: %2").replace("%1", words.day(day)).replace("%2", reason),
        )

    def pick_snooze_date(self) -> SnoozeDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = SnoozeDialog(row, self.today, self)
        dialog.accepted.connect(lambda: self.snooze_selected(until=dialog.value()))
        open_dialog(self, "dialog", dialog)
        return dialog

    def _write(self, job: Callable[..., tuple[FollowUpTask, Changes]], said: str) -> None:
        self.ctx.write(job, lambda _result: self.said.setText(said), owner=self)

    @staticmethod
    def _say_empty(widget: QListWidget, text: str) -> None:
        """The list's empty state: one greyed line that cannot be chosen or opened."""
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        if item.data(Qt.ItemDataRole.UserRole) is None:
            return  # the empty-state line
        kind, key = item.data(Qt.ItemDataRole.UserRole)
        if kind == "customer":
            self.ctx.open_customer.emit(key)
        else:
            self.resume_draft.emit(key)
