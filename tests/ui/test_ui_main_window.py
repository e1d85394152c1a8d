"""The whole window against a real gateway on a loopback port.

Search → open a profile; log a visit offline (timeline and outbox); lock and
unlock through the controller; a conflict resolved both ways through the Sync
page; navigation shortcuts; the manager's Team page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from local_store import outbox
from rm_desk.demo_gateway import EmbeddedGateway
from rm_desk.domain.book import BookColumn, BookSort
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import book as book_service
from rm_desk.services import conflicts as conflict_service
from rm_desk.services import customers as customer_service
from rm_desk.services import notes as note_service
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services import team as team_service
from rm_desk.services.demo import demo_password
from rm_desk.services.session import Registry, Session
from sync.server import admin
from ui.app import DeskController
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.taskman import TaskManager


@dataclass
class Bank:
    url: str
    reg: Registry
    other_reg: Registry


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[Bank]:
    gateway = EmbeddedGateway(tmp_path / "central.db")
    admin.seed(gateway.engine, customers=60, rms=2, seed=5, as_of=date(2026, 11, 1))
    url = gateway.start()
    policy = Policy(keyring=KeyringMode.OFF)
    yield Bank(
        url,
        sessions.registry(tmp_path / "a", policy),
        sessions.registry(tmp_path / "b", policy),
    )
    gateway.stop()


def _provision(reg: Registry, user: str, url: str) -> Session:
    return sync_service.add_profile(reg, user, demo_password(user), url).session


def _window(qtbot: QtBot, session: Session, tasks: TaskManager) -> MainWindow:
    ctx = AppContext(session, tasks)
    window = MainWindow(ctx)
    window.sync.stop()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.book.loaded, timeout=20_000):
        window.show()
    return window


def test_search_then_open_profile_and_log_a_visit_offline(
    qtbot: QtBot, bank: Bank, tasks: TaskManager
) -> None:
    session = _provision(bank.reg, "rm001", bank.url)
    window = _window(qtbot, session, tasks)
    ids = book_service.book_ids(session, sort=BookSort(BookColumn.NAME))
    row = book_service.book_rows(session, ids[:1])[0]

    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus() or QApplication.focusWidget() is window.search
    with qtbot.waitSignal(window.search.results_shown, timeout=10_000):
        window.search.setText(row.cif)
        window.search.textEdited.emit(row.cif)
    with qtbot.waitSignal(window.customer.loaded, timeout=20_000):
        window.search.returnPressed.emit()
    assert window.stack.currentWidget() is window.customer
    assert window.customer.customer_id == row.cif

    editor = window.customer_note_editor(row.cif)
    editor.fill_example()
    with qtbot.waitSignal(editor.saved, timeout=20_000) as saved:
        editor.save()
    interaction = saved.args[0]
    assert interaction.id in [i.id for i in note_service.timeline(session, row.cif)]
    with session.store.read() as conn:
        queued = [(m.entity, m.entity_id) for m in outbox.pending(conn)]
    assert ("interaction", interaction.id) in queued
    pending = len(queued)
    qtbot.waitUntil(lambda: str(pending) in window.pending_label.text(), timeout=10_000)


def test_lock_returns_to_sign_in_and_unlock_reopens(qtbot: QtBot, bank: Bank) -> None:
    session = _provision(bank.reg, "rm001", bank.url)
    controller = DeskController(bank.reg, language="en")
    try:
        with qtbot.waitSignal(controller.main_shown, timeout=20_000):
            window = controller.show_main(session)
        window.sync.stop()
        qtbot.waitUntil(lambda: window.book.model.rowCount() > 0, timeout=20_000)
        window.activateWindow()
        qtbot.keyClick(window.book.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: session.is_locked, timeout=10_000)
        login = controller.window
        assert login is not None
        assert login is not window
        qtbot.waitUntil(lambda: login.profiles.count() > 0)  # type: ignore[attr-defined]
        assert login.selected_user() == "rm001"  # type: ignore[attr-defined]
        login.password.setText(demo_password("rm001"))  # type: ignore[attr-defined]
        with qtbot.waitSignal(login.unlocked, timeout=20_000):  # type: ignore[attr-defined]
            login.unlock_button.click()  # type: ignore[attr-defined]
        assert controller.session is not None
        assert not controller.session.is_locked
        assert isinstance(controller.window, MainWindow)
    finally:
        controller.shutdown()


def test_conflict_resolved_keep_mine_and_keep_theirs(
    qtbot: QtBot, bank: Bank, tasks: TaskManager
) -> None:
    mine = _provision(bank.reg, "rm001", bank.url)
    other = _provision(bank.other_reg, "mgr001", bank.url)
    cifs = [r.cif for r in book_service.book_rows(mine, book_service.book_ids(mine)[:2])]
    for cif, suffix in zip(cifs, ("1", "2"), strict=True):
        customer_service.update_contact(other, cif, email=f"theirs{suffix}@example.cn")
        customer_service.update_contact(mine, cif, email=f"mine{suffix}@example.cn")
    sync_service.sync_session(other, None)
    sync_service.sync_session(mine, None)
    open_ = conflict_service.open_conflicts(mine)
    assert {c.entity_id for c in open_} == set(cifs)

    window = _window(qtbot, mine, tasks)
    page = window.sync_page
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        window.show_page(page)
    assert page.conflicts.rowCount() == 2
    first = page.conflicts.rows[0]
    page.conflict_view.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.keep_mine.click()
    assert page.conflicts.rowCount() == 1
    page.conflict_view.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.keep_theirs.click()
    assert page.conflicts.rowCount() == 0

    sync_service.sync_session(mine, None)
    sync_service.sync_session(other, None)
    kept_mine = book_service.customer_profile(other, first.entity_id).customer.email
    assert kept_mine == first.mine  # "keep mine" travelled to the other client
    second = cifs[1] if first.entity_id == cifs[0] else cifs[0]
    assert book_service.customer_profile(mine, second).customer.email.startswith("theirs")


def test_navigation_shortcuts_and_manager_team_page(
    qtbot: QtBot, bank: Bank, tasks: TaskManager
) -> None:
    manager = _provision(bank.other_reg, "mgr001", bank.url)
    window = _window(qtbot, manager, tasks)
    assert window.team is not None
    number = window.pages.index(window.team) + 1
    with qtbot.waitSignal(window.team.loaded, timeout=20_000):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.team
    for page in window.pages:
        assert page.title()
    rm = _provision(bank.reg, "rm001", bank.url)
    rm_window = _window(qtbot, rm, tasks)
    assert rm_window.team is None


def test_a_follow_up_assigned_by_the_manager_is_announced_after_the_window_syncs(
    qtbot: QtBot, bank: Bank, tasks: TaskManager
) -> None:
    rm = _provision(bank.reg, "rm001", bank.url)
    manager = _provision(bank.other_reg, "mgr001", bank.url)
    window = _window(qtbot, rm, tasks)
    cif = book_service.book_rows(rm, book_service.book_ids(rm)[:1])[0].cif
    given, _ = team_service.assign_new_task(manager, cif, "面谈", date(2026, 12, 3), "rm001")
    sync_service.sync_session(manager, None)
    with qtbot.waitSignal(window.notifier.shown, timeout=30_000) as shown:
        window.sync_now()  # the window's own background sync, then its announcer
    title, body = shown.args
    assert "1" in title
    assert team_service.staff_names(rm)["mgr001"] in body
    # Offscreen there is no system tray: the window shows the banner in its status bar.
    assert title in window.statusBar().currentMessage()
    assert [a.task.id for a in team_service.new_assignments(rm)] == [given.id]
