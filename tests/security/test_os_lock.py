"""Lock when the person walks away: the OS's screen lock, suspend and user switch.

A private D-Bus bus (`dbus-daemon --session --fork`) stands for both the system and
the session bus; a stand-in process (tests/security/dbus_standin.py, jeepney) owns
logind's and the screen savers' names there and sends their signals on request. The
watcher runs in the real controller over a real window and a real encrypted store:
each signal that means "walked away" locks the session (store closed, key dropped)
with the reason in the audit log; signals that do not (waking up, the screen saver
going off, another object, another session, a process that does not own the name)
do not. CI (`CI=true`) fails without dbus-daemon; elsewhere these tests are skipped.
Windows' WTS messages are decoded here on any OS; their registration
(WTSRegisterSessionNotification) only runs on Windows and is not tested here.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    MessageType,
    new_method_call,
    new_signal,
)
from jeepney.io.blocking import (  # type: ignore[import-untyped]
    DBusConnection,
    open_dbus_connection,
)
from PySide6.QtCore import SLOT, QObject, Slot
from PySide6.QtDBus import QDBusConnection
from pytestqt.qtbot import QtBot

from local_store import audit
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import session as sessions
from rm_desk.services.session import Session
from tests.conftest import NOW, PASSWORD, MakeSession
from tests.security.dbus_standin import CONTROL_INTERFACE, CONTROL_PATH, SESSION_PATH
from ui import os_lock
from ui.app import DeskController
from ui.os_lock import OsLockWatcher

ROOT = Path(__file__).resolve().parents[2]
LOGIN1 = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"
FDO_SAVER = ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
KDE_SAVER = ("/ScreenSaver", "org.freedesktop.ScreenSaver")
GNOME_SAVER = ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver")
_names = itertools.count()


@dataclass(frozen=True)
class Sig:
    """A D-Bus signal for the stand-in to send (`args` as JSON; a variant `[sig, v]`)."""

    path: str
    interface: str
    member: str
    signature: str = ""
    args: tuple[Any, ...] = ()


def _props(interface: str, **changed: bool) -> Sig:
    values = {key: ["b", value] for key, value in changed.items()}
    return Sig(f"{SESSION_PATH}", PROPERTIES, "PropertiesChanged", "sa{sv}as",
               (interface, values, []))  # fmt: skip


SLEEP = Sig(LOGIN1, MANAGER, "PrepareForSleep", "b", (True,))


@dataclass
class PrivateBus:
    address: str
    control: DBusConnection  # the test's own connection: sends control calls, or forges

    def emit(self, sig: Sig) -> None:
        """The stand-in (owner of logind's and the screen savers' names) sends `sig`."""
        spec = json.dumps({"path": sig.path, "interface": sig.interface, "member": sig.member,
                           "signature": sig.signature, "args": list(sig.args)})  # fmt: skip
        where = DBusAddress(CONTROL_PATH, "org.freedesktop.login1", CONTROL_INTERFACE)
        reply = self.control.send_and_get_reply(new_method_call(where, "Emit", "s", (spec,)),
                                                timeout=10)  # fmt: skip
        assert reply.header.message_type == MessageType.method_return, reply.body

    def inhibitors(self) -> int:
        """How many sleep inhibitors the stand-in's logind sees held."""
        where = DBusAddress(CONTROL_PATH, "org.freedesktop.login1", CONTROL_INTERFACE)
        reply = self.control.send_and_get_reply(new_method_call(where, "Inhibitors"), timeout=10)
        return int(reply.body[0])

    def forge(self, sig: Sig) -> None:
        """`sig` sent by this test's connection, which owns none of those names."""
        body = tuple(sig.args)
        if sig.signature == "sa{sv}as":
            body = (sig.args[0], {k: tuple(v) for k, v in sig.args[1].items()}, sig.args[2])
        where = DBusAddress(sig.path, interface=sig.interface)
        self.control.send(new_signal(where, sig.member, sig.signature, body))

    def qt(self) -> QDBusConnection:
        """A QtDBus connection of our own to the bus (for the watcher)."""
        return QDBusConnection.connectToBus(self.address, f"rm-desk-test-{next(_names)}")


