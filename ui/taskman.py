"""Background work for the window: one database thread, a small network pool.

Every database job runs on a single worker thread (SQLCipher work is serial anyway,
and one thread keeps one warm connection); network work (sync, login against the
gateway) runs on a separate pool so a slow server never delays a profile opening.
Jobs never touch widgets: their result or error comes back to the GUI thread
through a queued signal and is handed to the `on_done` / `on_error` callbacks there.

The database thread is also the session's one writer (ARCHITECTURE §5): a sync
running on the network pool hands each write (a pulled page, a snapshot page, the
rescoring after it) to it through `writer` and waits, so the window's own writes and
sync's never race for the write lock.

A job started for a view that has since been closed is dropped on return. The
worker thread never holds a reference to the callbacks or their owner (they stay in
a table on the GUI side, the worker only knows a ticket number): a Qt object whose
last Python reference died on a worker thread would be destroyed there, which Qt
does not allow. For the same reason a job must not capture widgets.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from shiboken6 import isValid

from rm_desk.services.session import Writer

log = logging.getLogger(__name__)

_T = TypeVar("_T")

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass(slots=True)
class _Reply:
    owner: QObject | None
    on_done: Done | None
    on_error: Failed | None


class TaskManager(QObject):
    """Runs callables off the GUI thread and delivers their outcome on it."""

    _delivered = Signal(int, object, object)  # ticket, result, error
    busy_changed = Signal(int)  # jobs in flight

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rm-desk-db")
        self.db_thread: threading.Thread = self._db.submit(threading.current_thread).result()
        self._net = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rm-desk-net")
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._in_flight = 0
        self._replies: dict[int, _Reply] = {}
        self._tickets = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False
        self.default_error: Failed | None = None

    # --- starting work ------------------------------------------------------------------

    def run_db(
        self,
        job: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[Any]:
        """Run `job` on the database thread."""
        return self._submit(self._db, job, on_done, on_error, owner)

    def run_net(
        self,
        job: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[Any]:
        """Run `job` on the network pool (it may still open its own store connection)."""
        return self._submit(self._net, job, on_done, on_error, owner)

    def writer(self) -> tuple[Writer, threading.Thread]:
        """The session's writer: runs a job on the database thread, waiting for it
        (called from the network pool; on the database thread itself it runs inline)."""
        return self._on_db, self.db_thread

    def _on_db(self, job: Callable[[], _T]) -> _T:
        if threading.current_thread() is self.db_thread:
            return job()
        return self._db.submit(job).result()

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        job: Callable[[], Any],
        on_done: Done | None,
        on_error: Failed | None,
        owner: QObject | None,
    ) -> Future[Any]:
        if self._closed:  # the app is closing: late repaints ask for nothing
            dropped: Future[Any] = Future()
            dropped.cancel()
            return dropped
        self._count(+1)
        ticket = next(self._tickets)
        self._replies[ticket] = _Reply(owner, on_done, on_error)
        delivered = self._delivered

        def work() -> Any:
            result: Any = None
            error: BaseException | None = None
            try:
                result = job()
            except BaseException as exc:  # delivered to the GUI thread, not swallowed
                error = exc
            delivered.emit(ticket, result, error)
            if error is not None:
                raise error
            return result

        return pool.submit(work)

    def _count(self, delta: int) -> None:
        with self._lock:
            self._in_flight += delta
            value = self._in_flight
        self.busy_changed.emit(value)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    # --- delivering results (GUI thread) -------------------------------------------------

    @Slot(int, object, object)
    def _deliver(self, ticket: int, result: Any, error: BaseException | None) -> None:
        self._count(-1)
        reply = self._replies.pop(ticket)
        if reply.owner is not None and not isValid(reply.owner):
            return  # the view that asked is gone
        if error is not None:
            handler = reply.on_error or self.default_error
            if handler is None:
                log.error("background job failed", exc_info=error)
                return
            handler(error)
        elif reply.on_done is not None:
            reply.on_done(result)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with `wait`, let queued jobs finish (lock, close)."""
        self._closed = True
        self._db.shutdown(wait=wait, cancel_futures=not wait)
        self._net.shutdown(wait=wait, cancel_futures=not wait)
