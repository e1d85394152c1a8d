"""The book table: a model over customer ids that fetches rows a window at a time.

The model holds only the sorted, filtered list of primary keys; `data()` reads rows
from a small window cache filled through the book service, so 100,000 customers
cost one list of ints, not 100,000 row objects or widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from rm_desk.domain.book import BookRow

WINDOW = 200

COLUMNS: tuple[tuple[str, str], ...] = (
    ("cif", "CIF"),
    ("name", "Name"),
    ("segment", "Segment"),
    ("aum", "AUM (¥)"),
    ("lifecycle", "Lifecycle"),
    ("churn", "Churn"),
    ("last_contact", "Last contact"),
    ("next_task", "Next task"),
    ("tags", "Tags"),
)

AnyIndex = QModelIndex | QPersistentModelIndex


class BookTableModel(QAbstractTableModel):
    def __init__(self, fetch_rows: Callable[[Sequence[int]], list[BookRow]]) -> None:
        super().__init__()
        self._fetch_rows = fetch_rows
        self._ids: list[int] = []
        self._cache: dict[int, BookRow] = {}

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._cache.clear()
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMNS):
            return self.tr(COLUMNS[section][1])
        return None

    def row_at(self, row: int) -> BookRow | None:
        if not 0 <= row < len(self._ids):
            return None
        pk = self._ids[row]
        if pk not in self._cache:
            start = (row // WINDOW) * WINDOW
            window = self._ids[start : start + WINDOW]
            if len(self._cache) > 20 * WINDOW:
                self._cache.clear()
            for item in self._fetch_rows(window):
                self._cache[item.pk] = item
        return self._cache.get(pk)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        item = self.row_at(index.row())
        if item is None:
            return None
        key = COLUMNS[index.column()][0]
        if key == "cif":
            return item.cif
        if key == "name":
            return item.name
        if key == "segment":
            return item.segment.value
        if key == "aum":
            return f"{item.aum_fen / 100:,.2f}"
        if key == "lifecycle":
            return item.lifecycle.value
        if key == "churn":
            return item.churn_level.value if item.churn_level else ""
        if key == "last_contact":
            return (item.last_contact_at or "")[:10]
        if key == "next_task":
            return item.next_task_due or ""
        if key == "tags":
            return " · ".join(item.tags)
        return None
