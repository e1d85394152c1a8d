"""The assignment notification in Chinese: every word translated, the manager's name
and the due date in it, no customer; announced once, new until opened."""

from __future__ import annotations

import re
from datetime import date

from pytestqt.qtbot import QtBot

from local_store import book, records
from local_store import team as team_store
from rm_desk.domain.model import TaskSource
from rm_desk.services import team as team_service
from tests import factories
from tests.conftest import NOW, MakeSession
from ui.context import AppContext
from ui.notify import AssignmentNotifier, DesktopNotifier
from ui.taskman import TaskManager


class NoTray(DesktopNotifier):
    def tray_available(self) -> bool:
        return False


def test_the_chinese_notification_names_the_manager_and_no_customer(
    qtbot: QtBot, make_session: MakeSession, chinese: None
) -> None:
    rm = make_session("rm001", customers=20)
    with rm.store.transaction() as conn:
        cif = str(conn.exec_driver_sql("SELECT id FROM customers ORDER BY id LIMIT 1").scalar())
        name = book.get_customer(conn, cif).name
        given = factories.task("t-given", cif, title=f"拜访{name}", assignee="rm001",
                               created_by="mgr01", source=TaskSource.MANAGER,
                               due=date(2026, 12, 3))  # fmt: skip
        columns = ("id", "assignee", "status", "created_by")
        row = (given.id, given.assignee, given.status.value, given.created_by)
        assert team_store.note_assignments(conn, "rm001", columns, [row], NOW) == [given.id]
        records.put_tasks(conn, [given])
        team_store.replace_staff(conn, [team_store.StaffRow("mgr01", "赵静", "manager", None)])
    tasks = TaskManager()
    try:
        notifier = NoTray()
        announcer = AssignmentNotifier(AppContext(rm, tasks), notifier)
        with qtbot.waitSignal(notifier.shown, timeout=10_000) as shown:
            announcer.check()
    finally:
        tasks.shutdown(wait=True)
    title, body = shown.args
    assert "赵静" in body
    assert "到期" in body
    assert "主管分派" in body  # the kind: from the manager
    assert name not in title + body
    latin = re.sub(r"RM Desk", "", title + body)
    assert not re.search(r"[A-Za-z]", latin), title + body
    assert team_service.assignments_to_announce(rm) == []  # once
    assert [a.task.id for a in team_service.new_assignments(rm)] == [given.id]
