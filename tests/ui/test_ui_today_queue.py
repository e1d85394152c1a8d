"""The Today queue: overdue, due today and upcoming follow-ups with the customer's name,
sortable and filtered by state; open, complete with an outcome and snooze in place;
new assignments marked until opened; counts beyond the shown rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from local_store import outbox, records
from rm_desk.domain.model import TaskPriority, TaskStatus
from rm_desk.services import tasks as task_service
from rm_desk.services import team as team_service
from rm_desk.services import today as today_service
from rm_desk.services.session import PermissionDenied, Session
from rm_desk.services.today import UPCOMING_DAYS, QueueState
from tests import factories
from tests.conftest import NOW, MakeSession
from ui.context import AppContext
from ui.models.today import TodayQueueModel, TodayQueueProxy
from ui.taskman import TaskManager
from ui.views.tasks import OutcomeDialog
from ui.views.today import COLUMN_DUE, COLUMN_PRIORITY, SnoozeDialog, TodayPage

TODAY = NOW.astimezone().date()
COLUMN_NEW, COLUMN_CUSTOMER = 0, 4


def open_page(qtbot: QtBot, ctx: AppContext) -> TodayPage:
    page = TodayPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.activate()
    return page


def reloaded(qtbot: QtBot, page: TodayPage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.reload()


def shown(page: TodayPage) -> list[str]:
    return [page.proxy.row_at(r).task_id for r in range(page.proxy.rowCount())]  # type: ignore[union-attr]


def click_header(qtbot: QtBot, page: TodayPage, column: int) -> None:
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_queue_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, session: Session
) -> None:
    queue = today_service.load_queue(session)
    assert {row.state for row in queue.rows} == set(QueueState)  # real data of every state
    model = TodayQueueModel()
    model.set_rows(queue.rows)
    assert model.rowCount() == len(queue.rows) > 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    proxy = TodayQueueProxy(model)
    proxy.sort(COLUMN_PRIORITY)
    proxy.show_state(QueueState.OVERDUE)
    assert 0 < proxy.rowCount() < model.rowCount()
    qtmodeltester.check(proxy)  # type: ignore[attr-defined]


def test_queue_rows_are_the_users_open_follow_ups_due_within_a_week(session: Session) -> None:
    queue = today_service.load_queue(session)
    last = TODAY + timedelta(days=UPCOMING_DAYS)
    expected = [
        line.task.id
        for line in task_service.task_lines(session, "open", limit=100_000)
        if line.task.due <= last
    ]
    assert sorted(row.task_id for row in queue.rows) == sorted(expected)
    for row in queue.rows:
        want = (QueueState.OVERDUE if row.due < TODAY
                else QueueState.DUE if row.due == TODAY else QueueState.UPCOMING)  # fmt: skip
        assert row.state is want


def test_rows_carry_names_and_sort_by_due_and_priority_on_header_click(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = open_page(qtbot, ctx)
    assert page.proxy.rowCount() > 10
    for r in range(page.proxy.rowCount()):
        row = page.proxy.row_at(r)
        assert row is not None
        assert row.customer_name
        assert page.proxy.index(r, COLUMN_CUSTOMER).data() == row.customer_name
        assert row.customer_id not in page.proxy.index(r, COLUMN_CUSTOMER).data()
    # a four-digit year on every due date
    assert (
        str(TODAY.year) in page.proxy.index(0, COLUMN_DUE).data()
        or str(TODAY.year - 1) in page.proxy.index(0, COLUMN_DUE).data()
    )

    click_header(qtbot, page, COLUMN_PRIORITY)
    priorities = [page.proxy.row_at(r).priority for r in range(page.proxy.rowCount())]  # type: ignore[union-attr]
    assert priorities == sorted(priorities, reverse=True)  # the most urgent first
    assert priorities[0] > priorities[-1]
    click_header(qtbot, page, COLUMN_DUE)
    dues = [page.proxy.row_at(r).due for r in range(page.proxy.rowCount())]  # type: ignore[union-attr]
    assert dues == sorted(dues)
    click_header(qtbot, page, COLUMN_DUE)  # again: latest first
    dues = [page.proxy.row_at(r).due for r in range(page.proxy.rowCount())]  # type: ignore[union-attr]
    assert dues == sorted(dues, reverse=True)
    assert dues[0] > dues[-1]
    reloaded(qtbot, page)  # a refresh keeps the user's order
    again = [page.proxy.row_at(r).due for r in range(page.proxy.rowCount())]  # type: ignore[union-attr]
    assert again == dues


def test_filters_show_one_state_with_its_count(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = open_page(qtbot, ctx)
    counts = today_service.load_queue(session).counts
    for state in QueueState:
        page.filter_buttons[state].click()
        assert page.proxy.rowCount() == counts[state]
        assert {page.proxy.row_at(r).state for r in range(page.proxy.rowCount())} <= {state}  # type: ignore[union-attr]
        assert f"({counts[state]})" in page.filter_buttons[state].text()
    page.filter_buttons[None].click()
    assert page.proxy.rowCount() == sum(counts.values())


def test_complete_with_an_outcome_closes_the_task_and_queues_it(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = open_page(qtbot, ctx)
    page.table.selectRow(0)
    row = page.selected()
    assert row is not None
    dialog = page.complete_selected()
    assert isinstance(dialog, OutcomeDialog)
    dialog._check()  # an empty outcome is refused
    assert dialog.isVisible()
    dialog.outcome.setPlainText("Renewed the deposit for a year")
    dialog._check()
    qtbot.waitUntil(lambda: page.model.row_of(row.task_id) == -1, timeout=10_000)
    with session.store.read() as conn:
        task = records.get_task(conn, row.task_id)
        last = outbox.pending(conn, 10_000)[-1]
    assert task.status is TaskStatus.DONE
    assert task.outcome == "Renewed the deposit for a year"
    assert (last.name, last.entity_id) == ("task.update", row.task_id)
    assert last.fields == {"status": "done", "outcome": "Renewed the deposit for a year"}
    assert row.reason in page.said.text()


@pytest.mark.parametrize("days", [1, 3, 7])
def test_snooze_moves_the_due_date(
    qtbot: QtBot, ctx: AppContext, session: Session, days: int
) -> None:
    page = open_page(qtbot, ctx)
    page.table.selectRow(0)  # the oldest overdue one
    row = page.selected()
    assert row is not None
    assert row.state is QueueState.OVERDUE
    page.snooze_actions[days].trigger()
    want = TODAY + timedelta(days=days)

    def due() -> object:
        with session.store.read() as conn:
            return records.get_task(conn, row.task_id).due

    qtbot.waitUntil(lambda: due() == want, timeout=10_000)
    qtbot.waitUntil(
        lambda: (
            (moved := page.model.row_of(row.task_id)) >= 0 and page.model.rows[moved].due == want
        ),
        timeout=10_000,
    )
    with session.store.read() as conn:
        last = outbox.pending(conn, 10_000)[-1]
    assert (last.name, last.entity_id, last.fields) == (
        "task.update",
        row.task_id,
        {"due": want.isoformat()},
    )
    # the follow-up stays selected where it now sits
    assert page.selected() is not None
    assert page.selected().task_id == row.task_id  # type: ignore[union-attr]


def test_snooze_to_a_picked_date_and_never_to_today(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    page = open_page(qtbot, ctx)
    page.table.selectRow(0)
    row = page.selected()
    assert row is not None
    dialog = page.pick_snooze_date()
    assert isinstance(dialog, SnoozeDialog)
    assert dialog.day.minimumDate().toPython() == TODAY + timedelta(days=1)
    dialog.day.setDate(dialog.day.minimumDate().addDays(4))
    dialog.accept()
    want = TODAY + timedelta(days=5)

    def due() -> object:
        with session.store.read() as conn:
            return records.get_task(conn, row.task_id).due

    qtbot.waitUntil(lambda: due() == want, timeout=10_000)
    with pytest.raises(task_service.InvalidTask):
        task_service.snooze_task(session, row.task_id, TODAY)
    theirs = factories.task("theirs", row.customer_id, assignee="rm002", created_by="mgr001")
    with session.store.transaction() as conn:  # as sync brings a manager's assignment
        records.put_tasks(conn, [theirs])
    with pytest.raises(PermissionDenied):  # an RM does not put off a colleague's follow-up
        task_service.snooze_task(session, theirs.id, TODAY + timedelta(days=2))


def test_a_new_assignment_is_marked_until_opened(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = task_service.task_lines(session, "open")[0].task.customer_id
    task, _ = task_service.create_task(
        session, cif, "Call about the manager's campaign", TODAY, priority=TaskPriority.URGENT
    )
    with session.store.transaction() as conn:  # as sync flags a follow-up a manager gave
        conn.exec_driver_sql(
            "INSERT INTO new_assignments (task_id, assigned_by, received_at) VALUES (?, ?, ?)",
            (task.id, "mgr001", NOW.isoformat()),
        )
    page = open_page(qtbot, ctx)
    assert page.select_task(task.id)
    r = page.table.currentIndex().row()
    assert page.proxy.index(r, COLUMN_NEW).data() == "New"
    font = page.proxy.index(r, COLUMN_CUSTOMER).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    others = [i for i in range(page.proxy.rowCount()) if i != r]
    assert all(page.proxy.index(i, COLUMN_NEW).data() == "" for i in others)

    with qtbot.waitSignal(ctx.open_customer) as opened:
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [cif]
    qtbot.waitUntil(
        lambda: task.id not in [a.task.id for a in team_service.new_assignments(session)],
        timeout=10_000,
    )
    reloaded(qtbot, page)
    assert page.select_task(task.id)
    r = page.table.currentIndex().row()
    assert page.proxy.index(r, COLUMN_NEW).data() == ""
    assert page.proxy.index(r, COLUMN_CUSTOMER).data(Qt.ItemDataRole.FontRole) is None


def test_counts_beyond_the_shown_rows_are_the_sql_counts(
    qtbot: QtBot, ctx: AppContext, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = today_service.load_queue(session)
    limited = today_service.load_queue(session, limit=5)
    assert len(limited.rows) == 5 < full.total == len(full.rows)
    assert limited.counts == full.counts
    sql = task_service.task_counts(session)
    assert limited.counts[QueueState.OVERDUE] == sql["overdue"]
    assert limited.counts[QueueState.DUE] == sql["today"]
    upcoming = [
        line
        for line in task_service.task_lines(session, "upcoming", limit=100_000)
        if line.task.due <= TODAY + timedelta(days=UPCOMING_DAYS)
    ]
    assert limited.counts[QueueState.UPCOMING] == len(upcoming) > 0

    monkeypatch.setattr(today_service, "SHOWN_QUEUE", 5)
    page = open_page(qtbot, ctx)
    assert page.proxy.rowCount() == 5
    assert page.filter_buttons[None].text() == f"All ({full.total})"
    overdue = full.counts[QueueState.OVERDUE]
    assert page.filter_buttons[QueueState.OVERDUE].text() == f"Overdue ({overdue})"
    assert page.summary.text() == f"Showing the first 5 of {full.total} follow-ups."


def test_selection_is_kept_after_a_refresh(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = open_page(qtbot, ctx)
    page.table.selectRow(3)
    row = page.selected()
    assert row is not None
    reloaded(qtbot, page)
    assert page.selected() is not None
    assert page.selected().task_id == row.task_id  # type: ignore[union-attr]


def test_an_empty_queue_says_the_user_is_up_to_date(
    qtbot: QtBot, qapp: object, make_session: MakeSession
) -> None:
    empty = make_session("rm009", customers=0)
    tasks = TaskManager()
    try:
        empty_ctx = AppContext(empty, tasks)
        page = open_page(qtbot, empty_ctx)
        assert page.stack.currentWidget() is page.empty
        assert page.empty.text() == "Nothing due — you're up to date."
        assert not page.complete_button.isEnabled()
        page.filter_buttons[QueueState.OVERDUE].click()
        assert page.empty.text() == "Nothing overdue — well done."
        # The two side lists say what is empty too, in a line that opens nothing.
        for widget, text in (
            (page.at_risk, "No customer at risk has gone 30 days without contact."),
            (page.drafts, "No unfinished notes: a note closed with Keep as draft waits here."),
        ):
            assert [widget.item(i).text() for i in range(widget.count())] == [text]
            line = widget.item(0)
            assert line.flags() == Qt.ItemFlag.NoItemFlags
            with qtbot.assertNotEmitted(empty_ctx.open_customer):
                widget.itemActivated.emit(line)
    finally:
        tasks.shutdown(wait=True)


def test_the_queue_in_chinese(qtbot: QtBot, ctx: AppContext, chinese: None) -> None:
    page = open_page(qtbot, ctx)
    headers = [page.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headers[0] == "新"
    texts = [*headers, *(b.text() for b in page.filter_buttons.values())]
    texts += [page.proxy.index(0, c).data() for c in (2, 3, 5)]
    for text in texts:
        assert not any("a" <= ch.lower() <= "z" for ch in text), text


def test_double_click_opens_the_customer(qtbot: QtBot, ctx: AppContext) -> None:
    page = open_page(qtbot, ctx)
    row = page.proxy.row_at(2)
    assert row is not None
    rect = page.table.visualRect(page.proxy.index(2, COLUMN_CUSTOMER))
    with qtbot.waitSignal(ctx.open_customer) as opened:
        # a double-click is a press, a release and the double-click (Qt needs the press)
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [row.customer_id]
