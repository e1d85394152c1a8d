"""The table model of the window's short lists: a whole list of row objects, one column a key.

An RM's follow-ups, a customer's holdings, the team's workload, sync conflicts: each
is small enough to hold whole, and each table did the same Qt bookkeeping (counts, a
reset on new rows, index and range checks, the header lookup). That lives here once;
a concrete model names its `columns`, says how a header reads (`header`) and what a
cell shows for a role (`cell`).

Most tables need no `header`/`cell` of their own: a `ColumnsModel` declares its
columns as `Column`s (key, title, text, and what the other roles show) and the
generic dispatch here answers every role from them.

Headers are translated in the concrete class (`self.tr` in its own `header`), never
here: `pyside6-lupdate` files a string under the class that contains the call, so a
call made in this class would look for the subclass's texts under the wrong context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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

    def header_tip(self, key: str) -> str | None:
        """The header's tooltip for `key` (None: none)."""
        return None

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
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header(self.columns[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tip(self.columns[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        row = self.row(index.row())
        return None if row is None else self.cell(row, self.columns[index.column()], role)


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column of a `ColumnsModel`.

    `title` is called each time the header is painted, so that a language installed
    later shows (write it as `lambda: self.tr("...")` in the concrete model). `text` is
    the DisplayRole; `value` the UserRole (sorting, lookups), when it is not the row's
    own (`ColumnsModel.row_value`); `figure` right-aligns the column; `tooltip` and
    `foreground` answer those roles, None when they have nothing to say; `title_tip` is
    the header's tooltip, the title in full where the header says it short.
    """

    key: str
    title: Callable[[], str]
    text: Callable[[RowT], Any]
    value: Callable[[RowT], Any] | None = None
    figure: bool = False
    tooltip: Callable[[RowT], Any] | None = None
    foreground: Callable[[RowT], Any] | None = None
    title_tip: Callable[[], str] | None = None


class ColumnsModel(RowsTableModel[RowT]):
    """A table whose columns are declared once (`column_specs`) instead of dispatched
    by key in `header` and `cell`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        specs = self.column_specs()
        self.columns = tuple(c.key for c in specs)
        self._specs = {c.key: c for c in specs}

    def column_specs(self) -> tuple[Column[RowT], ...]:
        """The columns, in display order (called once, from the constructor)."""
        raise NotImplementedError(f"{type(self).__name__} declares no columns")

    def row_value(self, row: RowT) -> Any:
        """The UserRole of a column without its own `value` (the row's id, say)."""
        return None

    def row_data(self, row: RowT, role: int) -> Any:
        """A role the whole row answers alike (a font, say); None: nothing."""
        return None

    def header(self, key: str) -> str:
        return self._specs[key].title()

    def header_tip(self, key: str) -> str | None:
        tip = self._specs[key].title_tip
        return tip() if tip is not None else None

    def cell(self, row: RowT, key: str, role: int) -> Any:
        column = self._specs[key]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.UserRole:
            return self.row_value(row) if column.value is None else column.value(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.figure:
            return NUMBER_ALIGNMENT
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            return column.foreground(row)
        return self.row_data(row, role)
