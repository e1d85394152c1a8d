"""The team dashboard's figures are true counts: each equals a count computed straight
from the data (written here independently of the app's queries), well past the 300
rows a list used to be cut at; the list each figure drills down to holds that many
rows; RMs are shown by name; a manager without a team gets a sentence saying so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from local_store import records
from local_store import team as team_store
from rm_desk.domain.model import InteractionKind, Role, TaskStatus
from rm_desk.domain.team import FigureList, TeamFigure
from rm_desk.services.session import Session
from tests import factories
from tests.conftest import NOW, MakeSession
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.team import FIGURE_OF_COLUMN, TeamModel, TeamPage

TODAY = NOW.astimezone().date()
MONDAY = TODAY - timedelta(days=TODAY.weekday())
FIRST = TODAY.replace(day=1)
NAMES = {"rm001": "张伟", "rm002": "李娜", "rm003": "王芳"}
OPEN_RM001 = 535  # added to the demo book's: far past the 300 rows a list used to hold


def _local_day(instant: str) -> date:
    return datetime.fromisoformat(instant).astimezone().date()


def load_team_work(session: Session) -> None:
    """535 open follow-ups for rm001 (overdue, today, later), some closed; visits and
    calls this week, earlier this month and last month; red and amber customers; the
    staff directory with names."""
    with session.store.transaction() as conn:
        cifs = [
            str(r[0])
            for r in conn.exec_driver_sql(
                "SELECT id FROM customers WHERE owner_rm = 'rm001' ORDER BY id"
            ).fetchall()
        ]
        tasks = []
        for i in range(OPEN_RM001 + 40):
            due = TODAY + timedelta(days=(i % 7) - 3)
            status = TaskStatus.OPEN if i < OPEN_RM001 else TaskStatus.DONE
            if i % 11 == 0 and status is TaskStatus.OPEN:
                status = TaskStatus.IN_PROGRESS
            tasks.append(
                factories.task(
                    f"t-{i:04d}",
                    cifs[i % len(cifs)],
                    due=due,
                    status=status,
                    assignee="rm001",
                    title=f"跟进 {i}",
                )  # fmt: skip
            )
        records.put_tasks(conn, tasks)
        contacts = []
        moments = [
            datetime.combine(MONDAY, datetime.min.time()).astimezone() + timedelta(hours=1),
            NOW - timedelta(hours=2),
            datetime.combine(FIRST, datetime.min.time()).astimezone() + timedelta(hours=3),
            datetime.combine(FIRST, datetime.min.time()).astimezone() - timedelta(hours=1),
            NOW - timedelta(days=40),
        ]
        for i in range(60):
            contacts.append(
                factories.interaction(
                    f"i-{i:04d}", cifs[i % len(cifs)],
                    kind=InteractionKind.VISIT if i % 3 else InteractionKind.CALL,
                    occurred_at=moments[i % len(moments)].astimezone(UTC),
                    created_by="rm001" if i % 4 else "rm002",
                )
            )  # fmt: skip
        records.add_interactions(conn, contacts)
        conn.exec_driver_sql(
            "UPDATE customers SET churn_level = CASE WHEN rowid % 3 = 0 THEN 'red' "
            "WHEN rowid % 3 = 1 THEN 'amber' ELSE 'green' END, churn_score = (rowid % 10) / 10.0"
        )
        team_store.replace_staff(
            conn,
            [team_store.StaffRow(u, n, "rm", NOW - timedelta(minutes=5 * k))
             for k, (u, n) in enumerate(NAMES.items())]
            + [team_store.StaffRow("mgr01", "赵经理", "manager", None)],
        )  # fmt: skip


def direct_counts(session: Session, rm: str) -> dict[TeamFigure, int]:
    """Each figure counted here from the rows themselves, not by the app's SQL."""
    with session.store.read() as conn:
        tasks = conn.exec_driver_sql(
            "SELECT status, due FROM tasks WHERE assignee = ?", (rm,)
        ).fetchall()
        customers = conn.exec_driver_sql(
            "SELECT churn_level FROM customers WHERE owner_rm = ?", (rm,)
        ).fetchall()
        contacts = conn.exec_driver_sql(
            "SELECT kind, occurred_at FROM interactions WHERE created_by = ?", (rm,)
        ).fetchall()
    open_dues = [date.fromisoformat(d) for s, d in tasks if s in ("open", "in_progress")]
    levels = [r[0] for r in customers]
    days = [(k, _local_day(at)) for k, at in contacts]
    return {
        TeamFigure.CUSTOMERS: len(levels),
        TeamFigure.OPEN: len(open_dues),
        TeamFigure.OVERDUE: sum(d < TODAY for d in open_dues),
        TeamFigure.DUE_TODAY: sum(d == TODAY for d in open_dues),
        TeamFigure.RED: levels.count("red"),
        TeamFigure.AMBER: levels.count("amber"),
        TeamFigure.AT_RISK: levels.count("red") + levels.count("amber"),
        TeamFigure.VISITS_WEEK: sum(k == "visit" and d >= MONDAY for k, d in days),
        TeamFigure.CALLS_WEEK: sum(k == "call" and d >= MONDAY for k, d in days),
        TeamFigure.VISITS_MONTH: sum(k == "visit" and d >= FIRST for k, d in days),
        TeamFigure.CALLS_MONTH: sum(k == "call" and d >= FIRST for k, d in days),
    }


