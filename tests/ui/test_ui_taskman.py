"""The task manager runs jobs off the GUI thread and delivers outcomes on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.taskman import TaskManager


@pytest.fixture
def tasks(qapp: object) -> Iterator[TaskManager]:
    t = TaskManager()
    yield t
    t.shutdown()


def test_job_runs_off_the_gui_thread_result_on_it(qtbot: QtBot, tasks: TaskManager) -> None:
    gui = threading.get_ident()
    seen: dict[str, int] = {}

    def job() -> int:
        seen["job"] = threading.get_ident()
        return 42

    results: list[int] = []

    def done(value: int) -> None:
        seen["done"] = threading.get_ident()
        results.append(value)

    tasks.run_db(job, done)
    qtbot.waitUntil(lambda: results == [42])
    assert seen["job"] != gui
    assert seen["done"] == gui
    assert tasks.in_flight == 0


def test_errors_reach_the_error_callback(qtbot: QtBot, tasks: TaskManager) -> None:
    errors: list[BaseException] = []

    def job() -> None:
        raise ValueError("bad input")

    tasks.run_net(job, lambda _: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], ValueError)


def test_database_jobs_run_one_at_a_time_in_order(qtbot: QtBot, tasks: TaskManager) -> None:
    order: list[int] = []
    threads: set[int] = set()

    def job(i: int) -> int:
        threads.add(threading.get_ident())
        order.append(i)
        return i

    for i in range(20):
        tasks.run_db(partial(job, i))
    qtbot.waitUntil(lambda: tasks.in_flight == 0)
    assert order == list(range(20))
    assert len(threads) == 1


def test_result_for_a_closed_view_is_dropped(qtbot: QtBot, tasks: TaskManager) -> None:
    owner = QWidget()
    called: list[object] = []
    gate = threading.Event()
    tasks.run_db(lambda: gate.wait(5), called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(owner))
    gate.set()
    qtbot.waitUntil(lambda: tasks.in_flight == 0)
    assert called == []
