"""Churn watchlist: customers flagged red or amber, highest score first.

It is the book table narrowed to flagged customers, so it shares the lazy id-window
model and SQL sorting (score, AUM, last contact…) and stays smooth at any size.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.model import ChurnLevel
from rm_desk.services.changes import Changes
from ui import words
from ui.context import AppContext
from ui.models.book import COLUMNS, BookTableModel
from ui.views.base import Page

FLAGGED = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})


class WatchlistPage(Page):
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = BookTableModel(ctx, self)
        self.model.sort_order = BookSort(BookColumn.CHURN, descending=True)
        self.model.reloaded.connect(self._on_reloaded)
        self.level = QComboBox()
        self.level.setAccessibleName(self.tr("Churn level shown"))
        self.level.addItem(self.tr("Red and amber"), "")
        for level in (ChurnLevel.RED, ChurnLevel.AMBER):
            self.level.addItem(words.churn_level(level), level.value)
        self.level.currentIndexChanged.connect(self.reload)
        self.count = QLabel()
        bar = QHBoxLayout()
        caption = QLabel(self.tr("Show"))
        caption.setBuddy(self.level)
        bar.addWidget(caption)
        bar.addWidget(self.level)
        bar.addStretch(1)
        bar.addWidget(self.count)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Customers at risk of leaving"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        churn_column = [key for key, _ in COLUMNS].index("churn")
        self.table.horizontalHeader().setSortIndicator(churn_column, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def title(self) -> str:
        return self.tr("Churn watchlist")

    def concerns(self, changes: Changes) -> bool:
        return changes.churn or changes.book

    def reload(self) -> None:
        value = self.level.currentData()
        levels = frozenset({ChurnLevel(value)}) if value else FLAGGED
        self.model.reload(BookFilter(churn_levels=levels))

    def _on_reloaded(self, count: int) -> None:
        self.count.setText(self.tr("%n flagged customer(s)", "", count))
        self.loaded.emit()

    def _open(self, index: QModelIndex) -> None:
        item = self.model.row_at(index.row())
        if item is not None:
            self.ctx.open_customer.emit(item.cif)