def direct_aum_at_risk(session: Session, rm: str) -> int:
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT aum_fen, churn_level FROM customers WHERE owner_rm = ?", (rm,)
        ).fetchall()
    return sum(a for a, level in rows if level in ("red", "amber"))


@pytest.fixture
def manager_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    manager = make_session("mgr01", role=Role.MANAGER, customers=90, rms=3)
    load_team_work(manager)
    tasks = TaskManager()
    yield AppContext(manager, tasks)
    tasks.shutdown(wait=True)


def open_team(qtbot: QtBot, ctx: AppContext) -> TeamPage:
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.activate()
    return page


def shown_figure(page: TeamPage, row: int, key: str) -> int:
    value = page.team.data(page.team.index(row, page.team.columns.index(key)),
                           Qt.ItemDataRole.UserRole)  # fmt: skip
    assert isinstance(value, int)
    return value


def test_every_figure_is_the_true_count_and_rms_have_names(
    qtbot: QtBot, manager_ctx: AppContext
) -> None:
    session = manager_ctx.session
    page = open_team(qtbot, manager_ctx)
    assert page.pages.currentIndex() == 0
    rms = [page.team.rm(r) for r in range(page.team.rowCount())]
    assert set(rms) == set(NAMES)
    for row, rm in enumerate(rms):
        assert rm is not None
        name = page.team.data(page.team.index(row, 0))
        assert name == NAMES[rm]  # the name, not the id
        expected = direct_counts(session, rm)
        for key, figure in FIGURE_OF_COLUMN.items():
            if figure is None:
                continue
            if key == "aum_at_risk":
                assert shown_figure(page, row, key) == direct_aum_at_risk(session, rm)
            else:
                assert shown_figure(page, row, key) == expected[figure], (rm, key)
    rm001 = direct_counts(session, "rm001")
    assert rm001[TeamFigure.OPEN] >= OPEN_RM001 > 300
    assert rm001[TeamFigure.OVERDUE] > 200
    assert 0 < rm001[TeamFigure.VISITS_WEEK] < rm001[TeamFigure.VISITS_MONTH]
    assert 0 < rm001[TeamFigure.CALLS_WEEK] < rm001[TeamFigure.CALLS_MONTH]
    # The chart draws the same figures, labelled by name.
    row = rms.index("rm001")
    assert page.open_bars.opts["height"][row] == rm001[TeamFigure.OPEN]
    ticks = page.chart.getAxis("bottom")._tickLevels[0]
    assert [label for _x, label in ticks] == [NAMES[r] for r in rms if r]


