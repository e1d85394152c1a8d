"""The Tasks page: views by due date, create, edit, complete with an outcome, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from local_store import outbox
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import FollowUpTask, TaskStatus
from rm_desk.services import tasks as task_service
from rm_desk.services.session import Session
from rm_desk.services.tasks import TaskLine
from tests import factories
from tests.conftest import NOW, MakeSession
from ui import messages
from ui.context import AppContext
from ui.models.tasks import TaskTableModel
from ui.taskman import TaskManager
from ui.views.tasks import OutcomeDialog, ReminderNotifier, TaskDialog, TasksPage

TODAY = NOW.astimezone().date()


def open_page(qtbot: QtBot, ctx: AppContext, view: str = "today") -> TasksPage:
    page = TasksPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 500)
    page.show()
    with qtbot.waitSignal(page.loaded):
        if view == "today":
            page.activate()
        else:
            page.show_view(view)
    return page


def test_task_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, session: Session
) -> None:
    model = TaskTableModel()
    model.set_lines(task_service.task_lines(session, "open"), TODAY)
    assert model.rowCount() > 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_views_list_the_users_tasks_by_due_date(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    for view in ("overdue", "upcoming", "done"):
        page = open_page(qtbot, ctx, view)
        expected = [line.task.id for line in task_service.task_lines(session, view)]
        assert expected, view
        assert [page.model.task(r).id for r in range(page.model.rowCount())] == expected  # type: ignore[union-attr]
        titles = {"overdue": "Overdue", "upcoming": "Upcoming", "done": "Done"}
        assert page.tabs.tabText(page.tabs.currentIndex()) == f"{titles[view]} ({len(expected)})"
        if view == "overdue":
            assert all(page.model.task(r).due < TODAY for r in range(page.model.rowCount()))  # type: ignore[union-attr]
        customer = page.model.index(0, 2).data()
        assert page.model.rows[0].task.customer_id in customer
        assert page.model.rows[0].customer_name in customer
    assert not page.table.isColumnHidden(7)  # the outcome column shows for done tasks


def test_complete_a_task_with_an_outcome(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = open_page(qtbot, ctx, "overdue")
    task = page.selected()
    assert task is not None
    assert page.complete_button.isEnabled()
    dialog = page.complete_selected()
    assert isinstance(dialog, OutcomeDialog)
    dialog._check()  # an empty outcome is refused
    assert dialog.isVisible()
    assert dialog.error.text()
    dialog.outcome.setPlainText("Customer renewed for 12 months")
    dialog._check()
    # the broadcast reloads the page: the task is no longer overdue
    qtbot.waitUntil(lambda: page.model.row_of(task.id) == -1)
    with qtbot.waitSignal(page.loaded):
        page.show_view("done")
    row = page.model.row_of(task.id)
    assert row >= 0
    done = page.model.task(row)
    assert done is not None
    assert done.status is TaskStatus.DONE
    assert done.outcome == "Customer renewed for 12 months"
    assert page.model.index(row, 7).data() == "Customer renewed for 12 months"
    with session.store.read() as conn:
        last = outbox.pending(conn, 10_000)[-1]
    assert (last.name, last.entity_id) == ("task.update", task.id)
    assert last.fields == {"status": "done", "outcome": "Customer renewed for 12 months"}


def test_create_and_edit_a_task(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = open_page(qtbot, ctx, "upcoming")
    dialog = page.new_task()
    assert isinstance(dialog, TaskDialog)
    with qtbot.waitSignal(dialog.picker.searched):
        dialog.picker.text.setText(page.model.rows[0].customer_name)
    cif = dialog.picker.customer_id()
    assert cif
    dialog.title_edit.setText("Bring the new wealth brochure")
    dialog.due.setDate(QDate(2026, 12, 3))
    dialog._check()

    def created_rows() -> list[FollowUpTask]:
        return [line.task for line in page.model.rows if line.task.title.startswith("Bring")]

    qtbot.waitUntil(lambda: len(created_rows()) == 1)
    created = created_rows()
    assert (created[0].customer_id, created[0].due) == (cif, date(2026, 12, 3))

    assert page.select_task(created[0].id)
    edit = page.edit_selected()
    assert edit is not None
    assert edit.title_edit.text() == "Bring the new wealth brochure"
    edit.due.setDate(QDate(2026, 12, 10))
    assert edit.changed_values() == {"due": date(2026, 12, 10)}
    edit._check()

    def due_now_shown() -> date | None:
        task = page.model.task(page.model.row_of(created[0].id))
        return task.due if task else None

    qtbot.waitUntil(lambda: due_now_shown() == date(2026, 12, 10))


def test_reminders_announce_due_tasks_once_and_fall_back_without_a_tray(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = task_service.task_lines(session, "open")[0].task.customer_id
    fresh, _ = task_service.create_task(session, cif, "Call before noon", TODAY)
    later, _ = task_service.create_task(session, cif, "Next month", TODAY + timedelta(days=30))
    notifier = ReminderNotifier(ctx)
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: no tray
    with qtbot.waitSignal(notifier.due) as due, qtbot.waitSignal(notifier.reminder) as said:
        notifier.check()
    ids = {t.id for t in due.args[0]}
    assert fresh.id in ids
    assert later.id not in ids
    assert ids == {t.id for t in task_service.due_now(session)}
    assert str(len(ids)) in said.args[0]
    # it says what it counts (due today or overdue this week), not "due": the Overdue
    # tab's larger count includes older follow-ups
    assert "due today or overdue this week" in said.args[0]
    # a second check announces nothing new
    with qtbot.assertNotEmitted(notifier.due):
        notifier.check()
        qtbot.waitUntil(lambda: ctx.tasks.in_flight == 0)
    newer, _ = task_service.create_task(session, cif, "Urgent callback", TODAY)
    with qtbot.waitSignal(notifier.due) as due:
        notifier.check()
    assert [t.id for t in due.args[0]] == [newer.id]


def test_a_long_view_says_how_much_is_shown(
    qtbot: QtBot, ctx: AppContext, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.views.tasks.LIST_LIMIT", 3)
    total = len(task_service.task_lines(session, "upcoming"))
    assert total > 3
    page = open_page(qtbot, ctx, "upcoming")
    assert page.model.rowCount() == 3
    assert page.summary.text() == f"Showing the first 3 of {total} tasks"
    assert page.tabs.tabText(2) == f"Upcoming ({total})"


def test_a_colleagues_follow_up_offers_no_change_and_says_why(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    """The page's buttons ask the rule book: the Tasks page lists the user's own
    follow-ups, and a list that shows a colleague's (here put into the page's model as
    one would) disables Edit, Complete and Delete, with the reason as their tooltip."""
    page = open_page(qtbot, ctx, "upcoming")
    own = page.model.rows[0]
    theirs = factories.task("theirs", own.task.customer_id, assignee="rm002",
                            created_by="mgr001", due=TODAY)  # fmt: skip
    page.model.set_lines([own, TaskLine(theirs, own.customer_name)], TODAY)
    buttons = (page.edit_button, page.complete_button, page.delete_button)
    why = messages.sentence(ErrorCode.TASK_NOT_YOURS, {})

    assert page.select_task(theirs.id)
    assert [b.isEnabled() for b in buttons] == [False, False, False]
    assert [b.toolTip() for b in buttons] == [why] * 3
    # The keys (F2, Ctrl+D, Del) reach the same slots: nothing opens.
    assert page.edit_selected() is None
    assert page.complete_selected() is None
    assert page.delete_selected() is None
    assert page.dialog is None

    assert page.select_task(own.task.id)
    assert [b.isEnabled() for b in buttons] == [True, True, True]
    assert [b.toolTip() for b in buttons] == [b.accessibleName() for b in buttons]
    assert why not in [b.toolTip() for b in buttons]


def test_a_new_tasks_due_date_starts_on_the_sessions_day_not_the_computers(
    qtbot: QtBot, make_session: MakeSession
) -> None:
    far = datetime(2031, 2, 27, 23, 45, tzinfo=UTC)  # years from any day the tests run on
    tasks = TaskManager()
    try:
        ctx = AppContext(make_session("rm001", customers=5, clock=lambda: far), tasks)
        dialog = TaskDialog(ctx)
        qtbot.addWidget(dialog)
        local = far.astimezone().date()
        assert dialog.due.date() == QDate(local.year, local.month, local.day)
    finally:
        tasks.shutdown(wait=True)
