"""Team (managers): the team dashboard, and assigning follow-ups.

The table has one line per RM, by name: customers, open, overdue and due-today
follow-ups, red and amber customers and the AUM at risk, visits and calls logged this
week and this month, and when the RM's device last synced (the gateway reports it).
Beside it, charts of open and overdue follow-ups and of AUM at risk per RM. Every
figure is a SQL count; clicking it (or moving to it with the keyboard) lists what it
counts below, under the same count; so does clicking a bar of a chart. A follow-up
of the list can be reassigned to another member of the team (Ctrl+R), or a new one
given to the selected RM. A manager with no team sees a sentence that says so
instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

import pyqtgraph as pg
from PySide6.QtCore import QLocale, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.book import BookRow
from rm_desk.domain.model import ChurnLevel, FollowUpTask, Interaction, TaskStatus
from rm_desk.domain.permissions import Action
from rm_desk.domain.team import FigureList as Listed
from rm_desk.domain.team import TeamFigure
from rm_desk.services import team as team_service
from rm_desk.services.changes import Changes
from rm_desk.services.export import ExportRequest, ListKind
from rm_desk.services.session import Session
from rm_desk.services.team import FigureList, RmWorkload
from ui import charts, words
from ui.context import AppContext
from ui.models.book import churn_colour
from ui.models.rows import Column, ColumnsModel
from ui.models.tasks import TaskTableModel
from ui.views.base import Page, ok_cancel, open_dialog, push_button, row_table
from ui.views.export import ExportAction
from ui.views.tasks import TaskDialog


def _count(value: int) -> str:
    return QLocale().toString(value)


F = TeamFigure
# The figure a column drills down to (None: the column is no figure).
FIGURE_OF_COLUMN: dict[str, TeamFigure | None] = {
    "rm": None,
    "customers": F.CUSTOMERS,
    "open": F.OPEN,
    "overdue": F.OVERDUE,
    "today": F.DUE_TODAY,
    "red": F.RED,
    "amber": F.AMBER,
    "aum_at_risk": F.AT_RISK,
    "visits_week": F.VISITS_WEEK,
    "calls_week": F.CALLS_WEEK,
    "visits_month": F.VISITS_MONTH,
    "calls_month": F.CALLS_MONTH,
    "last_sync": None,
}


class TeamModel(ColumnsModel[RmWorkload]):
    """One line per RM of the team, sortable by any column (its UserRole value)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.now: datetime | None = None  # the session's clock, for "synced 2 hours ago"

    def rm(self, row: int) -> str | None:
        w = self.row(row)
        return w.rm if w is not None else None

    def row_of(self, rm: str) -> int:
        return next((i for i, w in enumerate(self.rows) if w.rm == rm), -1)

    def figure_title(self, figure: TeamFigure) -> str:
        """The figure's name in full (its header's tooltip where the header is short)."""
        key = next(k for k, f in FIGURE_OF_COLUMN.items() if f is figure)
        return self.header_tip(key) or self.header(key)

    def column_specs(self) -> tuple[Column[RmWorkload], ...]:
        def figure(
            key: str,
            title: Callable[[], str],
            foreground: Callable[[RmWorkload], QBrush | None] | None = None,
            tip: Callable[[], str] | None = None,
        ) -> Column[RmWorkload]:
            f = FIGURE_OF_COLUMN[key] or F.CUSTOMERS  # every figure column names one
            return Column(key, title, lambda w: _count(w[f]), lambda w: w[f], True, None,
                          foreground, tip)  # fmt: skip

        red = QBrush(churn_colour(ChurnLevel.RED))
        return (
            Column(
                "rm",
                lambda: self.tr("RM"),
                lambda w: w.name,
                lambda w: w.name,
                tooltip=lambda w: w.rm,
            ),  # fmt: skip
            figure("customers", lambda: self.tr("Customers")),
            figure("open", lambda: self.tr("Open"), tip=lambda: self.tr("Open follow-ups")),
            figure(
                "overdue",
                lambda: self.tr("Overdue"),
                foreground=lambda w: red if w.overdue_tasks else None,
            ),  # fmt: skip
            figure("today", lambda: self.tr("Due today")),
            figure("red", lambda: self.tr("Red")),
            figure("amber", lambda: self.tr("Amber")),
            Column(
                "aum_at_risk",
                lambda: self.tr("AUM at risk"),
                lambda w: words.money(w.aum_at_risk_fen),
                lambda w: w.aum_at_risk_fen,
                True,
            ),
            figure(
                "visits_week",
                lambda: self.tr("Visits (wk)"),
                tip=lambda: self.tr("Visits this week"),
            ),
            figure(
                "calls_week", lambda: self.tr("Calls (wk)"), tip=lambda: self.tr("Calls this week")
            ),
            figure(
                "visits_month",
                lambda: self.tr("Visits (mo)"),
                tip=lambda: self.tr("Visits this month"),
            ),
            figure(
                "calls_month",
                lambda: self.tr("Calls (mo)"),
                tip=lambda: self.tr("Calls this month"),
            ),  # fmt: skip
            Column(
                "last_sync",
                lambda: self.tr("Synced"),
                lambda w: self._synced(w.last_synced_at),
                lambda w: w.last_synced_at.timestamp() if w.last_synced_at else 0.0,
                tooltip=lambda w: words.moment(w.last_synced_at) if w.last_synced_at else None,
                title_tip=lambda: self.tr("When the RM's device last synced"),
            ),
        )

    def _synced(self, at: datetime | None) -> str:
        if at is None:
            return self.tr("Never")
        return words.ago(at, self.now) if self.now is not None else words.moment(at)

    def show_times(self, now: datetime) -> None:
        """The last syncs relative to `now` again."""
        self.now = now
        if self.rows:
            column = self.columns.index("last_sync")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def set_rows(self, rows: Iterable[RmWorkload]) -> None:
        super().set_rows(rows)
        if self._sort is not None:
            self.sort(*self._sort)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort = (column, order)
        key = self.columns[column]
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(
            key=lambda w: (self.cell(w, key, Qt.ItemDataRole.UserRole), w.name, w.rm),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self.layoutChanged.emit()


class AtRiskModel(ColumnsModel[BookRow]):
    """Customers behind a figure (an RM's book, red or amber ones), highest score first."""

    def column_specs(self) -> tuple[Column[BookRow], ...]:
        return (
            Column("name", lambda: self.tr("Name"), lambda r: r.name),
            Column("cif", lambda: self.tr("CIF"), lambda r: r.cif),
            Column(
                "churn",
                lambda: self.tr("Churn risk"),
                lambda r: words.churn_level(r.churn_level) if r.churn_level else "",
                foreground=lambda r: QBrush(churn_colour(r.churn_level)) if r.churn_level else None,
            ),
            Column(
                "score",
                lambda: self.tr("Score"),
                lambda r: "" if r.churn_score is None else words.percent(r.churn_score),
            ),
            Column("aum", lambda: self.tr("AUM"), lambda r: words.money(r.aum_fen), figure=True),
            Column(
                "last_contact",
                lambda: self.tr("Last contact"),
                lambda r: words.day_iso(r.last_contact_at),
            ),
        )

    def row_value(self, row: BookRow) -> str:
        return row.cif


ContactLine = tuple[Interaction, str]


class ContactModel(ColumnsModel[ContactLine]):
    """Visits or calls behind a figure, latest first."""

    def column_specs(self) -> tuple[Column[ContactLine], ...]:
        return (
            Column("when", lambda: self.tr("When"), lambda c: words.moment(c[0].occurred_at)),
            Column("kind", lambda: self.tr("Kind"), lambda c: words.interaction_kind(c[0].kind)),
            Column("customer", lambda: self.tr("Customer"), lambda c: c[1]),
            Column("subject", lambda: self.tr("Subject"), lambda c: c[0].subject),
        )

    def row_value(self, row: ContactLine) -> str:
        return row[0].customer_id


class ReassignDialog(QDialog):
    """Choose who takes over a follow-up."""

    def __init__(
        self,
        task: FollowUpTask,
        members: list[str],
        parent: QWidget | None = None,
        names: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.task = task
        names = names or {}
        self.setWindowTitle(self.tr("Reassign follow-up"))
        self.assignee = QComboBox()
        self.assignee.setAccessibleName(self.tr("New assignee"))
        for m in members:
            if m != task.assignee:
                self.assignee.addItem(names.get(m, m), m)
        buttons = ok_cancel(self)
        form = QFormLayout(self)
        form.addRow(self.tr("Follow-up"), QLabel(task.title))
        form.addRow(self.tr("Now with"), QLabel(names.get(task.assignee, task.assignee)))
        form.addRow(self.tr("Give to"), self.assignee)
        form.addRow(buttons)

    def chosen(self) -> str:
        value = self.assignee.currentData()
        return value if isinstance(value, str) else ""


def _bar_chart(name: str) -> pg.PlotWidget:
    return charts.plot(name, 150)


class TeamPage(Page):
    loaded = Signal()  # the dashboard and the selected figure's list are painted
    rm_loaded = Signal(str)  # the list behind one of an RM's figures is painted
    reassigned = Signal(object)  # the FollowUpTask given to someone (reassigned or new)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(ctx, parent)
        self.members: list[str] = []
        self.names: dict[str, str] = {}
        self.current_rm: str | None = None
        self.current_figure: TeamFigure = F.OPEN
        self.detail: FigureList | None = None
        self.dialog: QDialog | None = None
        self._announce = False

        self.team = TeamModel(self)
        self.team_table = row_table(self.team, self.tr("Team workload per relationship manager"))
        self.team_table.setSelectionBehavior(self.team_table.SelectionBehavior.SelectItems)
        self.team_table.setSortingEnabled(True)
        self.team_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.team_table.selectionModel().currentChanged.connect(self._cell_selected)

        self.chart = _bar_chart(self.tr("Open and overdue follow-ups per RM"))
        charts.title(self.chart, self.tr("Open and overdue follow-ups"))
        charts.legend(self.chart)
        self.open_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush="#90caf9",
                                         name=self.tr("Open"))  # fmt: skip
        self.overdue_bars = pg.BarGraphItem(x=[], height=[], width=0.35, brush="#e57373",
                                            name=self.tr("Overdue"))  # fmt: skip
        self.chart.addItem(self.open_bars)
        self.chart.addItem(self.overdue_bars)
        self.risk_chart = _bar_chart(self.tr("AUM at risk per RM"))
        charts.title(self.risk_chart, self.tr("AUM at risk (¥10,000)"))
        self.risk_bars = pg.BarGraphItem(x=[], height=[], width=0.5, brush="#ffb74d")
        self.risk_chart.addItem(self.risk_bars)
        for chart in (self.chart, self.risk_chart):
            chart.scene().sigMouseClicked.connect(
                lambda event, c=chart: self.bar_clicked(
                    c, c.getPlotItem().vb.mapSceneToView(event.scenePos()).x()
                )
            )

        self.rm_title = QLabel()
        self.rm_title.setAccessibleName(self.tr("The list behind the selected figure"))
        self.tasks = TaskTableModel(self)
        self.tasks_table = row_table(self.tasks, self.tr("Follow-ups behind the figure"))
        self.tasks_table.setColumnHidden(7, True)  # outcome
        self.tasks_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.tasks_table.doubleClicked.connect(self._open_task_customer)
        self.at_risk = AtRiskModel(self)
        self.risk_table = row_table(
            self.at_risk, self.tr("Customers behind the figure"), single=False
        )
        self.risk_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.risk_table.doubleClicked.connect(self._open_risk_customer)
        self.contacts = ContactModel(self)
        self.contacts_table = row_table(self.contacts, self.tr("Contacts behind the figure"))
        self.contacts_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch
        )
        self.contacts_table.doubleClicked.connect(self._open_contact_customer)
        self.lists = QStackedWidget()
        for table in (self.tasks_table, self.risk_table, self.contacts_table):
            self.lists.addWidget(table)

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
        bar.addWidget(self.reassign_button)
        bar.addWidget(self.assign_button)
        bar.addWidget(self.export.button)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(bar)
        detail_layout.addWidget(self.lists, 1)
        # The table across the page (every figure readable without scrolling); below
        # it the list behind the selected figure, with the charts at its side.
        chart_split = QSplitter(Qt.Orientation.Vertical)
        chart_split.addWidget(self.chart)
        chart_split.addWidget(self.risk_chart)
        lower = QSplitter()
        lower.addWidget(detail)
        lower.addWidget(chart_split)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([800, 460])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.team_table)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 620])

        self.no_team = QLabel(
            self.tr(
                "You have no team yet: no relationship manager's customers or follow-ups "
                "are in your copy. They appear here after a sync once RMs are assigned "
                "to your branch."
            )
        )
        self.no_team.setWordWrap(True)
        self.no_team.setProperty("role", "empty")
        self.no_team.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_team.setAccessibleName(self.tr("No team"))
        self.pages = QStackedWidget()
        self.pages.addWidget(split)
        self.pages.addWidget(self.no_team)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def title(self) -> str:
        return self.tr("Team")

    def concerns(self, changes: Changes) -> bool:
        return changes.tasks or changes.churn or changes.book or changes.interactions

    # --- loading --------------------------------------------------------------------------

    def show_times(self, now: datetime) -> None:
        self.team.show_times(now)

    def reload(self) -> None:
        def job(session: Session) -> tuple[list[RmWorkload], list[str], dict[str, str]]:
            return (
                team_service.team_summary(session),
                team_service.team_members(session),
                team_service.staff_names(session),
            )

        self._announce = True
        self.ctx.db(job, self._show_summary, owner=self)

    def _show_summary(self, result: tuple[list[RmWorkload], list[str], dict[str, str]]) -> None:
        rows, self.members, self.names = result
        self.pages.setCurrentIndex(1 if not rows else 0)
        keep = self.current_rm
        self.team.now = self.ctx.session.clock()
        self.team.set_rows(rows)
        self.team_table.resizeColumnsToContents()
        self._paint_charts()
        names = [r.rm for r in self.team.rows]
        if not names:
            self.current_rm = None
            self._finish_load()
            return
        rm = keep if keep in names else names[0]
        self.select_figure(rm, self.current_figure)

    def _paint_charts(self) -> None:
        rows = list(self.team.rows)
        xs = list(range(len(rows)))
        ticks = [[(x, r.name) for x, r in zip(xs, rows, strict=True)]]
        self.open_bars.setOpts(x=[x - 0.18 for x in xs], height=[r.open_tasks for r in rows])
        self.overdue_bars.setOpts(x=[x + 0.18 for x in xs], height=[r.overdue_tasks for r in rows])
        self.chart.getAxis("bottom").setTicks(ticks)
        self.chart.enableAutoRange()
        self.risk_bars.setOpts(x=xs, height=[r.aum_at_risk_fen / 1_000_000 for r in rows])
        self.risk_chart.getAxis("bottom").setTicks(ticks)
        self.risk_chart.enableAutoRange()

    def bar_clicked(self, chart: pg.PlotWidget, x: float) -> None:
        """A click on a chart at `x` (its axis): the list behind the bar there. Open
        bars stand left of each RM's tick, overdue ones right."""
        row = round(x)
        w = self.team.row(row) if abs(x - row) <= 0.45 else None
        if w is None:
            return
        overdue = F.OVERDUE if x > row else F.OPEN
        self.select_figure(w.rm, F.AT_RISK if chart is self.risk_chart else overdue)

    def _cell_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        rm = self.team.rm(current.row())
        figure = FIGURE_OF_COLUMN[self.team.columns[current.column()]]
        if rm is not None:
            self.select_figure(rm, figure or self.current_figure)

    def select_rm(self, rm: str) -> None:
        """Show the list behind the selected figure for this RM."""
        self.select_figure(rm, self.current_figure)

    def select_figure(self, rm: str, figure: TeamFigure) -> None:
        """Drill down: list what one of an RM's figures counts."""
        self.current_rm, self.current_figure = rm, figure
        row = self.team.row_of(rm)
        if row >= 0:
            key = next(k for k, f in FIGURE_OF_COLUMN.items() if f is figure)
            index = self.team.index(row, self.team.columns.index(key))
            if self.team_table.currentIndex() != index:
                self.team_table.selectionModel().blockSignals(True)
                self.team_table.setCurrentIndex(index)
                self.team_table.selectionModel().blockSignals(False)
                self.team_table.viewport().update()
        self._load_rm()

    def _load_rm(self) -> None:
        rm, figure = self.current_rm, self.current_figure
        if rm is None:
            return

        def job(session: Session) -> tuple[FigureList, date]:
            return team_service.figure_list(session, rm, figure), session.clock().astimezone(
            ).date()  # fmt: skip

        self.ctx.db(job, self._show_rm, owner=self)

    def _show_rm(self, result: tuple[FigureList, date]) -> None:
        detail, today = result
        if (detail.rm, detail.figure) != (self.current_rm, self.current_figure):
            return
        self.detail = detail
        name = self.names.get(detail.rm, detail.rm)
        text = (
            self.tr("%1 · %2: %3")
            .replace("%1", name)
            .replace("%2", self.team.figure_title(detail.figure))
            .replace("%3", _count(detail.count))
        )
        if detail.shown < detail.count:
            text += " " + self.tr("(the first %1 are listed)").replace("%1", _count(detail.shown))
        self.rm_title.setText(text)
        selected = self.selected_task()
        self.tasks.names = self.names
        self.tasks.set_lines(detail.tasks, today)
        self.at_risk.set_rows(detail.customers)
        self.contacts.set_rows(detail.contacts)
        shown = {Listed.TASKS: self.tasks_table, Listed.CUSTOMERS: self.risk_table,
                 Listed.CONTACTS: self.contacts_table}[detail.figure.lists]  # fmt: skip
        self.lists.setCurrentWidget(shown)
        if shown is self.tasks_table:
            self.tasks_table.resizeColumnsToContents()
            header = self.tasks_table.horizontalHeader()
            header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
            row = self.tasks.row_of(selected.id) if selected else -1
            if row < 0 and detail.tasks:
                row = 0
            if row >= 0:
                self.tasks_table.selectRow(row)
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
        dialog = ReassignDialog(task, self.members, self, self.names)
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
        dialog.setWindowTitle(self.tr("New follow-up for %1").replace("%1", self.names.get(rm, rm)))

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

    def _open_contact_customer(self, index: QModelIndex) -> None:
        line = self.contacts.row(index.row())
        if line is not None:
            self.ctx.open_customer.emit(line[0].customer_id)