def test_each_figure_drills_down_to_a_list_of_its_size(
    qtbot: QtBot, manager_ctx: AppContext
) -> None:
    session = manager_ctx.session
    page = open_team(qtbot, manager_ctx)
    row = page.team.row_of("rm001")
    expected = direct_counts(session, "rm001")
    for key, figure in FIGURE_OF_COLUMN.items():
        if figure is None:
            continue
        index = page.team.index(row, page.team.columns.index(key))
        with qtbot.waitSignal(page.rm_loaded, timeout=20_000):
            page.team_table.setCurrentIndex(index)  # a click or the keyboard on the cell
        assert page.current_figure is figure
        model = {
            FigureList.TASKS: page.tasks,
            FigureList.CUSTOMERS: page.at_risk,
            FigureList.CONTACTS: page.contacts,
        }[figure.lists]
        table = page.lists.currentWidget()
        assert isinstance(table, QTableView)
        assert table.model() is model
        assert page.detail is not None
        assert page.detail.count == model.rowCount() == expected[figure], key
        assert f"{expected[figure]:,}" in page.rm_title.text()
        assert NAMES["rm001"] in page.rm_title.text()
    # The open list holds every one of the 535+ follow-ups, each rm001's and open.
    with qtbot.waitSignal(page.rm_loaded, timeout=20_000):
        page.select_figure("rm001", TeamFigure.OPEN)
    shown = [page.tasks.task(r) for r in range(page.tasks.rowCount())]
    assert len(shown) == expected[TeamFigure.OPEN] >= OPEN_RM001
    assert {t.assignee for t in shown if t} == {"rm001"}
    assert {t.status for t in shown if t} <= {TaskStatus.OPEN, TaskStatus.IN_PROGRESS}
    assert "(" not in page.rm_title.text()  # nothing cut off, so no "first N" note


def test_a_bar_of_a_chart_drills_down_too(qtbot: QtBot, manager_ctx: AppContext) -> None:
    page = open_team(qtbot, manager_ctx)
    row = page.team.row_of("rm002")
    for chart, x, figure in (
        (page.chart, row - 0.18, TeamFigure.OPEN),
        (page.chart, row + 0.18, TeamFigure.OVERDUE),
        (page.risk_chart, row + 0.1, TeamFigure.AT_RISK),
    ):
        with qtbot.waitSignal(page.rm_loaded, timeout=20_000):
            page.bar_clicked(chart, x)
        assert (page.current_rm, page.current_figure) == ("rm002", figure)
        assert page.detail is not None
        assert page.detail.count == direct_counts(manager_ctx.session, "rm002")[figure]
    page.bar_clicked(page.chart, 99.0)  # beside every bar: nothing changes
    assert (page.current_rm, page.current_figure) == ("rm002", TeamFigure.AT_RISK)


def test_the_table_sorts_by_any_figure(qtbot: QtBot, manager_ctx: AppContext) -> None:
    page = open_team(qtbot, manager_ctx)
    column = page.team.columns.index("open")
    page.team_table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    values = [shown_figure(page, r, "open") for r in range(page.team.rowCount())]
    assert values == sorted(values, reverse=True)
    assert page.team.rm(0) == "rm001"
    page.team_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    names = [page.team.data(page.team.index(r, 0)) for r in range(page.team.rowCount())]
    assert names == sorted(names)


def test_a_manager_without_a_team_is_told_so(qtbot: QtBot, make_session: MakeSession) -> None:
    manager = make_session("mgr09", role=Role.MANAGER, customers=0)
    tasks = TaskManager()
    try:
        page = open_team(qtbot, AppContext(manager, tasks))
        assert page.pages.currentWidget() is page.no_team
        assert "no team" in page.no_team.text()
    finally:
        tasks.shutdown(wait=True)


def test_the_no_team_sentence_is_chinese(
    qtbot: QtBot, make_session: MakeSession, chinese: None
) -> None:
    manager = make_session("mgr09", role=Role.MANAGER, customers=0)
    tasks = TaskManager()
    try:
        page = open_team(qtbot, AppContext(manager, tasks))
        assert page.pages.currentWidget() is page.no_team
        assert "团队" in page.no_team.text()
        assert not any("a" <= ch.lower() <= "z" for ch in page.no_team.text())
    finally:
        tasks.shutdown(wait=True)


def test_short_headers_say_the_figure_in_full_in_their_tooltip(qapp: object) -> None:
    model = TeamModel()
    h = Qt.Orientation.Horizontal
    column = {key: i for i, key in enumerate(model.columns)}
    tip, title = Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DisplayRole
    assert model.headerData(column["open"], h, title) == "Open"
    assert model.headerData(column["open"], h, tip) == "Open follow-ups"
    assert model.headerData(column["calls_month"], h, tip) == "Calls this month"
    assert model.headerData(column["last_sync"], h, title) == "Synced"
    assert model.headerData(column["last_sync"], h, tip) == "When the RM's device last synced"
    assert model.headerData(column["customers"], h, tip) is None  # says it in full already
    # The list under the table names its figure in full.
    assert model.figure_title(TeamFigure.VISITS_WEEK) == "Visits this week"
    assert model.figure_title(TeamFigure.RED) == "Red"
