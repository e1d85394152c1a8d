"""What every view of an unlocked window shares: the session, the task manager and
the change broadcast.

Views never call services on the GUI thread. They ask `ctx.db(...)` to run a
service call on the database thread and get the result back on the GUI thread;
a write returns a `Changes` set that the view hands to `ctx.broadcast`, and every
view listening on `ctx.changed` decides for itself whether to refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from rm_desk.services.changes import Changes
from rm_desk.services.session import Session
from ui.taskman import Done, Failed, TaskManager


class AppContext(QObject):
    changed = Signal(object)  # Changes
    error = Signal(str)  # a sentence for the status bar / a message box
    open_customer = Signal(str)  # customer id: show its 360 profile
    new_note = Signal(str)  # customer id ("" = choose): open the note editor

    def __init__(self, session: Session, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks

    def db(
        self,
        job: Callable[[Session], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Run `job(session)` on the database thread; callbacks come on the GUI thread."""
        session = self.session
        self.tasks.run_db(lambda: job(session), on_done, on_error or self.report, owner=owner)

    def write(
        self,
        job: Callable[[Session], Changes | tuple[Any, Changes]],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Like `db`, for a service call that returns `Changes` (alone or last in a tuple);
        the changes are broadcast before `on_done` sees the whole result."""

        def done(result: Any) -> None:
            changes = result[-1] if isinstance(result, tuple) else result
            if isinstance(changes, Changes):
                self.broadcast(changes)
            if on_done is not None:
                on_done(result)

        self.db(job, done, on_error, owner=owner)

    def broadcast(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def report(self, exc: BaseException) -> None:
        from ui.messages import describe  # noqa: PLC0415  (avoids an import cycle)

        self.error.emit(describe(exc))