def _dbus_daemon() -> str:
    found = shutil.which("dbus-daemon")
    if found is None:
        message = "dbus-daemon not installed (apt-get install dbus-daemon)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the OS-lock tests: {message}")
        pytest.skip(message)
    return found


def _read_line(stream: Any, timeout: float) -> str:
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError("no answer from the D-Bus helper process")
    return str(stream.readline().decode().strip())


@pytest.fixture
def bus(qapp: object, tmp_path: Path) -> Iterator[PrivateBus]:
    """A private bus with the stand-in on it, both stopped at the end."""
    daemon = subprocess.run(
        [_dbus_daemon(), "--session", "--print-address=1", "--print-pid=1", "--fork",
         "--nopidfile"],
        capture_output=True, check=True, timeout=20, cwd=tmp_path,
    )  # fmt: skip
    address, pid = daemon.stdout.decode().split()[:2]
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.security.dbus_standin", address],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    control: DBusConnection | None = None
    try:
        assert _read_line(standin.stdout, 20) == "ready"
        control = open_dbus_connection(bus=address)
        yield PrivateBus(address, control)
    finally:
        if control is not None:
            control.close()
        standin.kill()
        standin.wait(timeout=10)
        for pipe in (standin.stdin, standin.stdout):
            if pipe is not None:
                pipe.close()
        os.kill(int(pid), signal.SIGTERM)


class Probe(QObject):
    """Receives the stand-in's marker: every signal the stand-in sent before it has been
    delivered on this connection by then (a bus delivers one sender's messages in order)."""

    def __init__(self, qt_bus: QDBusConnection) -> None:
        super().__init__()
        self.seen = 0
        slot: Any = SLOT("marker()")  # PySide6 takes SLOT()'s str, whatever its stub says
        assert qt_bus.connect("", CONTROL_PATH, CONTROL_INTERFACE, "Marker", self, slot)

    @Slot()
    def marker(self) -> None:
        self.seen += 1


def settle(qtbot: QtBot, bus: PrivateBus, probe: Probe) -> None:
    """Wait until everything sent so far has been delivered to our connection."""
    before = probe.seen
    bus.emit(Sig(CONTROL_PATH, CONTROL_INTERFACE, "Marker"))
    qtbot.waitUntil(lambda: probe.seen > before, timeout=10_000)


def _watcher(bus: PrivateBus) -> tuple[OsLockWatcher, QDBusConnection]:
    qt_bus = bus.qt()
    assert qt_bus.isConnected()
    return OsLockWatcher(system_bus=qt_bus, session_bus=qt_bus, session_id=""), qt_bus


def _lock_entries(session: Session) -> list[audit.AuditEntry]:
    """The profile's lock entries, read by opening it again."""
    assert session.registry is not None
    reopened = sessions.unlock(session.registry, session.user, PASSWORD, clock=lambda: NOW)
    try:
        with reopened.store.read() as conn:
            return [e for e in audit.entries(conn, limit=10_000) if e.action == "lock"]
    finally:
        reopened.lock()


