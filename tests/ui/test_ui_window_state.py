"""What the user was looking at survives a language switch and a lock + unlock: the
page, the open customer, the book's selected row and scroll position, the window's
geometry. A different user signing in after a lock gets none of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from pytestqt.qtbot import QtBot

from rm_desk.services.session import Session
from tests.conftest import PASSWORD, MakeSession
from ui import i18n
from ui.app import DeskController
from ui.login import LoginWindow
from ui.main_window import MainWindow

BOOK_ROW = 40
SCROLL = 30
SIZE = (1540, 760)  # wider than the customer page needs, not the default


@dataclass
class Desk:
    controller: DeskController
    session: Session  # rm001's, unlocked, 120 generated customers
    make_session: MakeSession


@pytest.fixture
def desk(qapp: object, make_session: MakeSession) -> Iterator[Desk]:
    session = make_session("rm001", customers=120)
    assert session.registry is not None
    controller = DeskController(session.registry, language="en")
    try:
        yield Desk(controller, session, make_session)
    finally:
        controller.shutdown()
        i18n.install("en")


@dataclass(frozen=True)
class Seen:
    page: str
    customer: str | None
    row: int | None
    scroll: int
    geometry: QRect


def _main(qtbot: QtBot, desk: DeskController) -> MainWindow:
    window = desk.main
    assert isinstance(window, MainWindow)
    assert desk.window is window
    window.sync.stop()
    qtbot.waitUntil(lambda: window.book.model.rowCount() > 0, timeout=20_000)
    return window


def _seen(window: MainWindow) -> Seen:
    rows = window.book.table.selectionModel().selectedRows()
    return Seen(
        window.current_kind(),
        window.open_customer_id(),
        rows[0].row() if rows else None,
        window.book.table.verticalScrollBar().value(),
        window.geometry(),
    )


def _set_up(qtbot: QtBot, desk: DeskController, session: Session) -> tuple[MainWindow, Seen]:
    """The window of `session` with a book row selected, the book scrolled, a customer
    open on the customer page and a size of its own."""
    with qtbot.waitSignal(desk.main_shown, timeout=20_000):
        desk.show_main(session)
    window = _main(qtbot, desk)
    window.resize(*SIZE)
    book = window.book
    with qtbot.waitSignal(book.loaded, timeout=20_000):  # not the default order
        book.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: book.table.verticalScrollBar().maximum() >= SCROLL, timeout=10_000)
    book.table.selectionModel().select(
        book.model.index(BOOK_ROW, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    book.table.verticalScrollBar().setValue(SCROLL)
    qtbot.waitUntil(lambda: book.selected_customer() is not None, timeout=10_000)
    customer = book.selected_customer()
    assert customer is not None
    with qtbot.waitSignal(window.customer.loaded, timeout=20_000):
        window.open_customer(customer)
    with qtbot.waitSignal(window.customer.history.loaded, timeout=20_000):
        window.customer.show_history()
    seen = _seen(window)
    assert seen == Seen("customer", customer, BOOK_ROW, SCROLL, seen.geometry)
    assert (seen.geometry.width(), seen.geometry.height()) == SIZE
    return window, seen


def _restored(qtbot: QtBot, window: MainWindow, before: Seen) -> None:
    qtbot.waitUntil(lambda: window.customer.customer_id == before.customer, timeout=20_000)
    assert window.current_kind() == "customer"
    assert window.stack.currentWidget() is window.customer
    assert window.open_customer_id() == before.customer
    assert window.customer.tabs.currentWidget() is window.customer.history  # its section
    qtbot.waitUntil(lambda: window.customer.history.customer_id == before.customer)
    window.show_kind("book")  # the book's row and scroll are where they were
    qtbot.waitUntil(lambda: _seen(window).scroll == before.scroll, timeout=10_000)
    after = _seen(window)
    assert window.book.model.sort_order.descending
    assert window.book.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert (after.row, after.scroll) == (before.row, before.scroll)
    # the same customer's row (the book keeps its order): it is the one that was open
    qtbot.waitUntil(lambda: window.book.selected_customer() == before.customer, timeout=10_000)
    assert after.geometry.size() == before.geometry.size()


def _unlock(qtbot: QtBot, desk: DeskController, user: str) -> MainWindow:
    login = desk.window
    assert isinstance(login, LoginWindow)
    qtbot.waitUntil(lambda: login.profiles.count() > 0, timeout=10_000)
    login.fill_profiles(preselect=user)
    qtbot.waitUntil(lambda: login.selected_user() == user, timeout=10_000)
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(desk.main_shown, timeout=20_000):
        login.unlock_button.click()
    return _main(qtbot, desk)


def test_a_language_switch_keeps_page_customer_book_position_and_geometry(
    qtbot: QtBot, desk: Desk
) -> None:
    old, before = _set_up(qtbot, desk.controller, desk.session)
    with qtbot.waitSignal(desk.controller.main_shown, timeout=20_000):
        old.switch_language()
    assert i18n.current_language() == "zh_CN"
    window = _main(qtbot, desk.controller)
    assert window is not old
    _restored(qtbot, window, before)


def test_lock_and_unlock_keep_page_customer_book_position_and_geometry(
    qtbot: QtBot, desk: Desk
) -> None:
    old, before = _set_up(qtbot, desk.controller, desk.session)
    old.lock_for("manual")
    qtbot.waitUntil(lambda: desk.session.is_locked, timeout=10_000)
    window = _unlock(qtbot, desk.controller, "rm001")
    assert window is not old
    _restored(qtbot, window, before)
    # and once more: a second lock keeps what the restored window shows
    window.show_kind("customer")
    window.lock_for("manual")
    qtbot.waitUntil(lambda: desk.controller.session is None, timeout=10_000)
    again = _unlock(qtbot, desk.controller, "rm001")
    _restored(qtbot, again, before)


def test_another_user_unlocking_gets_none_of_the_previous_users_state(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.make_session("rm002", customers=120).lock()
    old, before = _set_up(qtbot, desk.controller, desk.session)
    old.lock_for("manual")
    qtbot.waitUntil(lambda: desk.session.is_locked, timeout=10_000)
    window = _unlock(qtbot, desk.controller, "rm002")
    assert window.ctx.session.user == "rm002"
    assert window.current_kind() == "book"
    assert window.open_customer_id() is None
    assert window.customer_item.isHidden()
    assert window.book.table.selectionModel().selectedRows() == []
    assert window.book.table.verticalScrollBar().value() == 0
    assert window.size().toTuple() != SIZE  # rm001's size is not given to rm002
    assert desk.controller.kept is None  # dropped, not kept for later
    assert before.customer is not None


def test_the_sign_in_window_keeps_its_place_and_profile_across_a_language_switch(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.make_session("rm002", customers=0).lock()
    desk.session.lock()
    english = desk.controller.show_login(user="rm002")
    qtbot.waitUntil(lambda: english.selected_user() == "rm002", timeout=10_000)
    english.resize(900, 640)
    where = english.geometry()
    desk.controller.switch_language("zh_CN")
    login = desk.controller.window
    assert isinstance(login, LoginWindow)
    assert login is not english
    qtbot.waitUntil(lambda: login.selected_user() == "rm002", timeout=10_000)
    assert login.geometry().size() == where.size()
