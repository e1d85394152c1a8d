"""The Today queue as a table: new, due, state, priority, customer, kind and reason.

The queue is capped (`rm_desk.services.today.SHOWN_QUEUE`), so the model holds it
whole; it is loaded on the database thread by the page. The model sorts itself
(every column on its UserRole: dates as ISO text, priorities as numbers; one key per
row, not a Python comparison per pair: 500 rows sort in a few milliseconds where a
proxy's `lessThan` took 230 ms), keeping the order across reloads; `TodayQueueProxy`
passes the view's sort to it and shows one state (overdue, due today, upcoming) or
all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QTableView

from rm_desk.services.today import QueueRow, QueueState
from ui import look, words
from ui.models.rows import Column, ColumnsModel

# The rank of a state when the queue is sorted by it: the most pressing first.
_STATE_ORDER = {QueueState.OVERDUE: 0, QueueState.DUE: 1, QueueState.UPCOMING: 2}


class TodayQueueModel(ColumnsModel[QueueRow]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sort_column = -1  # -1: the queue's own order (soonest, most urgent first)
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._loaded: list[QueueRow] = []  # in the queue's own order

    def set_rows(self, rows: Iterable[QueueRow]) -> None:
        self._loaded = list(rows)
        super().set_rows(self._sorted())

    def _sorted(self) -> list[QueueRow]:
        if not 0 <= self.sort_column < len(self.columns):
            return list(self._loaded)
        spec = self._specs[self.columns[self.sort_column]]
        key = spec.value if spec.value is not None else self.row_value
        # Python's sort is stable, also reversed: ties keep the queue's own order.
        return sorted(self._loaded, key=key,
                      reverse=self.sort_order == Qt.SortOrder.DescendingOrder)  # fmt: skip

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [(self._rows[i.row()].task_id, i.column()) for i in before]
        self._rows = self._sorted()
        at = {row.task_id: n for n, row in enumerate(self._rows)}
        self.changePersistentIndexList(before, [self.index(at[t], c) for t, c in ids])
        self.layoutChanged.emit()

    def column_specs(self) -> tuple[Column[QueueRow], ...]:
        return (
            Column(
                "new",
                lambda: self.tr("New"),
                lambda row: self.tr("New") if row.is_new else "",
                value=lambda row: 0 if row.is_new else 1,
            ),
            Column(
                "due",
                lambda: self.tr("Due"),
                lambda row: words.day(row.due),
                value=lambda row: row.due.isoformat(),
                figure=True,
                foreground=_overdue,
            ),
            Column(
                "state",
                lambda: self.tr("When"),
                self._state,
                value=lambda row: _STATE_ORDER[row.state],
                foreground=_overdue,
            ),
            Column(
                "priority",
                lambda: self.tr("Priority"),
                lambda row: words.task_priority(row.priority),
                value=lambda row: -int(row.priority),  # ascending: the most urgent first
            ),
            Column(
                "customer",
                lambda: self.tr("Customer"),
                lambda row: row.customer_name or row.customer_id,
                value=lambda row: row.customer_name or row.customer_id,
                tooltip=lambda row: row.customer_id,
            ),
            Column(
                "kind",
                lambda: self.tr("Kind"),
                lambda row: words.task_source(row.kind),
                value=lambda row: words.task_source(row.kind),
            ),
            Column(
                "reason",
                lambda: self.tr("Reason"),
                lambda row: row.reason,
                value=lambda row: row.reason,
                tooltip=lambda row: row.detail or None,
            ),
        )

    def _state(self, row: QueueRow) -> str:
        return {
            QueueState.OVERDUE: self.tr("Overdue"),
            QueueState.DUE: self.tr("Due today"),
            QueueState.UPCOMING: self.tr("Upcoming"),
        }[row.state]

    def row_data(self, row: QueueRow, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and row.is_new:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def row_of(self, task_id: str) -> int:
        return next((i for i, row in enumerate(self.rows) if row.task_id == task_id), -1)

    def mark_opened(self, task_id: str) -> None:
        """Show a row as no longer new at once (the store is told by the page)."""
        i = self.row_of(task_id)
        row = self.row(i)
        if row is None or not row.is_new:
            return
        seen = replace(row, is_new=False)
        self._rows[i] = seen
        self._loaded = [seen if r.task_id == task_id else r for r in self._loaded]
        self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))


def _overdue(row: QueueRow) -> QBrush | None:
    return QBrush(look.level_text("red")) if row.state is QueueState.OVERDUE else None


class TodayQueueProxy(QSortFilterProxyModel):
    """The queue sorted by any column and narrowed to one state (None: every state)."""

    def __init__(self, source: TodayQueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = source
        self.state: QueueState | None = None
        self.setSourceModel(source)

    def show_state(self, state: QueueState | None) -> None:
        self.beginFilterChange()
        self.state = state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self,
        source_row: int,
        source_parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if self.state is None:
            return True
        row = self.queue.row(source_row)
        return row is not None and row.state is self.state

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The model sorts itself (one key per row); this proxy only filters."""
        self.queue.sort(column, order)

    def row_at(self, proxy_row: int) -> QueueRow | None:
        source = self.mapToSource(self.index(proxy_row, 0))
        return self.queue.row(source.row()) if source.isValid() else None

    def selected_in(self, view: QTableView) -> QueueRow | None:
        selection = view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        return self.row_at(rows[0].row()) if rows else None

    def select_in(self, view: QTableView, task_id: str) -> bool:
        """Select this follow-up in the view; False when it is not shown."""
        source = self.queue.row_of(task_id)
        if source < 0:
            return False
        index = self.mapFromSource(self.queue.index(source, 0))
        if not index.isValid():
            return False
        view.selectRow(index.row())
        return True