@pytest.mark.parametrize(
    ("sig", "reason"),
    [
        (SLEEP, "suspend"),
        (Sig(SESSION_PATH, SESSION, "Lock"), "screen_lock"),
        (_props(SESSION, Active=False), "session_switch"),
        (_props(SESSION, LockedHint=True), "screen_lock"),
        (Sig(*FDO_SAVER, "ActiveChanged", "b", (True,)), "screen_lock"),
        (Sig(*KDE_SAVER, "ActiveChanged", "b", (True,)), "screen_lock"),
        (Sig(*GNOME_SAVER, "ActiveChanged", "b", (True,)), "screen_lock"),
    ],
    ids=[
        "suspend",
        "session-lock",
        "session-inactive",
        "locked-hint",
        "freedesktop-saver",
        "kde-saver",
        "gnome-saver",
    ],  # fmt: skip
)
def test_walking_away_locks_the_open_session_and_audits_why(
    qtbot: QtBot, make_session: MakeSession, bus: PrivateBus, sig: Sig, reason: str
) -> None:
    session = make_session(customers=0)
    assert session.registry is not None
    watcher, _ = _watcher(bus)
    controller = DeskController(session.registry, language="en", os_lock=watcher)
    try:
        window = controller.show_main(session)
        window.sync.stop()
        qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
        qtbot.waitUntil(lambda: bus.inhibitors() == 1, timeout=10_000)  # a suspend waits
        with qtbot.waitSignal(window.lock_requested, timeout=10_000) as locked:
            bus.emit(sig)
        assert locked.args == [reason]
        qtbot.waitUntil(lambda: session.is_locked, timeout=10_000)  # store closed, key gone
        assert controller.session is None
        assert controller.window is not window  # back at sign-in
        qtbot.waitUntil(lambda: not watcher.armed, timeout=10_000)  # nothing more to lock
        qtbot.waitUntil(lambda: bus.inhibitors() == 0, timeout=10_000)  # the suspend goes on
    finally:
        controller.shutdown()
    locks = _lock_entries(session)
    assert locks[-1].detail == {"reason": reason}
    assert locks[-1].entity_id == session.profile.profile_id


def test_a_language_switch_keeps_watching_for_the_new_window(
    qtbot: QtBot, make_session: MakeSession, bus: PrivateBus
) -> None:
    from ui import i18n  # noqa: PLC0415

    session = make_session(customers=0)
    assert session.registry is not None
    watcher, _ = _watcher(bus)
    controller = DeskController(session.registry, language="en", os_lock=watcher)
    try:
        controller.show_main(session).sync.stop()
        qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
        controller.switch_language("zh_CN")
        window = controller.main
        assert window is not None
        window.sync.stop()
        qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
        with qtbot.waitSignal(window.lock_requested, timeout=10_000) as locked:
            bus.emit(Sig(SESSION_PATH, SESSION, "Lock"))
        assert locked.args == ["screen_lock"]
        qtbot.waitUntil(lambda: session.is_locked, timeout=10_000)
    finally:
        controller.shutdown()
        i18n.install("en")


def test_the_sleep_delay_is_taken_again_on_waking(qtbot: QtBot, bus: PrivateBus) -> None:
    watcher, _ = _watcher(bus)
    reasons: list[str] = []
    watcher.walked_away.connect(reasons.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.holds_sleep_delay, timeout=10_000)
    assert bus.inhibitors() == 1
    bus.emit(SLEEP)
    qtbot.waitUntil(lambda: reasons == ["suspend"], timeout=10_000)
    assert bus.inhibitors() == 1  # held until the lock has run
    watcher.release_sleep_delay()  # what stopping after the lock does
    qtbot.waitUntil(lambda: bus.inhibitors() == 0, timeout=10_000)  # once Qt's reply is gone
    bus.emit(Sig(LOGIN1, MANAGER, "PrepareForSleep", "b", (False,)))  # awake again
    qtbot.waitUntil(lambda: watcher.holds_sleep_delay, timeout=10_000)
    assert bus.inhibitors() == 1
    watcher.stop()
    qtbot.waitUntil(lambda: bus.inhibitors() == 0, timeout=10_000)


