"""The table model of the window's short lists: a whole list of row objects, one column a key.

An RM's follow-ups, a customer's holdings, the team's workload, sync conflicts: each
is small enough to hold whole, and each table did the same Qt bookkeeping (counts, a
reset on new rows, index and range checks, the header lookup). That lives here once;
a concrete model names its `columns`, says how a header reads (`header`) and what a
cell shows for a role (`cell`).

Headers are translated in the concrete class (`self.tr` in its own `header`), never
here: `pyside6-lupdate` files a string under the class that contains the call, so a
call made in this class would look for the subclass's texts under the wrong context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")

# How figures (amounts, counts, rates, dates) sit in their column.
NUMBER_ALIGNMENT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RowsTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows of `RowT` under `columns`; subclasses implement `header` and `cell`.

    Pass the view or page as `parent`: a model Python owns alone can be collected
    before the view that still paints it, and Qt then reads freed memory.
    """

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []

    @property
    def rows(self) -> Sequence[RowT]:
        """What the table lists, in display order (read-only: use `set_rows`)."""
        return self._rows

    def set_rows(self, rows: Iterable[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, i: int) -> RowT | None:
        """The object behind row `i`, or None past either end."""
        return self._rows[i] if 0 <= i < len(self._rows) else None

    # --- what a concrete model says -------------------------------------------------------

    def header(self, key: str) -> str:
        """The column title for `key`, translated by the concrete class."""
        raise NotImplementedError(f"{type(self).__name__} has no header for {key!r}")

    def cell(self, row: RowT, key: str, role: int) -> Any:
        """What column `key` of `row` shows for `role` (None: nothing)."""
        raise NotImplementedError(f"{type(self).__name__} shows no cell for {key!r}")

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.header(self.columns[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        row = self.row(index.row())
        return None if row is None else self.cell(row, self.columns[index.column()], role)
