"""The one way a value leaves the window through the clipboard.

What is copied is what the window shows: a masked personal field copies its masked
text, a table copies the text of its selected cells. Only a personal field the user
revealed (`book.reveal`, audited with its reason) holds the plain value, and copying
it is audited too: the "copy" row is written first (`book.record_copy`, on the
database thread) and the value reaches the clipboard only once it is, so a copy that
cannot be recorded does not happen.

Widgets never call `QClipboard.setText` themselves: the personal fields of the
profile use `copy`, tables get their "Copy" (Ctrl+C and the context menu) from
`copyable`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QTableView, QWidget

from rm_desk.services import book as book_service
from ui.context import AppContext


def copy(
    text: str,
    *,
    ctx: AppContext | None = None,
    revealed: tuple[str, str] | None = None,
    owner: QObject | None = None,
) -> None:
    """Put `text`, as the window shows it, on the clipboard. `revealed` is the
    (customer id, field) when `text` is a personal value the user revealed: the copy is
    then recorded in `ctx`'s audit log first and reaches the clipboard once it is."""
    if revealed is None:
        _set(text)
        return
    if ctx is None:
        raise TypeError("copying a revealed value needs the AppContext that audits it")
    customer_id, field = revealed
    ctx.db(
        lambda s: book_service.record_copy(s, customer_id, field),
        lambda _none: _set(text),
        owner=owner,
    )


def _set(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def copy_action(parent: QWidget, on_copy: Callable[[], object]) -> QAction:
    """A "Copy" action on `parent`: Ctrl+C while `parent` has the focus, and the first
    entry of its context menu."""
    action = QAction(QCoreApplication.translate("Clipboard", "Copy"), parent)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(lambda _checked=False: on_copy())
    parent.addAction(action)
    parent.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return action


def selected_text(view: QTableView) -> str:
    """The displayed text of the selected cells (the current cell when none is
    selected): visible columns in their on-screen order, tab-separated, one line a row."""
    indexes = view.selectionModel().selectedIndexes() or (
        [view.currentIndex()] if view.currentIndex().isValid() else []
    )
    header = view.horizontalHeader()
    rows: dict[int, dict[int, str]] = {}
    for index in indexes:
        if view.isColumnHidden(index.column()) or view.isRowHidden(index.row()):
            continue
        position = header.visualIndex(index.column())
        value = index.data(Qt.ItemDataRole.DisplayRole)
        rows.setdefault(index.row(), {})[position] = "" if value is None else str(value)
    lines = ("\t".join(cells[c] for c in sorted(cells)) for _r, cells in sorted(rows.items()))
    return "\n".join(lines)


def copyable(view: QTableView) -> QAction:
    """Give a table Ctrl+C and a context-menu "Copy" of its selected cells' displayed
    text (what the view shows is already masked for the role)."""
    return copy_action(view, lambda: copy(selected_text(view)))
