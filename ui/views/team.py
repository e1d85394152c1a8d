"""Team (managers): workload and risk per RM, and assigning follow-ups.

The upper table has one line per RM: customers, open, overdue and due-today tasks,
red and amber customers, contacts logged in the last 7 days, with a chart of open
and overdue follow-ups per RM. Selecting an RM shows their follow-ups (all open, or
overdue only) and their at-risk customers; a follow-up can be reassigned to another
member of the team (Ctrl+R) or a new one given to the selected RM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pyqtgraph as pg
from PySide6.QtCore import (
    QLocale,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.book import BookRow
from rm_desk.domain.model import ChurnLevel, FollowUpTask, TaskStatus
from rm_desk.domain.permissions import Action
from rm_desk.services import team as team_service
from rm_desk.services.changes import Changes
from rm_desk.services.export import ExportRequest, ListKind
from rm_desk.services.session import Session
from rm_desk.services.tasks import TaskLine
from rm_desk.services.team import RmWorkload
from ui import words
from ui.context import AppContext
from ui.models.book import CHURN_COLOURS
from ui.models.rows import Column, ColumnsModel
from ui.models.tasks import TaskTableModel, date_text
from ui.views.base import Page, ok_cancel, open_dialog, push_button, row_table
from ui.views.export import ExportAction
from ui.views.tasks import LIST_LIMIT, TaskDialog


def _count(value: int) -> str:
    return QLocale().toString(value)


class TeamModel(ColumnsModel[RmWorkload]):
    """One line per RM of the team."""

    def rm(self, row: int) -> str | None:
        w = self.row(row)
        return w.rm if w is not None else None

    def column_specs(self) -> tuple[Column[RmWorkload], ...]:
        def figure(
            key: str,
            title: Callable[[], str],
            value: Callable[[RmWorkload], int],
            foreground: Callable[[RmWorkload], QBrush | None] | None = None,
        ) -> Column[RmWorkload]:
            return Column(key, title, lambda w: _count(value(w)), value, True, None, foreground)

        red = QBrush(CHURN_COLOURS[ChurnLevel.RED])
        return (
            Column("rm", lambda: self.tr("Relationship manager"), lambda w: w.rm, lambda w: w.rm),
            figure("customers", lambda: self.tr("Customers"), lambda w: w.customers),
            figure("open", lambda: self.tr("Open follow-ups"), lambda w: w.open_tasks),
            figure(
                "overdue",
                lambda: self.tr("Overdue"),
                lambda w: w.overdue_tasks,
                foreground=lambda w: red if w.overdue_tasks else None,
            ),
            figure("today", lambda: self.tr("Due today"), lambda w: w.due_today),
            figure("red", lambda: self.tr("Red"), lambda w: w.red),
            figure("amber", lambda: self.tr("Amber"), lambda w: w.amber),
            figure("contacts", lambda: self.tr("Contacts, last 7 days"), lambda w: w.contacts_7d),
        )


class AtRiskModel(ColumnsModel[BookRow]):
    """An RM's red and amber customers, highest score first."""

    def column_specs(self) -> tuple[Column[BookRow], ...]:
        return (
            Column("name", lambda: self.tr("Name"), lambda r: r.name),
            Column("cif", lambda: self.tr("CIF"), lambda r: r.cif),
            Column(
                "churn",
                lambda: self.tr("Churn risk"),
                lambda r: words.churn_level(r.churn_level) if r.churn_level else "",
                foreground=lambda r: (
                    QBrush(CHURN_COLOURS[r.churn_level]) if r.churn_level else None
                ),
            ),
            Column(
                "score",
                lambda: self.tr("Score"),
                lambda r: "" if r.churn_score is None else words.percent(r.churn_score),
            ),
            Column("aum", lambda: self.tr("AUM"), lambda r: words.money(r.aum_fen)),
            Column(
                "last_contact",
                lambda: self.tr("Last contact"),
                lambda r: (
                    date_text(date.fromisoformat(r.last_contact_at[:10]))
                    if r.last_contact_at
                    else ""
                ),
            ),
        )

    def row_value(self, row: BookRow) -> str:
        return row.cif


