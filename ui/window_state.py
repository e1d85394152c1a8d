"""What the user was looking at, kept across a lock and a language switch.

Both rebuild the main window (a lock closes the store and drops the key; a language
switch builds every widget again in the new language). `WindowState` is what the
controller captures from the old window and gives the next window of the same user:
the page, the open customer (and its section), the book's selected row and scroll position (with its
filter and order, so that the row is the same customer), and the window's geometry.
It lives in memory only (`ui/app.py` DeskController): nothing of it is written to
disk, and a different user signing in never receives it.

The open customer is opened again through the window's normal path
(`MainWindow.open_customer`: loaded on the database thread); the book's row and
scroll are put back once the book has loaded its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QRect, Qt

from rm_desk.domain.book import ALL_CUSTOMERS, BY_NAME, BookFilter, BookSort

if TYPE_CHECKING:
    from ui.main_window import MainWindow


@dataclass(frozen=True)
class WindowState:
    user: str  # whose window this was: only the same user's next window gets it back
    page: str  # "book", "today", … (MainWindow's page kinds)
    customer_id: str | None  # the customer open on the customer page, if any
    customer_tab: int  # the customer page's section (overview, contact history)
    book_filter: BookFilter  # the book's filter and order: its rows as they were
    book_sort: BookSort
    sort_section: int  # the header's sort indicator
    sort_order: Qt.SortOrder
    book_row: int | None  # the selected row of the book, if any
    book_pk: int | None  # the customer on it: found again if a sync moved it
    book_scroll: int  # the book's vertical scroll bar value
    geometry: QRect  # the window's normal (not maximized) geometry, frame excluded
    maximized: bool


def capture(window: MainWindow) -> WindowState:
    """The state of `window` now (call before it is closed)."""
    table = window.book.table
    rows = table.selectionModel().selectedRows()
    header = table.horizontalHeader()
    return WindowState(
        user=window.ctx.session.user,
        page=window.current_kind(),
        customer_id=(customer := window.open_customer_id()),
        customer_tab=window.customer.tabs.currentIndex() if customer else 0,
        book_filter=window.book.model.filter,
        book_sort=window.book.model.sort_order,
        sort_section=header.sortIndicatorSection(),
        sort_order=header.sortIndicatorOrder(),
        book_row=rows[0].row() if rows else None,
        book_pk=window.book.model.pk_at(rows[0].row()) if rows else None,
        book_scroll=table.verticalScrollBar().value(),
        geometry=window.normalGeometry(),
        maximized=window.isMaximized(),
    )


def restore(window: MainWindow, state: WindowState) -> None:
    """Put `state` back on a new window of the same user (the caller checks the user):
    geometry now, the customer through the normal open path, the page, and the book's
    row and scroll once the book has its rows."""
    if state.user != window.ctx.session.user:
        return
    # The same place on the same screen, as it was a moment ago. Not restoreGeometry():
    # that is for a new session, and shrinks a window to the screen it finds.
    window.setGeometry(state.geometry)
    if state.maximized:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    if state.customer_id:
        window.open_customer(state.customer_id)  # async: the page paints when loaded
        window.customer.tabs.setCurrentIndex(state.customer_tab)  # its own load, if any
    window.show_kind(state.page)
    book = window.book
    if state.book_filter != ALL_CUSTOMERS or state.book_sort != BY_NAME:
        # The order first (the header's indicator then asks for no query of its own),
        # then the filter, which reloads the rows; the first load's answer is dropped.
        book.model.sort_order = state.book_sort
        book.table.horizontalHeader().setSortIndicator(state.sort_section, state.sort_order)
        book.set_filter(state.book_filter)
    if book.model.rowCount() > 0:
        _restore_book(window, state)
        return

    def once() -> None:
        book.loaded.disconnect(once)
        _restore_book(window, state)

    book.loaded.connect(once)


def _restore_book(window: MainWindow, state: WindowState) -> None:
    table = window.book.table
    model = window.book.model
    row = state.book_row if state.book_pk is None else model.row_of(state.book_pk)
    if row is not None and 0 <= row < model.rowCount():
        table.selectionModel().select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        table.selectionModel().setCurrentIndex(
            model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
        )
    bar = table.verticalScrollBar()
    if bar.maximum() >= state.book_scroll:
        bar.setValue(state.book_scroll)
        return

    def stop(_action: int = 0) -> None:
        bar.rangeChanged.disconnect(when_it_fits)
        bar.actionTriggered.disconnect(stop)

    def when_it_fits(_low: int, high: int) -> None:  # the range follows the layout
        if high >= state.book_scroll:
            stop()
            bar.setValue(state.book_scroll)

    bar.rangeChanged.connect(when_it_fits)
    bar.actionTriggered.connect(stop)  # the user scrolled first: theirs wins
