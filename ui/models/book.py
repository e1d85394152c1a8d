"""The book table: a model over customer ids that fetches rows a window at a time.

The model holds only the sorted, filtered list of primary keys (100,000 customers
cost one list of ints). `data()` never touches the database: a row not yet cached
shows a placeholder and asks for its window of rows on the database thread; when
the rows arrive the window's cells are repainted. Sorting and filtering happen in
SQL on the database thread (`reload`), never by rebuilding widgets.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from rm_desk.domain.book import ALL_CUSTOMERS, BY_NAME, BookColumn, BookFilter, BookRow, BookSort
from rm_desk.domain.model import ChurnLevel
from rm_desk.services import book as book_service
from rm_desk.services.changes import Changes
from ui import look, words
from ui.context import AppContext

WINDOW = 200
MAX_WINDOWS = 40  # cached windows (8,000 rows) before the oldest is dropped

AnyIndex = QModelIndex | QPersistentModelIndex

# (key, sort column or None), the important first: who, how likely to leave and why, what
# they hold, when they were last and will next be contacted; then the classifications.
# Headers are translated in `headerData`.
COLUMNS: tuple[tuple[str, BookColumn | None], ...] = (
    ("name", BookColumn.NAME),
    ("cif", BookColumn.CIF),
    ("churn", BookColumn.CHURN),
    ("reason", None),
    ("aum", BookColumn.AUM),
    ("last_contact", BookColumn.LAST_CONTACT),
    ("next_task", BookColumn.NEXT_TASK),
    ("segment", BookColumn.SEGMENT),
    ("lifecycle", BookColumn.LIFECYCLE),
    ("tags", None),
)


def churn_colour(level: ChurnLevel) -> QColor:
    """The text colour of a churn level, readable in the current theme (ui/look.py names
    its colours by the level's value)."""
    return look.level_text(level.value)


def _header(key: str) -> str:
    return {
        "name": QCoreApplication.translate("BookTableModel", "Name"),
        "cif": QCoreApplication.translate("BookTableModel", "CIF"),
        "segment": QCoreApplication.translate("BookTableModel", "Segment"),
        "aum": QCoreApplication.translate("BookTableModel", "AUM (¥)"),
        "lifecycle": QCoreApplication.translate("BookTableModel", "Lifecycle"),
        "churn": QCoreApplication.translate("BookTableModel", "Churn risk"),
        "reason": QCoreApplication.translate("BookTableModel", "Main churn reason"),
        "last_contact": QCoreApplication.translate("BookTableModel", "Last contact"),
        "next_task": QCoreApplication.translate("BookTableModel", "Next task"),
        "tags": QCoreApplication.translate("BookTableModel", "Tags"),
    }[key]


class BookTableModel(QAbstractTableModel):
    """Customer ids in SQL order; rows fetched lazily by window on the database thread."""

    reloaded = Signal(int)  # number of customers now listed
    rows_arrived = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._ids: list[int] = []
        self._generation = 0  # bumps on every reload; late windows of an old list are dropped
        self._windows: OrderedDict[int, dict[int, BookRow]] = OrderedDict()
        self._pending: set[int] = set()
        self.filter: BookFilter = ALL_CUSTOMERS
        self.sort_order: BookSort = BY_NAME
        self.locale = QLocale()

    # --- the id list ----------------------------------------------------------------------

    def reload(self, filt: BookFilter | None = None, sort: BookSort | None = None) -> None:
        if filt is not None:
            self.filter = filt
        if sort is not None:
            self.sort_order = sort
        f, s = self.filter, self.sort_order
        self._generation += 1
        generation = self._generation
        self.ctx.db(
            lambda session: book_service.book_ids(session, f, s),
            lambda ids: self._set_ids(ids, generation),
            owner=self,
        )

    def _set_ids(self, ids: list[int], generation: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._ids = ids
        self._windows.clear()
        self._pending.clear()
        self.endResetModel()
        self.reloaded.emit(len(ids))

    def set_ids(self, ids: list[int]) -> None:
        """Show exactly these customers (search results), in this order."""
        self._generation += 1
        self._set_ids(ids, self._generation)

    def pk_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, pk: int) -> int | None:
        """The row listing this customer, if listed."""
        try:
            return self._ids.index(pk)
        except ValueError:
            return None

    def row_at(self, row: int) -> BookRow | None:
        """The cached row, or None (and its window requested) when not loaded yet."""
        if not 0 <= row < len(self._ids):
            return None
        start = (row // WINDOW) * WINDOW
        window = self._windows.get(start)
        if window is None:
            self._request(start)
            return None
        self._windows.move_to_end(start)
        return window.get(self._ids[row])

    def _request(self, start: int) -> None:
        if start in self._pending:
            return
        self._pending.add(start)
        pks = self._ids[start : start + WINDOW]
        generation = self._generation
        self.ctx.db(
            lambda session: book_service.book_rows(session, pks),
            lambda rows: self._arrived(start, rows, generation),
            owner=self,
        )

    def _arrived(self, start: int, rows: Sequence[BookRow], generation: int) -> None:
        if generation != self._generation:
            return
        self._pending.discard(start)
        self._windows[start] = {r.pk: r for r in rows}
        while len(self._windows) > MAX_WINDOWS:
            self._windows.popitem(last=False)
        last = min(start + WINDOW, len(self._ids)) - 1
        if last >= start:
            self.dataChanged.emit(self.index(start, 0), self.index(last, len(COLUMNS) - 1))
        self.rows_arrived.emit()

    def refresh_rows(self, changes: Changes) -> None:
        """Drop cached windows so touched rows are read again; reload ids if needed."""
        if changes.everything or changes.book:
            self.reload()
            return
        if changes.customers:
            self._windows.clear()
            if self._ids:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
                )

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _header(COLUMNS[section][0])
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        col = COLUMNS[column][1]
        if col is None:
            return
        wanted = BookSort(col, order == Qt.SortOrder.DescendingOrder)
        if wanted == self.sort_order:
            return  # the view re-announcing the current order (setSortingEnabled) costs nothing
        self.reload(sort=wanted)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "aum":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.UserRole,
        ):
            return None
        item = self.row_at(index.row())
        if item is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if role == Qt.ItemDataRole.UserRole:
            return item.cif
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "churn" and item.churn_level is not None:
                return QBrush(churn_colour(item.churn_level))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "churn" and item.churn_score is not None:
                return words.score_text(item.churn_score)
            if key in ("reason", "tags"):  # the whole, where the column cuts it
                return self._display(key, item) or None
            return None
        return self._display(key, item)

    def _display(self, key: str, item: BookRow) -> Any:
        if key == "name":
            return item.name
        if key == "cif":
            return item.cif
        if key == "segment":
            return words.segment(item.segment)
        if key == "aum":
            return self.locale.toString(item.aum_fen / 100, "f", 2)
        if key == "lifecycle":
            return words.lifecycle(item.lifecycle)
        if key == "churn":
            return words.churn_level(item.churn_level) if item.churn_level else ""
        if key == "reason":
            shown = item.churn_level in (ChurnLevel.RED, ChurnLevel.AMBER)
            return words.reason_text(item.churn_reason) if shown and item.churn_reason else ""
        if key == "last_contact":
            return self._date(item.last_contact_at)
        if key == "next_task":
            return self._date(item.next_task_due)
        if key == "tags":
            return " · ".join(item.tags)
        return None

    def _date(self, text: str | None) -> str:
        return words.day_iso(text)
