"""Every control on the customer, history, note, task and team views has a name a
screen reader can announce (its own accessible name, or the text it shows)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Role
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.history import ContactHistory
from ui.views.note_editor import DraftsDialog, NoteEditor
from ui.views.profile import CustomerPage, RevealDialog
from ui.views.tasks import OutcomeDialog, TaskDialog, TasksPage
from ui.views.team import TeamPage

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox,
            QPlainTextEdit, QTextEdit)  # fmt: skip


def unnamed(root: QWidget) -> list[str]:
    out = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisibleTo(root):
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parent(), QAbstractSpinBox | QComboBox):
            continue  # the editor inside a date or combo box: the outer control is named
        if isinstance(w, QHeaderView):
            continue  # a table's header: the table is named, the columns have titles
        text = w.text() if isinstance(w, QAbstractButton) else ""
        if not (w.accessibleName() or text):
            out.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parent()).__name__}")
    return out


@pytest.fixture
def manager_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    tasks = TaskManager()
    yield AppContext(make_session("mgr01", role=Role.MANAGER, customers=30, rms=2), tasks)
    tasks.shutdown(wait=True)


def test_every_control_is_named(qtbot: QtBot, ctx: AppContext, manager_ctx: AppContext) -> None:
    with ctx.session.store.read() as conn:
        cif = conn.exec_driver_sql("SELECT id FROM customers ORDER BY id LIMIT 1").scalar_one()
    profile = CustomerPage(ctx)
    tasks_page = TasksPage(ctx)
    team = TeamPage(manager_ctx)
    history = ContactHistory(ctx)
    editor = NoteEditor(ctx, "")  # with the customer search shown
    views: list[QWidget] = [profile, tasks_page, team, history, editor, DraftsDialog(ctx),
                            TaskDialog(ctx), RevealDialog("mobile")]  # fmt: skip
    for view in views:
        qtbot.addWidget(view)
        view.show()
    with qtbot.waitSignal(profile.loaded, timeout=10_000):
        profile.show_customer(cif)
    with qtbot.waitSignal(tasks_page.loaded):
        tasks_page.show_view("overdue")
    with qtbot.waitSignal(team.loaded, timeout=10_000):
        team.activate()
    task = tasks_page.selected()
    assert task is not None
    outcome = OutcomeDialog(task)
    qtbot.addWidget(outcome)
    outcome.show()
    views.append(outcome)
    problems = {type(v).__name__: unnamed(v) for v in views}
    assert {k: v for k, v in problems.items() if v} == {}
