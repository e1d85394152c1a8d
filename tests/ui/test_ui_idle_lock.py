"""The idle lock follows the policy: 15 minutes by default, 5 on a shared terminal, a
stricter policy value as given (PCI DSS 8.2.8); input restarts it; expiry locks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from rm_desk.domain.policy import KeyringMode, Policy
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.taskman import TaskManager


@pytest.fixture
def tasks(qapp: object) -> Iterator[TaskManager]:
    t = TaskManager()
    yield t
    t.shutdown(wait=True)


@pytest.mark.parametrize(
    ("policy", "minutes"),
    [
        (Policy(keyring=KeyringMode.OFF), 15),
        (Policy(keyring=KeyringMode.OFF, shared_terminal=True), 5),
        (Policy(keyring=KeyringMode.OFF, shared_terminal=True, idle_lock_minutes=2), 2),
        (Policy(keyring=KeyringMode.OFF, idle_lock_minutes=10), 10),
    ],
)
def test_the_window_locks_after_the_policys_idle_minutes(
    qtbot: QtBot, make_session: MakeSession, tasks: TaskManager, policy: Policy, minutes: int
) -> None:
    session = make_session(customers=0)
    session.policy = policy
    window = MainWindow(AppContext(session, tasks))
    window.sync.stop()
    qtbot.addWidget(window)
    timer: QTimer = window.idle.timer
    assert timer.interval() == minutes * 60_000
    assert timer.isActive()
    with qtbot.waitSignal(window.lock_requested, timeout=5_000) as locked:
        timer.setInterval(1)  # let it run out now rather than in minutes
        timer.start()
    assert locked.args == ["idle"]  # the reason the audit entry records
