"""Desktop notifications: the one boundary that shows them, and the announcement of
follow-ups newly assigned to the user.

`DesktopNotifier.notify` shows a tray balloon when the system has a tray, and always
emits `shown` (tests and the window listen there); without a tray it emits `banner`,
which the window shows in its status bar. An OS notification can be read on a locked
screen, so an assignment's carries no customer data: who gave it, what kind of
follow-up it is (its source, in words) and when it is due; never the customer's name
nor the task's free-text title, which may hold one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from rm_desk.services import team as team_service
from rm_desk.services.session import Session
from rm_desk.services.team import NewAssignment
from ui import words
from ui.context import AppContext

SHOWN_LINES = 3


class DesktopNotifier(QObject):
    """Shows a notification: the tray when there is one, else an in-app banner."""

    shown = Signal(str, str)  # title, body: every notification, however it was shown
    banner = Signal(str)  # the sentence for the window when there is no tray

    def __init__(self, tray: QSystemTrayIcon | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.tray = tray

    def tray_available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def notify(self, title: str, body: str) -> None:
        if self.tray_available():
            if self.tray is None:
                icon = QApplication.windowIcon()
                if icon.isNull():
                    icon = QApplication.style().standardIcon(
                        QStyle.StandardPixmap.SP_MessageBoxInformation
                    )
                self.tray = QSystemTrayIcon(icon, self)
            if not self.tray.isVisible():
                self.tray.show()
            self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:
            self.banner.emit(f"{title}: {body.splitlines()[0] if body else ''}")
        self.shown.emit(title, body)


class AssignmentNotifier(QObject):
    """After a sync (and once at start), announces follow-ups that someone else gave
    the user and that were not announced yet; they stay new until opened."""

    announced = Signal(list)  # the NewAssignments of the last announcement

    def __init__(
        self, ctx: AppContext, notifier: DesktopNotifier, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.notifier = notifier

    def check(self) -> None:
        def job(session: Session) -> tuple[list[NewAssignment], dict[str, str]]:
            return team_service.assignments_to_announce(session), team_service.staff_names(session)

        self.ctx.db(job, self._announce, owner=self)

    def line(self, item: NewAssignment, names: dict[str, str]) -> str:
        kind = words.task_source(item.task.source)
        due = words.day(item.task.due)
        if item.assigned_by:
            return (
                self.tr("%1 · %2 · due %3")
                .replace("%1", names.get(item.assigned_by, item.assigned_by))
                .replace("%2", kind)
                .replace("%3", due)
            )
        return self.tr("Reassigned to you · %1 · due %2").replace("%1", kind).replace("%2", due)

    def _announce(self, result: tuple[list[NewAssignment], dict[str, str]]) -> None:
        fresh, names = result
        if not fresh:
            return
        title = self.tr("RM Desk: %n new follow-up(s) assigned to you", "", len(fresh))
        lines = [self.line(item, names) for item in fresh[:SHOWN_LINES]]
        if len(fresh) > SHOWN_LINES:
            lines.append(self.tr("…and %n more", "", len(fresh) - SHOWN_LINES))
        self.notifier.notify(title, "\n".join(lines))
        self.announced.emit(fresh)