class ReassignDialog(QDialog):
    """Choose who takes over a follow-up."""

    def __init__(self, task: FollowUpTask, members: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.task = task
        self.setWindowTitle(self.tr("Reassign follow-up"))
        self.assignee = QComboBox()
        self.assignee.setAccessibleName(self.tr("New assignee"))
        for m in members:
            if m != task.assignee:
                self.assignee.addItem(m, m)
        buttons = ok_cancel(self)
        form = QFormLayout(self)
        form.addRow(self.tr("Follow-up"), QLabel(task.title))
        form.addRow(self.tr("Now with"), QLabel(task.assignee))
        form.addRow(self.tr("Give to"), self.assignee)
        form.addRow(buttons)

    def chosen(self) -> str:
        value = self.assignee.currentData()
        return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class RmDetail:
    rm: str
    tasks: list[TaskLine]
    at_risk: list[BookRow]
    today: date


class TeamPage(Page):
    loaded = Signal()  # summary and the selected RM's detail are painted
    rm_loaded = Signal(str)  # an RM's follow-ups and at-risk customers are painted
    reassigned = Signal(object)  # the FollowUpTask given to someone (reassigned or new)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(ctx, parent)
        self.members: list[str] = []
        self.current_rm: str | None = None
        self.dialog: QDialog | None = None
        self._announce = False

        self.team = TeamModel(self)
        self.team_table = row_table(self.team, self.tr("Team workload per relationship manager"))
        self.team_table.selectionModel().currentRowChanged.connect(self._rm_selected)

        self.chart = pg.PlotWidget(background="w")
        self.chart.setAccessibleName(self.tr("Open and overdue follow-ups per RM"))
        self.chart.setMinimumHeight(160)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.addLegend(offset=(10, 5))
        self.open_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush="#90caf9",
                                         name=self.tr("Open"))  # fmt: skip
        self.overdue_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush="#e57373",
                                            name=self.tr("Overdue"))  # fmt: skip
        self.chart.addItem(self.open_bars)
        self.chart.addItem(self.overdue_bars)

        self.rm_title = QLabel()
        self.rm_title.setAccessibleName(self.tr("Selected relationship manager"))
        self.overdue_only = QCheckBox(self.tr("Overdue only"))
        self.overdue_only.setAccessibleName(self.tr("Show only overdue follow-ups"))
        self.overdue_only.toggled.connect(lambda _c: self._load_rm())
        self.tasks = TaskTableModel(self)
        self.tasks_table = row_table(self.tasks, self.tr("Follow-ups of the selected RM"))
        self.tasks_table.setColumnHidden(7, True)  # outcome
        self.tasks_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.tasks_table.doubleClicked.connect(self._open_task_customer)
        self.at_risk = AtRiskModel(self)
        self.risk_table = row_table(
            self.at_risk, self.tr("At-risk customers of the selected RM"), single=False
        )
        self.risk_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.risk_table.doubleClicked.connect(self._open_risk_customer)

        self.reassign_button = push_button(
            self.tr("Reassign…"),
            self.tr("Reassign the selected follow-up (Ctrl+R)"),
            self.reassign_selected,
        )
        self.assign_button = push_button(
            self.tr("New follow-up…"),
            self.tr("Give a new follow-up to the selected RM"),
            self.assign_new,
        )
        self.assign_button.setEnabled(ctx.session.may(Action.ASSIGN_TASK))
        shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.reassign_selected)

        self.export = ExportAction(
            ctx, self, lambda: ExportRequest(ListKind.TEAM), lambda: self.tr("Team"), "team"
        )
        bar = QHBoxLayout()
        bar.addWidget(self.rm_title, 1)
        bar.addWidget(self.overdue_only)
        bar.addWidget(self.reassign_button)
        bar.addWidget(self.assign_button)
        bar.addWidget(self.export.button)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(self.tasks_table, self.tr("Follow-ups"))
        self.detail_tabs.addTab(self.risk_table, self.tr("At-risk customers"))
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(bar)
        detail_layout.addWidget(self.detail_tabs, 1)
        upper = QSplitter()
        upper.addWidget(self.team_table)
        upper.addWidget(self.chart)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        upper.setSizes([780, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def title(self) -> str:
        return self.tr("Team")

    def concerns(self, changes: Changes) -> bool:
        return changes.tasks or changes.churn or changes.book or changes.interactions

    # --- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        def job(session: Session) -> tuple[list[RmWorkload], list[str]]:
            return team_service.team_summary(session), team_service.team_members(session)

        self._announce = True
        self.ctx.db(job, self._show_summary, owner=self)

    def _show_summary(self, result: tuple[list[RmWorkload], list[str]]) -> None:
        rows, self.members = result
        keep = self.current_rm
        self.team.set_rows(rows)
        self.team_table.resizeColumnsToContents()
        xs = list(range(len(rows)))
        self.open_bars.setOpts(x=[x - 0.18 for x in xs], height=[r.open_tasks for r in rows])
        self.overdue_bars.setOpts(x=[x + 0.18 for x in xs], height=[r.overdue_tasks for r in rows])
        self.chart.getAxis("bottom").setTicks([[(x, r.rm) for x, r in zip(xs, rows, strict=True)]])
        self.chart.enableAutoRange()
        names = [r.rm for r in rows]
        row = names.index(keep) if keep in names else (0 if rows else -1)
        if row < 0:
            self._finish_load()
            return
        if self.team_table.currentIndex().row() == row and keep == names[row]:
            self._load_rm()
        else:
            self.team_table.selectRow(row)  # -> _rm_selected -> _load_rm

    def _rm_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rm = self.team.rm(current.row()) if current.isValid() else None
        if rm is not None:
            self.select_rm(rm)

    def select_rm(self, rm: str) -> None:
        """Show this RM's follow-ups and at-risk customers."""
        self.current_rm = rm
        names = [r.rm for r in self.team.rows]
        if rm in names and self.team_table.currentIndex().row() != names.index(rm):
            self.team_table.selectRow(names.index(rm))
            return
        self._load_rm()

    def _load_rm(self) -> None:
        rm = self.current_rm
        if rm is None:
            return
        view = "overdue" if self.overdue_only.isChecked() else "open"

        def job(session: Session) -> RmDetail:
            return RmDetail(
                rm,
                team_service.team_tasks(session, rm, view, limit=LIST_LIMIT),
                team_service.at_risk_customers(session, rm),
                session.clock().astimezone().date(),
            )

        self.ctx.db(job, self._show_rm, owner=self)

    def _show_rm(self, detail: RmDetail) -> None:
        if detail.rm != self.current_rm:
            return
        selected = self.selected_task()
        self.rm_title.setText(
            self.tr("%1: %2 follow-up(s), %3 at-risk customer(s)")
            .replace("%1", detail.rm)
            .replace("%2", str(len(detail.tasks)))
            .replace("%3", str(len(detail.at_risk)))
        )
        self.tasks.set_lines(detail.tasks, detail.today)
        self.tasks_table.resizeColumnsToContents()
        self.tasks_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        row = self.tasks.row_of(selected.id) if selected else -1
        if row < 0 and detail.tasks:
            row = 0
        if row >= 0:
            self.tasks_table.selectRow(row)
        self.at_risk.set_rows(detail.at_risk)
        self.reassign_button.setEnabled(
            bool(detail.tasks) and self.ctx.session.may(Action.REASSIGN_TASK)
        )
        self.rm_loaded.emit(detail.rm)
        self._finish_load()

    def _finish_load(self) -> None:
        if self._announce:
            self._announce = False
            self.loaded.emit()

    # --- actions --------------------------------------------------------------------------

    def selected_task(self) -> FollowUpTask | None:
        return self.tasks.selected_in(self.tasks_table)

    def select_task(self, task_id: str) -> bool:
        return self.tasks.select_in(self.tasks_table, task_id)

    def reassign_selected(self) -> ReassignDialog | None:
        task = self.selected_task()
        if task is None or task.status not in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS):
            return None
        dialog = ReassignDialog(task, self.members, self)
        dialog.accepted.connect(lambda: self.reassign(task.id, dialog.chosen()))
        open_dialog(self, "dialog", dialog)
        return dialog

    def reassign(self, task_id: str, assignee: str) -> None:
        if not assignee:
            return
        self.ctx.write(
            lambda s: team_service.reassign_task(s, task_id, assignee),
            lambda result: self.reassigned.emit(result[0]),
            owner=self,
        )

    def assign_new(self) -> TaskDialog | None:
        rm = self.current_rm
        if rm is None:
            return None
        dialog = TaskDialog(self.ctx, parent=self)
        dialog.setWindowTitle(self.tr("New follow-up for %1").replace("%1", rm))

        def create() -> None:
            cif, v = dialog.customer_id(), dialog.values()
            self.ctx.write(
                lambda s: team_service.assign_new_task(s, cif, v["title"], v["due"], rm),
                lambda result: self.reassigned.emit(result[0]),
                owner=self,
            )

        dialog.accepted.connect(create)
        open_dialog(self, "dialog", dialog)
        return dialog

    def _open_task_customer(self, index: QModelIndex) -> None:
        task = self.tasks.task(index.row())
        if task is not None:
            self.ctx.open_customer.emit(task.customer_id)

    def _open_risk_customer(self, index: QModelIndex) -> None:
        cif = self.at_risk.data(self.at_risk.index(index.row(), 0), Qt.ItemDataRole.UserRole)
        if isinstance(cif, str):
            self.ctx.open_customer.emit(cif)
