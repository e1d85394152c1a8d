"""Layout at 1366 × 768, the size the screenshot run uses (`ui.screenshots.WINDOW_SIZE`), in
both languages: every table header on every page reads whole (its text, the header's
margins and room for the sort arrow fit its section), the book needs no sideways
scrolling, and no page paints blank.

In process over the real window and a generated manager's book (the manager has every
page, the Team page included); the subprocess run in test_ui_screenshots.py checks the
command itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHeaderView,
    QStyle,
    QTableView,
    QTabWidget,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Role
from rm_desk.services import churn as churn_service
from rm_desk.services.session import Session
from tests.conftest import MakeSession
from ui import i18n
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.models.book import COLUMNS
from ui.screenshots import WINDOW_SIZE
from ui.taskman import TaskManager


@pytest.fixture(params=["en", "zh_CN"])
def language(qapp: object, request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.install(request.param)
    yield request.param
    i18n.install("en")


@contextmanager
def main_window(qtbot: QtBot, session: Session) -> Iterator[MainWindow]:
    """`session`'s window at `WINDOW_SIZE`, shown once the book has its first rows."""
    tasks = TaskManager()
    window = MainWindow(AppContext(session, tasks))
    window.sync.stop()
    window.resize(*WINDOW_SIZE)
    with qtbot.waitSignal(window.book.model.rows_arrived, timeout=20_000):
        window.show()
    try:
        yield window
    finally:
        window.close()
        window.deleteLater()
        tasks.shutdown(wait=True)


def _settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.ctx.tasks.in_flight == 0, timeout=20_000)
    QApplication.processEvents()
    QApplication.processEvents()


def header_needs(header: QHeaderView, section: int) -> int:
    """The width `section` needs to show its title whole: the text in the header's font,
    the style's margin either side and, where the header shows a sort arrow, the room
    Qt keeps for it (the section's height and a margin, as `sectionSizeFromContents`)."""
    text = str(header.model().headerData(section, Qt.Orientation.Horizontal) or "")
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    width = QFontMetrics(header.font()).horizontalAdvance(text) + 2 * margin
    if header.isSortIndicatorShown():
        width += header.height() + margin
    return width


def clipped_headers(where: str, root: QWidget) -> list[str]:
    """Every visible table's header sections under `root` whose title does not fit."""
    found = []
    for table in root.findChildren(QTableView):
        if not table.isVisible():
            continue
        header = table.horizontalHeader()
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            need, size = header_needs(header, section), header.sectionSize(section)
            if need > size:
                title = header.model().headerData(section, Qt.Orientation.Horizontal)
                found.append(f"{where}: {table.accessibleName()!r} {title!r} {size} < {need}")
    return found


def not_blank(widget: QWidget) -> int:
    image: QImage = widget.grab().toImage()
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), 17)
            for y in range(0, image.height(), 17)
        }
    )


def clipped_on_pages(
    qtbot: QtBot, window: MainWindow, kinds: list[str], language: str
) -> list[str]:
    """Show each page of `kinds` (and each tab of its tab widgets): the headers that do
    not fit; fails on a page that paints blank."""
    found: list[str] = []
    for kind in kinds:
        window.show_kind(kind)
        _settle(qtbot, window)
        assert window.current_kind() == kind
        page = window.stack.currentWidget()
        assert page is not None
        assert window.width() == WINDOW_SIZE[0], f"the {kind} page widens the window"
        found += clipped_headers(kind, page)
        colours = not_blank(window)
        assert colours > 20, f"the {kind} page looks blank in {language} ({colours} colours)"
        for tabs in [t for t in page.findChildren(QTabWidget) if t.isVisible()]:
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                _settle(qtbot, window)
                found += clipped_headers(f"{kind} tab {index}", page)
    return found


def test_rm_pages_headers_fit_and_the_book_needs_no_sideways_scrolling(
    qtbot: QtBot, make_session: MakeSession, language: str
) -> None:
    session = make_session("rm001", customers=150)
    with main_window(qtbot, session) as window:
        assert (window.width(), window.height()) == WINDOW_SIZE
        book = window.book.table
        _settle(qtbot, window)
        no_sideways_scrolling(book, "the book", language)
        reason = [key for key, _ in COLUMNS].index("reason")
        assert book.columnWidth(reason) >= 240, "the churn reason column is squeezed"

        # The customer most at risk: the fullest header (reasons, their task buttons).
        riskiest = churn_service.watchlist(session)[0].customer_id
        with qtbot.waitSignal(window.customer.loaded, timeout=20_000):
            window.open_customer(riskiest)
        window.show_kind("today")
        _settle(qtbot, window)
        assert window.today.table.isVisible(), "no follow-ups on Today: its table is not checked"
        found = clipped_on_pages(qtbot, window, window._kinds, language)
    assert not found, f"clipped headers in {language}:\n" + "\n".join(found)


def no_sideways_scrolling(table: QTableView, what: str, language: str) -> None:
    """Fails when `table` scrolls sideways (a column beyond its right edge)."""
    scroll = table.horizontalScrollBar()
    assert scroll.maximum() == 0 or not scroll.isVisible(), (
        f"{what} scrolls sideways in {language}: {scroll.maximum()} px"
    )


def test_team_page_headers_fit_and_its_table_needs_no_sideways_scrolling(
    qtbot: QtBot, make_session: MakeSession, language: str
) -> None:
    session = make_session("mgr001", role=Role.MANAGER, customers=90, rms=3)
    with main_window(qtbot, session) as window:
        assert (window.width(), window.height()) == WINDOW_SIZE
        found = clipped_on_pages(qtbot, window, ["team"], language)
        window.show_kind("team")
        _settle(qtbot, window)
        assert window.team is not None
        table = window.team.team_table
        assert table.isVisible()
        assert table.model().rowCount() == 3
        no_sideways_scrolling(table, "the Team table", language)
    assert not found, f"clipped headers in {language}:\n" + "\n".join(found)


def _sync_controls(window: MainWindow) -> list[QAbstractButton]:
    return [
        b
        for b in window.findChildren(QAbstractButton)
        if b.isVisible() and window.action_sync.text() in b.text()
    ]


def test_one_sync_now_control_the_sync_page_showing_the_same_action(
    qtbot: QtBot, make_session: MakeSession
) -> None:
    with main_window(qtbot, make_session("rm001", customers=30)) as window:
        assert window.action_sync.shortcut().toString() == "F5"
        (toolbar,) = _sync_controls(window)  # none in the status bar
        assert isinstance(toolbar, QToolButton)
        assert toolbar.defaultAction() is window.action_sync
        with qtbot.waitSignal(window.sync_page.loaded, timeout=20_000):
            window.show_page(window.sync_page)
        controls = _sync_controls(window)
        assert len(controls) == 2
        assert window.sync_page.sync_button in controls
        assert all(
            isinstance(b, QToolButton) and b.defaultAction() is window.action_sync for b in controls
        )
