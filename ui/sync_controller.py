"""Background sync for an unlocked window: on a timer, on reconnect and on demand.

Sync runs on the network pool (its database writes go through the store's own
connection, one short transaction per page), so the window keeps working while a
first sync or a long catch-up runs. Progress arrives through a queued signal.
A light health probe notices when the central CRM comes back and syncs at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from rm_desk.services import sync as sync_service
from rm_desk.services.changes import Changes
from rm_desk.services.sync import (
    BadCredentials,
    DeviceRevoked,
    Progress,
    ServerUnreachable,
    SessionExpired,
    SyncSummary,
)
from ui.context import AppContext

PROBE_SECONDS = 30


class SyncController(QObject):
    started = Signal()
    progressed = Signal(int, int)  # rows done, rows remaining
    finished = Signal(object)  # SyncSummary
    failed = Signal(str)
    online_changed = Signal(bool)
    needs_password = Signal()  # the refresh token ran out: ask the user to sign in again
    revoked = Signal()  # the device was revoked: the profile is gone

    _progress_from_worker = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self._stopped = False
        self.online: bool | None = None
        self._password: str | None = None
        self._progress_from_worker.connect(self.progressed, Qt.ConnectionType.QueuedConnection)
        self.timer = QTimer(self)
        self.timer.setInterval(ctx.session.policy.sync_interval_seconds * 1000)
        self.timer.timeout.connect(self.sync_now)
        self.probe = QTimer(self)
        self.probe.setInterval(PROBE_SECONDS * 1000)
        self.probe.timeout.connect(self.check_online)

    @property
    def enabled(self) -> bool:
        return sync_service.syncs(self.ctx.session)

    def start(self) -> None:
        if not self.enabled or self._stopped:
            return
        self.timer.start()
        self.probe.start()
        self.check_online()

    def stop(self) -> None:
        self._stopped = True  # for good: a locked or closing window syncs no more
        self.timer.stop()
        self.probe.stop()

    def sign_in_and_sync(self, password: str) -> None:
        self._password = password
        self.sync_now()

    def sync_now(self) -> None:
        if self.running or not self.enabled:
            return
        self.running = True
        self.started.emit()
        session = self.ctx.session
        password, self._password = self._password, None

        def progress(p: Progress) -> None:
            self._progress_from_worker.emit(p.done, p.remaining)

        def job() -> SyncSummary:
            return sync_service.sync_session(session, password, progress=progress)

        self.ctx.tasks.run_net(job, self._done, self._failed, owner=self)

    def _done(self, summary: SyncSummary) -> None:
        self.running = False
        self._set_online(True)
        self.ctx.broadcast(sync_service.changes_of(summary))
        self.finished.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, DeviceRevoked):
            self.stop()
            self.revoked.emit()
        elif isinstance(exc, SessionExpired | BadCredentials):
            self.needs_password.emit()
        if isinstance(exc, ServerUnreachable):
            self._set_online(False)
        from ui.messages import describe  # noqa: PLC0415

        self.failed.emit(describe(exc))
        self.ctx.broadcast(Changes(outbox=True))

    def check_online(self) -> None:
        if not self.enabled:
            return
        server = self.ctx.session.profile.server
        policy = self.ctx.session.policy

        def probe() -> bool:
            return sync_service.server_reachable(server, policy)

        self.ctx.tasks.run_net(probe, self._probed, lambda _exc: self._probed(False), owner=self)

    def _probed(self, reachable: Any) -> None:
        was = self.online
        self._set_online(bool(reachable))
        if reachable and was is False:
            self.sync_now()  # back online: send what waited

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)
