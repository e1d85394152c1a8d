"""The manager's Team page: workload per RM, at-risk customers, reassigning follow-ups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from local_store import outbox, records
from rm_desk.domain.model import Role, TaskSource
from rm_desk.domain.team import TeamFigure
from rm_desk.services import team as team_service
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.team import AtRiskModel, ReassignDialog, TeamModel, TeamPage


@pytest.fixture
def manager_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    manager = make_session("mgr01", role=Role.MANAGER, customers=90, rms=3)
    with manager.store.transaction() as conn:  # a few scored customers for the at-risk list
        conn.exec_driver_sql(
            "UPDATE customers SET churn_level = 'red', churn_score = 0.9 WHERE id IN "
            "(SELECT id FROM customers WHERE owner_rm = 'rm001' ORDER BY id LIMIT 3)"
        )
    tasks = TaskManager()
    yield AppContext(manager, tasks)
    tasks.shutdown(wait=True)


def red_or_amber(ctx: AppContext, rm: str) -> int:
    with ctx.session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT count(*) FROM customers WHERE owner_rm = ? AND churn_level IN ('red', 'amber')",
            (rm,),
        ).one()
    return int(row[0])


def open_team(qtbot: QtBot, ctx: AppContext) -> TeamPage:
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.activate()
    return page


def test_team_and_at_risk_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, manager_ctx: AppContext
) -> None:
    session = manager_ctx.session
    team = TeamModel()
    team.set_rows(team_service.team_summary(session))
    assert team.rowCount() >= 3
    qtmodeltester.check(team)  # type: ignore[attr-defined]
    risk = AtRiskModel()
    risk.set_rows(team_service.figure_list(session, "rm001", TeamFigure.AT_RISK).customers)
    assert risk.rowCount() == red_or_amber(manager_ctx, "rm001") >= 3
    qtmodeltester.check(risk)  # type: ignore[attr-defined]


def test_team_page_shows_each_rm_and_their_follow_ups(
    qtbot: QtBot, manager_ctx: AppContext
) -> None:
    session = manager_ctx.session
    page = open_team(qtbot, manager_ctx)
    summary = team_service.team_summary(session)
    assert [page.team.rm(r) for r in range(page.team.rowCount())] == [w.rm for w in summary]
    assert page.current_rm == summary[0].rm == "rm001"
    assert page.tasks.rowCount() == summary[0].open_tasks
    assert len(page.open_bars.opts["height"]) == len(summary)
    with qtbot.waitSignal(page.rm_loaded):
        page.select_figure("rm001", TeamFigure.AT_RISK)
    assert page.at_risk.rowCount() == summary[0].red + summary[0].amber
    assert page.at_risk.rowCount() == red_or_amber(manager_ctx, "rm001") >= 3
    with qtbot.waitSignal(page.rm_loaded):
        page.select_figure("rm001", TeamFigure.OPEN)
    with qtbot.waitSignal(page.rm_loaded) as shown:
        page.select_rm("rm002")
    assert shown.args == ["rm002"]
    assert {page.tasks.task(r).assignee for r in range(page.tasks.rowCount())} == {"rm002"}  # type: ignore[union-attr]
    with qtbot.waitSignal(page.rm_loaded):
        page.select_figure("rm002", TeamFigure.OVERDUE)
    overdue = next(w.overdue_tasks for w in summary if w.rm == "rm002")
    assert page.tasks.rowCount() == overdue


def test_manager_reassigns_a_follow_up(qtbot: QtBot, manager_ctx: AppContext) -> None:
    session = manager_ctx.session
    page = open_team(qtbot, manager_ctx)
    task = page.selected_task()
    assert task is not None
    assert task.assignee == "rm001"
    dialog = page.reassign_selected()
    assert isinstance(dialog, ReassignDialog)
    choices = [dialog.assignee.itemData(i) for i in range(dialog.assignee.count())]
    assert "rm001" not in choices
    assert "rm003" in choices
    dialog.assignee.setCurrentIndex(choices.index("rm003"))
    with qtbot.waitSignal(page.reassigned) as done:
        dialog.accept()
    assert done.args[0].assignee == "rm003"
    qtbot.waitUntil(lambda: page.tasks.row_of(task.id) == -1)  # gone from rm001's list
    with session.store.read() as conn:
        assert records.get_task(conn, task.id).assignee == "rm003"
        last = outbox.pending(conn, 10_000)[-1]
    assert (last.name, last.entity_id, last.fields) == ("task.update", task.id,
                                                        {"assignee": "rm003"})  # fmt: skip
    with qtbot.waitSignal(page.rm_loaded):
        page.select_rm("rm003")
    assert page.tasks.row_of(task.id) >= 0


def test_manager_gives_a_new_follow_up_to_the_selected_rm(
    qtbot: QtBot, manager_ctx: AppContext
) -> None:
    page = open_team(qtbot, manager_ctx)
    with qtbot.waitSignal(page.rm_loaded):
        page.select_rm("rm002")
    dialog = page.assign_new()
    assert dialog is not None
    with qtbot.waitSignal(dialog.picker.searched):
        dialog.picker.text.setText(page.tasks.rows[0].customer_name)
    dialog.title_edit.setText("Visit with the branch head")
    dialog.due.setDate(QDate(2026, 12, 2))
    with qtbot.waitSignal(page.reassigned) as done:
        dialog._check()
    task = done.args[0]
    assert (task.assignee, task.source) == ("rm002", TaskSource.MANAGER)
    assert task.due == date(2026, 12, 2)
    qtbot.waitUntil(lambda: page.tasks.row_of(task.id) >= 0)


def test_an_rm_gets_a_readable_refusal(qtbot: QtBot, ctx: AppContext) -> None:
    page = TeamPage(ctx)  # an RM's context: the service refuses
    qtbot.addWidget(page)
    with qtbot.waitSignal(ctx.error) as error:
        page.activate()
    assert error.args == ["Your role does not allow this."]