NOT_WALKING_AWAY = [
    Sig(LOGIN1, MANAGER, "PrepareForSleep", "b", (False,)),  # waking up
    Sig(*FDO_SAVER, "ActiveChanged", "b", (False,)),  # the screen saver went off
    Sig(*GNOME_SAVER, "ActiveChanged", "b", (False,)),
    _props(SESSION, Active=True, LockedHint=False),  # back in, unlocked
    _props("org.freedesktop.login1.User", Active=False),  # another interface's property
    Sig(f"{LOGIN1}/session/_99", SESSION, "Lock"),  # another person's session
    Sig(f"{LOGIN1}/other", MANAGER, "PrepareForSleep", "b", (True,)),  # wrong path
    Sig(LOGIN1, "org.example.Fake", "PrepareForSleep", "b", (True,)),  # wrong interface
    Sig(
        "/org/freedesktop/ScreenSaverX",
        "org.freedesktop.ScreenSaver",
        "ActiveChanged",
        "b",
        (True,),
    ),  # fmt: skip
    Sig(SESSION_PATH, "org.example.Fake", "Lock"),
]


@pytest.mark.parametrize("sig", NOT_WALKING_AWAY, ids=lambda s: f"{s.path}:{s.member}:{s.args}")
def test_other_signals_do_not_lock(qtbot: QtBot, bus: PrivateBus, sig: Sig) -> None:
    watcher, qt_bus = _watcher(bus)
    probe = Probe(qt_bus)
    reasons: list[str] = []
    watcher.walked_away.connect(reasons.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
    bus.emit(sig)
    settle(qtbot, bus, probe)
    assert reasons == []
    bus.emit(SLEEP)  # the watcher was listening all along
    qtbot.waitUntil(lambda: reasons == ["suspend"], timeout=10_000)
    watcher.stop()


@pytest.mark.parametrize(
    "sig",
    [SLEEP, Sig(SESSION_PATH, SESSION, "Lock"), _props(SESSION, Active=False)],
    ids=["suspend", "session-lock", "session-inactive"],
)
def test_a_process_that_does_not_own_logind_s_name_cannot_forge_it(
    qtbot: QtBot, bus: PrivateBus, sig: Sig
) -> None:
    watcher, qt_bus = _watcher(bus)
    probe = Probe(qt_bus)
    reasons: list[str] = []
    watcher.walked_away.connect(reasons.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
    bus.forge(sig)
    bus.forge(Sig(CONTROL_PATH, CONTROL_INTERFACE, "Marker"))  # after the forgery…
    qtbot.waitUntil(lambda: probe.seen == 1, timeout=10_000)  # …so that was delivered
    assert reasons == []
    bus.emit(sig)
    qtbot.waitUntil(lambda: len(reasons) == 1, timeout=10_000)
    watcher.stop()


def test_our_session_is_the_one_xdg_session_id_names(
    qtbot: QtBot, bus: PrivateBus, caplog: pytest.LogCaptureFixture
) -> None:
    qt_bus = bus.qt()
    named = OsLockWatcher(system_bus=qt_bus, session_bus=qt_bus, session_id="1")
    named.start()
    qtbot.waitUntil(lambda: named.session_path == SESSION_PATH, timeout=10_000)
    named.stop()
    unknown = OsLockWatcher(system_bus=qt_bus, session_bus=qt_bus, session_id="c9")
    reasons: list[str] = []
    unknown.walked_away.connect(reasons.append)
    with caplog.at_level(logging.INFO, logger="ui.os_lock"):
        unknown.start()
        qtbot.waitUntil(lambda: "logind does not know our session" in caplog.text, timeout=10_000)
    assert unknown.session_path == ""
    bus.emit(SLEEP)  # the rest is still watched
    qtbot.waitUntil(lambda: reasons == ["suspend"], timeout=10_000)
    unknown.stop()


def test_after_stop_nothing_is_reported(qtbot: QtBot, bus: PrivateBus) -> None:
    watcher, qt_bus = _watcher(bus)
    probe = Probe(qt_bus)
    reasons: list[str] = []
    watcher.walked_away.connect(reasons.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.session_path == SESSION_PATH, timeout=10_000)
    watcher.stop()
    for sig in (SLEEP, Sig(SESSION_PATH, SESSION, "Lock"), Sig(*FDO_SAVER, "ActiveChanged", "b",
                                                                (True,))):  # fmt: skip
        bus.emit(sig)
    settle(qtbot, bus, probe)
    assert reasons == []


def test_policy_off_leaves_the_watcher_unarmed(
    qtbot: QtBot, make_session: MakeSession, bus: PrivateBus
) -> None:
    session = make_session(customers=0)
    session.policy = Policy(keyring=KeyringMode.OFF, lock_on_os_lock=False)
    assert session.registry is not None
    watcher, qt_bus = _watcher(bus)
    probe = Probe(qt_bus)
    controller = DeskController(session.registry, language="en", os_lock=watcher)
    try:
        window = controller.show_main(session)
        window.sync.stop()
        assert not watcher.armed
        bus.emit(SLEEP)
        bus.emit(Sig(*FDO_SAVER, "ActiveChanged", "b", (True,)))
        settle(qtbot, bus, probe)
        assert controller.session is session
        assert not session.is_locked
    finally:
        controller.shutdown()


def test_a_shared_terminal_cannot_turn_it_off() -> None:
    with pytest.raises(ValueError, match="lock_on_os_lock: must be true on a shared terminal"):
        Policy(shared_terminal=True, lock_on_os_lock=False)


def test_without_a_bus_the_watcher_logs_and_the_window_works(
    qtbot: QtBot, make_session: MakeSession, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    nowhere = QDBusConnection.connectToBus(f"unix:path={tmp_path / 'no-bus'}", "rm-desk-no-bus")
    watcher = OsLockWatcher(system_bus=nowhere, session_bus=nowhere, platform="linux")
    session = make_session(customers=0)
    assert session.registry is not None
    controller = DeskController(session.registry, language="en", os_lock=watcher)
    try:
        with caplog.at_level(logging.INFO, logger="ui.os_lock"):
            window = controller.show_main(session)
        window.sync.stop()
        assert watcher.armed
        lines = [r.getMessage() for r in caplog.records if r.name == "ui.os_lock"]
        assert any(line.startswith("no D-Bus system bus") for line in lines), lines
        assert any(line.startswith("no D-Bus session bus") for line in lines), lines
        window.action_lock.trigger()  # the other locks still work
        qtbot.waitUntil(lambda: session.is_locked, timeout=10_000)
    finally:
        controller.shutdown()
        QDBusConnection.disconnectFromBus("rm-desk-no-bus")
    assert _lock_entries(session)[-1].detail == {"reason": "manual"}


# --- Windows: the messages, decoded on any OS ------------------------------------------


@pytest.mark.parametrize(
    ("message", "wparam", "reason"),
    [
        (os_lock.WM_WTSSESSION_CHANGE, os_lock.WTS_SESSION_LOCK, "screen_lock"),
        (os_lock.WM_WTSSESSION_CHANGE, os_lock.WTS_CONSOLE_DISCONNECT, "session_switch"),
        (os_lock.WM_WTSSESSION_CHANGE, os_lock.WTS_REMOTE_DISCONNECT, "session_switch"),
        (os_lock.WM_POWERBROADCAST, os_lock.PBT_APMSUSPEND, "suspend"),
        (os_lock.WM_WTSSESSION_CHANGE, 0x8, None),  # WTS_SESSION_UNLOCK
        (os_lock.WM_WTSSESSION_CHANGE, 0x1, None),  # WTS_CONSOLE_CONNECT
        (os_lock.WM_POWERBROADCAST, 0x12, None),  # PBT_APMRESUMEAUTOMATIC
        (0x0100, os_lock.WTS_SESSION_LOCK, None),  # WM_KEYDOWN
    ],
)
def test_windows_session_messages(message: int, wparam: int, reason: str | None) -> None:
    assert os_lock.walk_away_reason(message, wparam) == reason
    msg = os_lock.WindowsMessage(hwnd=0x1234, message=message, wParam=wparam, lParam=1)
    address = ctypes.addressof(msg)
    assert os_lock.reason_of_native_event(b"windows_generic_MSG", address) == reason
    assert os_lock.reason_of_native_event(b"xcb_generic_event_t", address) is None
