"""Churn watchlist: the customers flagged red or amber, with what drives each flag.

Sorted by score, level, AUM at risk (AUM × score: what the bank expects to lose) or
trend (score now against last month). Each row shows its top reason in words; the
RM can acknowledge or dismiss a flag (recorded and synced), turn the top reason's
playbook action into a follow-up task in one click, or open the customer.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QBrush, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rm_desk.domain.churn.playbook import DEFAULT_PLAYBOOK
from rm_desk.domain.model import ChurnLevel
from rm_desk.services import churn as churn_service
from rm_desk.services.changes import Changes
from rm_desk.services.churn import WatchlistRow
from rm_desk.services.export import ExportRequest, ListKind
from ui import words
from ui.context import AppContext
from ui.models.book import churn_colour
from ui.models.rows import Column, ColumnsModel
from ui.views.base import EmptyState, Page, add_captioned, push_button, row_table
from ui.views.export import ExportAction

FLAGGED = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})
LIMIT = 500


class WatchlistModel(ColumnsModel[WatchlistRow]):
    """Flagged customers with score, AUM at risk, trend, main reason and the RM's answer."""

    def column_specs(self) -> tuple[Column[WatchlistRow], ...]:
        return (
            Column("name", lambda: self.tr("Name"), lambda r: r.name),
            Column("cif", lambda: self.tr("CIF"), lambda r: r.customer_id),
            Column(
                "level",
                lambda: self.tr("Level"),
                lambda r: words.churn_level(r.level),
                foreground=lambda r: QBrush(churn_colour(r.level)),
            ),
            Column(
                "score",
                lambda: self.tr("Leave probability"),
                lambda r: words.percent(r.score),
                figure=True,
            ),
            Column("aum", lambda: self.tr("AUM"), lambda r: words.money(r.aum_fen), figure=True),
            Column(
                "at_risk",
                lambda: self.tr("AUM at risk"),
                lambda r: words.money(r.aum_at_risk_fen),
                figure=True,
            ),
            Column("trend", lambda: self.tr("Trend"), _trend, figure=True),
            Column(
                "reason",
                lambda: self.tr("Main reason"),
                lambda r: words.reason_text(r.top_reason) if r.top_reason else "",
            ),
            Column("event", lambda: self.tr("Flag"), self._event),
        )

    def row_value(self, row: WatchlistRow) -> str:
        return row.customer_id

    def _event(self, row: WatchlistRow) -> str:
        return {
            "acknowledge": self.tr("Acknowledged"),
            "dismiss": self.tr("Dismissed"),
        }.get(row.last_event or "", "")


def _trend(row: WatchlistRow) -> str:
    if row.trend is None:
        return "—"
    arrow = "▲" if row.trend > 0.0005 else ("▼" if row.trend < -0.0005 else "■")
    return f"{arrow} {row.trend * 100:+.1f}"


