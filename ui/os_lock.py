"""Lock when the person walks away: the OS's screen lock, suspend and user switch.

`OsLockWatcher` emits `walked_away(reason)` ("suspend", "screen_lock",
"session_switch"); the controller (ui/app.py) arms it while a session is open and
policy `lock_on_os_lock` holds, and locks the window through the same path as the
idle lock.

Linux, over QtDBus:
- system bus, `org.freedesktop.login1`: the Manager's `PrepareForSleep(true)`; our
  own session's `Lock` signal and its `PropertiesChanged` with `Active` false (another
  user switched in) or `LockedHint` true. Our session is `GetSession($XDG_SESSION_ID)`,
  or `GetSession("auto")` (the caller's session, else the user's graphical one).
- session bus: `org.freedesktop.ScreenSaver` (also KDE's `/ScreenSaver`) and
  `org.gnome.ScreenSaver` `ActiveChanged(true)`.

While armed the watcher holds a logind "delay" inhibitor for sleep, so that suspend
(and hibernation, which writes memory to disk) waits until the store is closed and its
key zeroed: the controller stops the watcher, which lets the inhibitor go, once the
lock has run (logind waits at most InhibitDelayMaxSec, 5 s by default). It is taken
again on waking.

Every subscription names the sending service, object path, interface and member, so
QtDBus delivers only what the owner of that well-known name sent from that object: on
the system bus only logind may own `org.freedesktop.login1`, so another process
cannot forge a suspend or a lock (an unlock cannot be forged at all: nothing here
ever unlocks). A missing bus is one info line in the log, never an error.

Windows: `WM_WTSSESSION_CHANGE` (lock, console or remote disconnect) and
`WM_POWERBROADCAST`/`PBT_APMSUSPEND`, read by a native event filter once
`WTSRegisterSessionNotification` has been called for the window. `walk_away_reason`
decodes a message and is tested on every platform; the registration itself (ctypes,
Windows only) is not exercised by the tests.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import (
    SLOT,
    QAbstractNativeEventFilter,
    QByteArray,
    QCoreApplication,
    QObject,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtDBus import (
    QDBusConnection,
    QDBusMessage,
    QDBusObjectPath,
    QDBusPendingCallWatcher,
    QDBusUnixFileDescriptor,
)
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

SUSPEND: Final = "suspend"
SCREEN_LOCK: Final = "screen_lock"
SESSION_SWITCH: Final = "session_switch"

LOGIN1: Final = "org.freedesktop.login1"
LOGIN1_PATH: Final = "/org/freedesktop/login1"
LOGIN1_MANAGER: Final = "org.freedesktop.login1.Manager"
LOGIN1_SESSION: Final = "org.freedesktop.login1.Session"
PROPERTIES: Final = "org.freedesktop.DBus.Properties"


@dataclass(frozen=True, slots=True)
class ScreenSaver:
    """One screen saver's D-Bus object on the session bus."""

    service: str
    path: str
    interface: str


