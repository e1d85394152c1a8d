"""Churn watchlist: the customers flagged red or amber, with what drives each flag.

Sorted by score, level, AUM at risk (AUM × score: what the bank expects to lose) or
trend (score now against last month). Each row shows its top reason in words; the
RM can acknowledge or dismiss a flag (recorded and synced), turn the top reason's
playbook action into a follow-up task in one click, or open the customer.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush
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
from ui import words
from ui.context import AppContext
from ui.models.book import CHURN_COLOURS
from ui.models.rows import NUMBER_ALIGNMENT, RowsTableModel
from ui.views.base import Page, row_table

FLAGGED = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})
LIMIT = 500
FIGURES = frozenset({"score", "aum", "at_risk", "trend"})  # right-aligned columns


class WatchlistModel(RowsTableModel[WatchlistRow]):
    """Flagged customers with score, AUM at risk, trend, main reason and the RM's answer."""

    columns = ("name", "cif", "level", "score", "aum", "at_risk", "trend", "reason", "event")

    def header(self, key: str) -> str:
        return {
            "name": self.tr("Name"),
            "cif": self.tr("CIF"),
            "level": self.tr("Level"),
            "score": self.tr("Leave probability"),
            "aum": self.tr("AUM"),
            "at_risk": self.tr("AUM at risk"),
            "trend": self.tr("Trend"),
            "reason": self.tr("Main reason"),
            "event": self.tr("Flag"),
        }[key]

    def cell(self, row: WatchlistRow, key: str, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and key == "level":
            return QBrush(CHURN_COLOURS[row.level])
        if role == Qt.ItemDataRole.TextAlignmentRole and key in FIGURES:
            return NUMBER_ALIGNMENT
        if role == Qt.ItemDataRole.UserRole:
            return row.customer_id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if key == "name":
            return row.name
        if key == "cif":
            return row.customer_id
        if key == "level":
            return words.churn_level(row.level)
        if key == "score":
            return words.percent(row.score)
        if key == "aum":
            return words.money(row.aum_fen)
        if key == "at_risk":
            return words.money(row.aum_at_risk_fen)
        if key == "trend":
            if row.trend is None:
                return "—"
            arrow = "▲" if row.trend > 0.0005 else ("▼" if row.trend < -0.0005 else "■")
            return f"{arrow} {row.trend * 100:+.1f}"
        if key == "reason":
            return words.reason_text(row.top_reason) if row.top_reason else ""
        if key == "event":
            return {
                "acknowledge": self.tr("Acknowledged"),
                "dismiss": self.tr("Dismissed"),
            }.get(row.last_event or "", "")
        return None


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
        self.ack_button = QPushButton(self.tr("Acknowledge"))
        self.ack_button.setAccessibleName(self.tr("Acknowledge the selected flag"))
        self.ack_button.clicked.connect(lambda: self.record("acknowledge"))
        self.dismiss_button = QPushButton(self.tr("Dismiss"))
        self.dismiss_button.setAccessibleName(self.tr("Dismiss the selected flag"))
        self.dismiss_button.clicked.connect(lambda: self.record("dismiss"))
        open_button = QPushButton(self.tr("Open customer"))
        open_button.setAccessibleName(self.tr("Open the selected customer"))
        open_button.clicked.connect(self._open_selected)

        bar = QHBoxLayout()
        for caption_text, widget in (
            (self.tr("Show"), self.level),
            (self.tr("Sort by"), self.sort),
        ):
            caption = QLabel(caption_text)
            caption.setBuddy(widget)
            bar.addWidget(caption)
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.count)

        self.table = row_table(self.model, self.tr("Customers at risk of leaving"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._open)

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
