"""Python's cyclic garbage collector runs on the GUI thread only.

Left alone, the collector runs in whichever thread happens to allocate when a
generation's threshold is crossed: most often the database thread or the network
pool, which allocate the most. A window, dialog or model that was closed but is held
in a reference cycle (a lambda connected to its own signal is enough) is then
destroyed on that thread. Qt does not allow that: its destructors stop and start
timers and touch the widget tree, which must happen on the thread the object lives
in ("QBasicTimer::start: Timers cannot be started from another thread", and at
worst a crash). A CI run caught exactly this: a team page's job decoding dates on
the database thread set off a collection that tore down an earlier page's widgets.

So, as pyqtgraph's GarbageCollector does, automatic collection is switched off and
a timer on the GUI thread collects each generation when its count is over the
threshold Python would have used. Objects without cycles are still freed at once by
reference counting on any thread; only cycles wait, at most one tick.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QThread, QTimer

TICK_MS = 1000


class GuiThreadCollector(QObject):
    """Owns garbage collection for the process while it lives (one per QApplication)."""

    def __init__(self, parent: QObject, tick_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        if QThread.currentThread() is not parent.thread():
            raise RuntimeError("the collector must be made on the GUI thread")
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()
        gc.disable()

    def collect_due(self) -> int:
        """Collect what Python's own thresholds say is due; the number of unreachable
        objects found. Called by the timer, and by anyone on the GUI thread that wants
        cycles freed at a known point (tests between cases)."""
        count0, count1, count2 = gc.get_count()
        limit0, limit1, limit2 = self.thresholds
        if count0 <= limit0:
            return 0
        # As Python picks it: the oldest generation whose count is over its threshold.
        if count2 > limit2:
            return gc.collect(2)
        if count1 > limit1:
            return gc.collect(1)
        return gc.collect(0)


_installed: list[GuiThreadCollector] = []


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector on `app` (the QApplication), once; the installed one."""
    if not _installed:
        _installed.append(GuiThreadCollector(app))
    return _installed[0]


def installed() -> GuiThreadCollector | None:
    """The collector, if the application installed one."""
    return _installed[0] if _installed else None