SCREEN_SAVERS: Final = (
    ScreenSaver("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver"),
    ScreenSaver("org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ScreenSaver("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)  # fmt: skip

# --- Windows: the window messages that mean the person walked away ----------------------

WM_POWERBROADCAST: Final = 0x0218
PBT_APMSUSPEND: Final = 0x0004
WM_WTSSESSION_CHANGE: Final = 0x02B1
WTS_CONSOLE_DISCONNECT: Final = 0x2
WTS_REMOTE_DISCONNECT: Final = 0x4
WTS_SESSION_LOCK: Final = 0x7
NOTIFY_FOR_THIS_SESSION: Final = 0

_WTS_REASONS: Final = {
    WTS_SESSION_LOCK: SCREEN_LOCK,
    WTS_CONSOLE_DISCONNECT: SESSION_SWITCH,
    WTS_REMOTE_DISCONNECT: SESSION_SWITCH,
}


class WindowsMessage(ctypes.Structure):
    """The start of Win32's MSG (winuser.h): the handle, the message and its wParam."""

    _fields_ = (
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
    )


def walk_away_reason(message: int, wparam: int) -> str | None:
    """The reason to lock for a Windows message, or None when it is not one."""
    if message == WM_WTSSESSION_CHANGE:
        return _WTS_REASONS.get(wparam)
    if message == WM_POWERBROADCAST and wparam == PBT_APMSUSPEND:
        return SUSPEND
    return None


def reason_of_native_event(event_type: bytes, address: int) -> str | None:
    """The reason to lock for a native event Qt hands to a filter: on Windows
    ("windows_generic_MSG") `address` points at a MSG; other events are not ours."""
    if event_type != b"windows_generic_MSG" or not address:
        return None
    msg = WindowsMessage.from_address(address)
    return walk_away_reason(int(msg.message), int(msg.wParam))


class _WindowsSessionFilter(QAbstractNativeEventFilter):
    def __init__(self, on_reason: SignalInstance) -> None:
        super().__init__()
        self._emit = on_reason

    def nativeEventFilter(self, eventType: QByteArray | bytes, message: int) -> object:  # type: ignore[override]
        raw = bytes(eventType.data()) if isinstance(eventType, QByteArray) else bytes(eventType)
        reason = reason_of_native_event(raw, int(message))
        if reason is not None:
            self._emit.emit(reason)
        return False, 0


# --- the watcher ------------------------------------------------------------------------


class OsLockWatcher(QObject):
    """Emits `walked_away(reason)` on the OS's screen lock, suspend or user switch while
    armed (`start`), never after `stop`. `system_bus` and `session_bus` default to the
    machine's buses; tests pass connections to a private bus."""

    walked_away = Signal(str)  # "suspend" | "screen_lock" | "session_switch"
    session_found = Signal(str)  # our login1 session's object path (tests wait on it)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        system_bus: QDBusConnection | None = None,
        session_bus: QDBusConnection | None = None,
        session_id: str | None = None,
        platform: str = sys.platform,
    ) -> None:
        super().__init__(parent)
        self._system_bus = system_bus
        self._session_bus = session_bus
        self._session_id = (
            os.environ.get("XDG_SESSION_ID", "") if session_id is None else session_id
        )
        self._platform = platform
        self.armed = False
        self.session_path = ""
        self._hooks: list[tuple[QDBusConnection, tuple[str, str, str, str], Any]] = []
        self._lookup: QDBusPendingCallWatcher | None = None
        self._system: QDBusConnection | None = None
        self._delay_call: QDBusPendingCallWatcher | None = None
        self._sleep_delay: int | None = None  # our copy of the inhibitor's descriptor
        self._windows_filter: _WindowsSessionFilter | None = None
        self._hwnd = 0
        self._native_reason.connect(self._walk_away)

    # --- arming -------------------------------------------------------------------------

    def start(self, window: QWidget | None = None) -> None:
        """Listen from now on (again: a no-op); `window` receives the Windows messages."""
        if self.armed:
            return
        self.armed = True
        if self._platform == "win32":
            self._start_windows(window)
        else:
            self._start_dbus()

    def stop(self) -> None:
        """Stop listening; no `walked_away` after this."""
        if not self.armed:
            return
        self.armed = False
        for bus, (service, path, interface, member), slot in self._hooks:
            bus.disconnect(service, path, interface, member, self, slot)
        self._hooks.clear()
        self._lookup = None
        self._system = None
        self.session_path = ""
        self.release_sleep_delay()
        if self._windows_filter is not None:
            self._stop_windows()

    # --- D-Bus --------------------------------------------------------------------------

    def _bus(self, given: QDBusConnection | None, kind: str) -> QDBusConnection | None:
        bus = given
        if bus is None:
            bus = QDBusConnection.systemBus() if kind == "system" else QDBusConnection.sessionBus()
        if not bus.isConnected():
            log.info(
                "no D-Bus %s bus (%s): the OS's lock is not watched there",
                kind,
                bus.lastError().name() or "not connected",
            )
            return None
        return bus

    def _hook(
        self, bus: QDBusConnection, service: str, path: str, interface: str, member: str, slot: str
    ) -> None:
        signature: Any = SLOT(slot)  # PySide6 takes SLOT()'s str, whatever its stub says
        key = (service, path, interface, member)
        if bus.connect(service, path, interface, member, self, signature):
            self._hooks.append((bus, key, signature))
        else:
            log.info("could not watch %s %s.%s on D-Bus", path, interface, member)

    def _start_dbus(self) -> None:
        system = self._bus(self._system_bus, "system")
        if system is not None:
            self._hook(system, LOGIN1, LOGIN1_PATH, LOGIN1_MANAGER, "PrepareForSleep",
                       "_prepare_for_sleep(bool)")  # fmt: skip
            self._system = system
            self._find_session(system)
            self._take_sleep_delay(system)
        session = self._bus(self._session_bus, "session")
        if session is not None:
            for saver in SCREEN_SAVERS:
                self._hook(session, saver.service, saver.path, saver.interface, "ActiveChanged",
                           "_screen_saver_active(bool)")  # fmt: skip

    def _find_session(self, bus: QDBusConnection) -> None:
        """Ask logind which session is ours, without waiting on the GUI thread."""
        call = QDBusMessage.createMethodCall(LOGIN1, LOGIN1_PATH, LOGIN1_MANAGER, "GetSession")
        # "auto": the session of the caller (us), else our user's graphical session.
        call.setArguments([self._session_id or "auto"])
        watcher = QDBusPendingCallWatcher(bus.asyncCall(call), self)
        self._lookup = watcher
        watcher.finished.connect(lambda w: self._session_answer(bus, w))

    def _session_answer(self, bus: QDBusConnection, watcher: QDBusPendingCallWatcher) -> None:
        watcher.deleteLater()
        if watcher is not self._lookup or not self.armed:
            return  # stopped meanwhile
        self._lookup = None
        reply = watcher.reply()
        if watcher.isError() or not reply.arguments():
            log.info("logind does not know our session (%s): its lock is not watched",
                     watcher.error().name())  # fmt: skip
            return
        found = reply.arguments()[0]
        path = found.path() if isinstance(found, QDBusObjectPath) else str(found)
        if not path.startswith(LOGIN1_PATH + "/"):
            log.info("logind answered an unexpected session path: its lock is not watched")
            return
        self.session_path = path
        self._hook(bus, LOGIN1, path, LOGIN1_SESSION, "Lock", "_session_lock()")
        self._hook(bus, LOGIN1, path, PROPERTIES, "PropertiesChanged",
                   "_session_properties(QString,QVariantMap,QStringList)")  # fmt: skip
        self.session_found.emit(path)

    def _take_sleep_delay(self, bus: QDBusConnection) -> None:
        if self._sleep_delay is not None or self._delay_call is not None:
            return
        call = QDBusMessage.createMethodCall(LOGIN1, LOGIN1_PATH, LOGIN1_MANAGER, "Inhibit")
        call.setArguments(
            ["sleep", "RM Desk", "Lock the customer data before the computer sleeps", "delay"]
        )
        watcher = QDBusPendingCallWatcher(bus.asyncCall(call), self)
        self._delay_call = watcher
        watcher.finished.connect(self._sleep_delay_answer)

    def _sleep_delay_answer(self, watcher: QDBusPendingCallWatcher) -> None:
        # The reply holds a copy of the descriptor until the watcher is deleted: we keep
        # our own (dup) and let the reply's go, so that closing ours releases the delay.
        watcher.deleteLater()
        if watcher is not self._delay_call:
            return
        self._delay_call = None
        if watcher.isError():
            log.info("logind gave no sleep delay (%s): a suspend may not wait for the lock",
                     watcher.error().name())  # fmt: skip
            return
        answer = watcher.reply().arguments()
        descriptor = answer[0] if answer else None
        if self.armed and isinstance(descriptor, QDBusUnixFileDescriptor) and descriptor.isValid():
            self._sleep_delay = os.dup(descriptor.fileDescriptor())

    @property
    def holds_sleep_delay(self) -> bool:
        return self._sleep_delay is not None

    def release_sleep_delay(self) -> None:
        """Let a pending suspend go on (the lock has run, or we stop watching)."""
        self._delay_call = None
        if self._sleep_delay is not None:
            os.close(self._sleep_delay)
            self._sleep_delay = None

    # --- the signals --------------------------------------------------------------------

    def _walk_away(self, reason: str) -> None:
        if self.armed:
            log.info("the OS reports the person walked away (%s): locking", reason)
            self.walked_away.emit(reason)

    @Slot(bool)
    def _prepare_for_sleep(self, starting: bool) -> None:
        if starting is True:
            self._walk_away(SUSPEND)  # the controller stops us (delay released) once locked
        elif self.armed and self._system is not None:
            self._take_sleep_delay(self._system)  # awake: ready for the next suspend

    @Slot()
    def _session_lock(self) -> None:
        self._walk_away(SCREEN_LOCK)

    @Slot(str, "QVariantMap", "QStringList")
    def _session_properties(self, interface: str, changed: dict[str, object], _: list[str]) -> None:
        if interface != LOGIN1_SESSION:
            return
        if changed.get("Active") is False:
            self._walk_away(SESSION_SWITCH)
        elif changed.get("LockedHint") is True:
            self._walk_away(SCREEN_LOCK)

    @Slot(bool)
    def _screen_saver_active(self, active: bool) -> None:
        if active is True:
            self._walk_away(SCREEN_LOCK)

    # --- Windows ------------------------------------------------------------------------

    def _start_windows(self, window: QWidget | None) -> None:  # pragma: no cover - Windows
        app = QCoreApplication.instance()
        if app is None:
            return
        self._windows_filter = _WindowsSessionFilter(self._native_reason)
        app.installNativeEventFilter(self._windows_filter)
        if window is None:
            log.info("no window to receive session notifications: only suspend is watched")
            return
        self._hwnd = int(window.winId())
        wtsapi32 = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
        if not wtsapi32.WTSRegisterSessionNotification(
            ctypes.c_void_p(self._hwnd), NOTIFY_FOR_THIS_SESSION
        ):
            log.info("WTSRegisterSessionNotification failed: the session lock is not watched")
            self._hwnd = 0

    def _stop_windows(self) -> None:  # pragma: no cover - Windows
        app = QCoreApplication.instance()
        if app is not None and self._windows_filter is not None:
            app.removeNativeEventFilter(self._windows_filter)
        self._windows_filter = None
        if self._hwnd:
            wtsapi32 = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
            wtsapi32.WTSUnRegisterSessionNotification(ctypes.c_void_p(self._hwnd))
            self._hwnd = 0

    _native_reason = Signal(str)  # from the native filter, queued to `_walk_away`
