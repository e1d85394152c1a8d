"""Garbage collection runs on the GUI thread (ui/collector.py).

A CI run failed on "QBasicTimer::start: Timers cannot be started from another
thread": a collection set off by the database thread's allocations destroyed an
earlier page's widgets there. These tests hold widgets in reference cycles, drop
them, let worker threads allocate far past every threshold, and check that the
widgets die on the GUI thread, at the collector's tick.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui import collector


def _cyclic_window(died_on: list[str]) -> None:
    """A small window (an active timer, a focused line edit) that only a reference
    cycle keeps alive once this returns."""
    window = QWidget()
    QVBoxLayout(window).addWidget(QLineEdit())
    timer = QTimer(window)
    timer.start(60_000)
    window.own = window  # type: ignore[attr-defined]  # the cycle
    window.destroyed.connect(lambda *_: died_on.append(threading.current_thread().name))
    window.show()


def _allocate_in_threads(died_on: list[str], rounds: int = 4) -> None:
    """Make the cyclic window, then let worker threads allocate (the GUI thread itself
    allocates almost nothing meanwhile, so with Python's own collection switched on
    a worker would be the one to find the window)."""

    def churn() -> None:
        for _ in range(200):
            garbage: list[Any] = [[] for _ in range(1_000)]
            for item in garbage:
                item.append(item)  # cycles of its own, as decoding jobs make

    workers = [threading.Thread(target=churn, name=f"worker-{n}") for n in range(rounds)]
    gc.collect()
    _cyclic_window(died_on)
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_the_application_owns_collection(qapp: QApplication) -> None:
    installed = collector.installed()
    assert installed is not None
    assert installed.timer.isActive()
    assert not gc.isenabled()
    assert collector.collect_on_gui_thread(qapp) is installed  # once


def test_widgets_in_cycles_die_on_the_gui_thread_not_where_memory_ran_over(
    qtbot: QtBot, qapp: object
) -> None:
    died_on: list[str] = []
    _allocate_in_threads(died_on)  # 800,000 tracked objects: every threshold crossed many times
    assert died_on == []  # no worker collected it
    installed = collector.installed()
    assert installed is not None
    qtbot.waitUntil(lambda: died_on != [], timeout=5_000)  # the next tick
    assert died_on == [threading.main_thread().name]


def test_due_generations_follow_pythons_thresholds(qapp: object) -> None:
    installed = collector.installed()
    assert installed is not None
    gc.collect()
    assert installed.collect_due() == 0  # nothing allocated: nothing due
    for _ in range(20):
        box: list[Any] = []
        box.append(box)  # twenty cycles nobody holds
    del box
    junk: list[list[int]] = [[] for _ in range(installed.thresholds[0] + 10)]  # past gen 0
    assert gc.get_count()[0] > installed.thresholds[0]
    assert installed.collect_due() >= 20  # found at once, on this thread
    assert gc.get_count()[0] < installed.thresholds[0]
    assert len(junk) > installed.thresholds[0]  # what is still held is not garbage
