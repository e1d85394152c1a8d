"""An empty table says what is empty and what to do (and nothing while it has rows):
the Sync page's conflicts and returned work, the Tasks views, the watchlist and a
customer's contact history. Today's queue has its own sentence (test_ui_today_queue)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from rm_desk.services import book as book_service
from rm_desk.services.session import Session
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.base import EmptyState
from ui.views.history import ContactHistory
from ui.views.sync_page import SyncPage
from ui.views.tasks import TasksPage
from ui.views.watchlist import WatchlistPage


@pytest.fixture
def empty_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    """A profile with no customers yet: every list is empty."""
    tasks = TaskManager()
    yield AppContext(make_session("rm002", customers=0), tasks)
    tasks.shutdown(wait=True)


def _said(empty: EmptyState) -> str:
    """The sentence shown over the table ("" when none is)."""
    return empty.label.text() if empty.label.isVisible() else ""


def _sync_page(qtbot: QtBot, ctx: AppContext) -> SyncPage:
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.activate()
    return page


def test_the_sync_page_says_there_are_no_conflicts_and_no_returned_work(
    qtbot: QtBot, ctx: AppContext
) -> None:
    page = _sync_page(qtbot, ctx)
    assert _said(page.no_conflicts) == (
        "No conflicts: nothing was changed both here and centrally."
    )
    assert _said(page.no_returned).startswith("No returned work")
    label = page.no_conflicts.label
    assert label.geometry() == page.conflict_view.viewport().rect()
    assert page.conflict_view.horizontalHeader().isVisible()  # the columns still say what


def test_the_sync_page_says_it_in_chinese(qtbot: QtBot, ctx: AppContext, chinese: None) -> None:
    page = _sync_page(qtbot, ctx)
    assert _said(page.no_conflicts).startswith("没有冲突")
    assert _said(page.no_returned).startswith("没有退回")


def test_tasks_views_say_what_is_empty_and_how_to_add_one(
    qtbot: QtBot, empty_ctx: AppContext, ctx: AppContext
) -> None:
    page = TasksPage(empty_ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.activate()
    assert "Ctrl+T" in _said(page.empty)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_view("overdue")
    assert _said(page.empty) == "No overdue tasks."

    full = TasksPage(ctx)  # a book with overdue follow-ups
    qtbot.addWidget(full)
    full.show()
    with qtbot.waitSignal(full.loaded, timeout=10_000):
        full.show_view("overdue")
    assert full.model.rowCount() > 0
    assert _said(full.empty) == ""


def test_an_empty_watchlist_says_so(qtbot: QtBot, empty_ctx: AppContext, ctx: AppContext) -> None:
    for context, flagged in ((empty_ctx, False), (ctx, True)):
        page = WatchlistPage(context)
        qtbot.addWidget(page)
        page.show()
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            page.activate()
        assert (page.model.rowCount() > 0) is flagged
        said = _said(page.empty)
        assert said == "" if flagged else said.startswith("No customer is flagged")


def test_a_customer_without_contacts_says_how_to_log_one(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    history = ContactHistory(ctx)
    qtbot.addWidget(history)
    history.show()
    assert _said(history.empty) == ""  # no customer yet: nothing to say
    with qtbot.waitSignal(history.loaded, timeout=10_000):
        history.show_customer("NO-SUCH-CUSTOMER")
    assert "Ctrl+N" in _said(history.empty)
    with qtbot.waitSignal(history.loaded, timeout=10_000):
        history.kind_filter.setCurrentIndex(1)
    assert _said(history.empty).startswith("No contacts of this kind")
    with qtbot.waitSignal(history.loaded, timeout=10_000):
        history.kind_filter.setCurrentIndex(0)
    cif = next(_customers_with_contacts(session))
    with qtbot.waitSignal(history.loaded, timeout=10_000):
        history.show_customer(cif)
    assert history.model.rowCount() > 0
    assert _said(history.empty) == ""


def _customers_with_contacts(session: Session) -> Iterator[str]:
    ids = book_service.book_ids(session)
    for row in book_service.book_rows(session, ids[:60]):
        if row.last_contact_at:
            yield row.cif