class WatchlistPage(Page):
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = WatchlistModel(self)
        self.level = QComboBox()
        self.level.setAccessibleName(self.tr("Churn level shown"))
        self.level.addItem(self.tr("Red and amber"), "")
        for level in (ChurnLevel.RED, ChurnLevel.AMBER):
            self.level.addItem(words.churn_level(level), level.value)
        self.level.currentIndexChanged.connect(self.reload)
        self.sort = QComboBox()
        self.sort.setAccessibleName(self.tr("Sort the watchlist by"))
        for key, text in (
            ("score", self.tr("Leave probability")),
            ("level", self.tr("Level")),
            ("aum_at_risk", self.tr("AUM at risk")),
            ("trend", self.tr("Rising fastest")),
        ):
            self.sort.addItem(text, key)
        self.sort.currentIndexChanged.connect(self.reload)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of flagged customers"))

        self.task_button = QPushButton(self.tr("Create task for main reason"))
        self.task_button.setAccessibleName(
            self.tr("Create a follow-up task from the main reason's suggested action")
        )
        self.task_button.clicked.connect(self.create_task)
        self.ack_button = push_button(
            self.tr("Acknowledge"),
            self.tr("Acknowledge the selected flag"),
            lambda: self.record("acknowledge"),
        )
        self.dismiss_button = push_button(
            self.tr("Dismiss"), self.tr("Dismiss the selected flag"), lambda: self.record("dismiss")
        )
        open_button = push_button(
            self.tr("Open customer"), self.tr("Open the selected customer"), self._open_selected
        )

        bar = QHBoxLayout()
        add_captioned(bar, ((self.tr("Show"), self.level), (self.tr("Sort by"), self.sort)))
        bar.addStretch(1)
        bar.addWidget(self.count)
        self.export = ExportAction(
            ctx, self, self.export_request, lambda: self.tr("Churn watchlist"), "watchlist"
        )
        bar.addWidget(self.export.button)

        self.table = row_table(self.model, self.tr("Customers at risk of leaving"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._open)
        self.empty = EmptyState(
            self.table,
            lambda: self.tr("No customer is flagged at this level. The watchlist fills in "
                            "as the churn model scores the book after each sync."),
        )  # fmt: skip

        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.task_button, self.ack_button, self.dismiss_button, open_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    def title(self) -> str:
        return self.tr("Churn watchlist")

    def concerns(self, changes: Changes) -> bool:
        return changes.churn or changes.book

    def export_request(self) -> ExportRequest:
        """The watchlist as shown: its level and order."""
        value = self.level.currentData()
        return ExportRequest(
            ListKind.WATCHLIST,
            watchlist_levels=frozenset({ChurnLevel(value)}) if value else FLAGGED,
            watchlist_sort=str(self.sort.currentData() or "score"),
        )

    def reload(self) -> None:
        value = self.level.currentData()
        levels = frozenset({ChurnLevel(value)}) if value else FLAGGED
        sort = str(self.sort.currentData() or "score")
        self.ctx.db(
            lambda s: (
                churn_service.watchlist(s, levels=levels, sort=sort, limit=LIMIT),
                churn_service.flagged_count(s, levels),
            ),
            self._show,
            owner=self,
        )

    def _show(self, result: tuple[list[WatchlistRow], int]) -> None:
        rows, total = result
        self.model.set_rows(rows)
        # The trend needs last month's score: until the book has been scored in two
        # months (a new profile, the demo) there is none, and neither column nor sort.
        has_trend = any(r.trend is not None for r in rows)
        self.table.setColumnHidden(self.model.columns.index("trend"), not has_trend)
        sorts = self.sort.model()
        if isinstance(sorts, QStandardItemModel):
            sorts.item(self.sort.findData("trend")).setEnabled(has_trend)
        if total > len(rows):
            self.count.setText(
                self.tr("Top %1 of %n flagged customer(s)", "", total).replace("%1", str(len(rows)))
            )
        else:
            self.count.setText(self.tr("%n flagged customer(s)", "", total))
        if rows:
            self.table.selectRow(0)
        self.loaded.emit()

    def selected(self) -> WatchlistRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def record(self, action: str) -> None:
        row = self.selected()
        if row is None:
            return
        code = row.top_reason.code if row.top_reason else None
        cid = row.customer_id
        if action == "acknowledge":
            self.ctx.write(lambda s: churn_service.acknowledge(s, cid, code), owner=self)
        else:
            self.ctx.write(lambda s: churn_service.dismiss(s, cid, code), owner=self)
        self.reload()

    def create_task(self) -> None:
        row = self.selected()
        if row is None or row.top_reason is None:
            return
        cid, code = row.customer_id, row.top_reason.code
        title = words.action_text(DEFAULT_PLAYBOOK.action_for(code).action)

        def done(_: object) -> None:
            self.ctx.error.emit(self.tr("Follow-up task created for %1").replace("%1", row.name))

        self.ctx.write(
            lambda s: churn_service.create_task_from_suggestion(s, cid, code, title=title),
            done,
            owner=self,
        )

    def _open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.ctx.open_customer.emit(row.customer_id)

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None:
            self.ctx.open_customer.emit(row.customer_id)
