"""Application bootstrap: QApplication, language, the sign-in → main window cycle.

`DeskController` owns the one `TaskManager` (database thread + network pool) for
the life of the process, shows the sign-in window, builds a main window for each
unlocked session and, on lock, closes the store (key dropped) on the database
thread and returns to sign-in with the same profile selected. While a session is
open and policy `lock_on_os_lock` holds, the OS's screen lock, suspend and user
switch lock it too (`OsLockWatcher`). A language switch
rebuilds the visible window in the new language. What the user was looking at (page,
open customer, the book's row and scroll, geometry: `ui/window_state.py`) is carried
to the next main window of the same user across both, in memory only.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from rm_desk.services import config
from rm_desk.services import session as sessions
from rm_desk.services.session import Registry, Session
from ui import i18n, look
from ui.collector import collect_on_gui_thread
from ui.context import AppContext
from ui.login import LoginWindow, demo_hint
from ui.main_window import MainWindow
from ui.messages import describe
from ui.os_lock import OsLockWatcher
from ui.taskman import TaskManager
from ui.window_state import WindowState, capture, restore

if TYPE_CHECKING:
    from rm_desk.services.demo import DemoEnvironment

APP_ID = "rm-desk"  # the .deb's rm-desk.desktop, X11's WM_CLASS, Wayland's app id


def application() -> QApplication:
    """The one QApplication, named rm-desk: X11's WM_CLASS is (argv[0]'s name, the
    application name), so both are rm-desk (it read "app.py" before), and the desktop
    file name ties the windows to rm-desk.desktop (its icon in the dock). Colours follow
    the OS's light or dark scheme (ui/look.py)."""
    existing = QApplication.instance()
    if not isinstance(existing, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = existing if isinstance(existing, QApplication) else QApplication([APP_ID])
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName("RM Desk")
    app.setOrganizationName("RM Desk")
    app.setDesktopFileName(APP_ID)
    if app.windowIcon().isNull():
        icon = QIcon(str(i18n.RESOURCES / "icons" / "rm-desk.svg"))
        for size in (48, 128, 256):
            icon.addFile(str(i18n.RESOURCES / "icons" / f"rm-desk-{size}.png"))
        app.setWindowIcon(icon)
    app.setFont(i18n.apply_fonts(app.font()))
    look.follow_os(app)
    collect_on_gui_thread(app)  # Qt objects in cycles are destroyed on this thread only
    settle_heap()
    return app


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_qt_log = logging.getLogger("qt")
log = logging.getLogger(__name__)


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    _qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s (%s)", message, context.category)


def route_qt_messages() -> None:
    """Qt's own warnings go to the support log (rm_desk.services.logs) with ours, instead
    of only to a terminal that an installed desktop app does not have."""
    qInstallMessageHandler(_qt_message)


def settle_heap() -> None:
    """Move every object alive now (imported modules, Qt wrappers, the window) out of
    the garbage collector's view. Otherwise each full collection walks them all while
    holding the GIL: during a first sync's allocation burst that froze the GUI thread
    for 130-350 ms (tests/ui/test_ui_responsiveness.py); with them frozen, a collection
    only walks what the work itself allocated."""
    gc.collect()
    gc.freeze()


class DeskController(QObject):
    main_shown = Signal(object)  # MainWindow
    login_shown = Signal(object)  # LoginWindow

    def __init__(
        self,
        reg: Registry,
        *,
        language: str,
        demo_hint: Callable[[], str] | None = None,
        demo_banner: Callable[[], str] | None = None,
        os_lock: OsLockWatcher | None = None,
    ) -> None:
        """`demo_hint` and `demo_banner` make their text in the language current when a
        window is built (a language switch builds it again). `os_lock` (tests: one on a
        private bus) defaults to the machine's buses."""
        super().__init__()
        self.reg = reg
        self.tasks = TaskManager(self)
        self.os_lock = os_lock or OsLockWatcher(self)
        self.os_lock.walked_away.connect(self._walked_away)
        self.demo_hint = demo_hint
        self.demo_banner = demo_banner
        self.window: QWidget | None = None
        self.main: MainWindow | None = None
        self.session: Session | None = None
        self.kept: WindowState | None = None  # the last main window's state, memory only
        i18n.install(language)

    # --- windows -------------------------------------------------------------------------

    def _replace(self, window: QWidget) -> None:
        old = self.window
        self.window = window
        window.show()
        if old is not None:
            old.close()
            old.deleteLater()

    def show_login(self, *, user: str | None = None, message: str = "") -> LoginWindow:
        login = LoginWindow(
            self.reg,
            self.tasks,
            preselect=user,
            demo_hint=self.demo_hint() if self.demo_hint else "",
            message=message,
        )
        login.unlocked.connect(self.show_main)
        login.language_requested.connect(self.switch_language)
        self.main = None
        self._replace(login)
        self.login_shown.emit(login)
        return login

    def show_main(self, session: Session) -> MainWindow:
        self._keep_state()
        self.session = session
        ctx = AppContext(session, self.tasks)
        window = MainWindow(ctx, demo_banner=self.demo_banner() if self.demo_banner else "")
        ctx.setParent(window)
        window.lock_requested.connect(self.lock)
        window.language_requested.connect(self.switch_language)
        window.sync.revoked.connect(lambda: self._after_revoke(session))
        self.main = window
        kept, self.kept = self.kept, None
        if kept is not None and kept.user == session.user:
            restore(window, kept)  # another user's state is dropped, never shown
        self._replace(window)
        if session.policy.lock_on_os_lock:
            self.os_lock.stop()  # a language switch: the new window takes the old one's place
            self.os_lock.start(window)
        else:
            log.info("policy lock_on_os_lock is false: the OS's screen lock is not watched")
        self.main_shown.emit(window)
        settle_heap()
        return window

    def lock(self, reason: str = "manual") -> None:
        session = self.session
        if session is None:
            return
        self.session = None
        user = session.user
        self._keep_state()
        self.show_login(user=user)
        # Closes every connection, zeroes the key; the audit entry records the reason.
        # Then the OS watch stops, letting a suspend that waits for the lock go on.
        self.tasks.run_db(lambda: session.lock(reason), self._locked, lambda _: self._locked(None))

    def _keep_state(self) -> None:
        """Capture the main window's state before it is replaced (lock, language)."""
        if self.main is not None:
            self.kept = capture(self.main)

    def _locked(self, _: object) -> None:
        if self.session is None:  # not unlocked again meanwhile
            self.os_lock.stop()

    def _walked_away(self, reason: str) -> None:
        if self.main is not None and self.session is not None:
            self.main.lock_for(reason)

    def _after_revoke(self, session: Session) -> None:
        self.os_lock.stop()
        self.session = None
        self.main = None  # nothing of a revoked profile is kept
        self.kept = None
        self.show_login(user=None)
        _ = session

    def switch_language(self, language: str) -> None:
        i18n.install(language)
        if self.session is not None and self.main is not None:
            self.show_main(self.session)
        else:
            old = self.window
            user = old.selected_user() if isinstance(old, LoginWindow) else None
            login = self.show_login(user=user)
            if old is not None:
                login.setGeometry(old.geometry())  # where it was, not back at its default

    def shutdown(self) -> None:
        self.os_lock.stop()
        if self.main is not None:
            self.main.save_drafts()
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = self.main = None
        session, self.session = self.session, None
        if session is not None:
            self.tasks.run_db(session.lock)
        self.tasks.shutdown(wait=True)


def run(
    *,
    data_dir: str | None = None,
    lang: str | None,
    screenshots: str | None,
    demo: DemoEnvironment | None = None,
) -> int:
    """Open the window on the profiles in `data_dir`, or, in demo mode, on the demo
    environment the command line composed (`rm_desk/cli.py`)."""
    if screenshots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    route_qt_messages()
    app = application()
    language = lang or i18n.system_language()
    if demo is not None:
        return _run_demo(app, language, screenshots, demo)
    policy = config.load_policy()
    reg = sessions.registry(config.data_dir(data_dir), policy)
    controller = DeskController(reg, language=language)
    controller.show_login()
    code = app.exec()
    controller.shutdown()
    return int(code)


def demo_banner() -> str:
    """The status bar's demo notice, in the current language."""
    return QApplication.translate("DeskController", "Demo mode: generated customers")


def _run_demo(
    app: QApplication, language: str, screenshots: str | None, demo_env: DemoEnvironment
) -> int:
    reg = demo_env.registry

    def hint() -> str:
        return demo_hint(demo_env.user, demo_env.password)

    try:
        if screenshots:
            from ui.screenshots import render_all  # noqa: PLC0415

            render_all(demo_env, Path(screenshots))
            return 0
        controller = DeskController(reg, language=language, demo_hint=hint, demo_banner=demo_banner)
        demo_env.session.lock()  # the demo starts at sign-in, credentials shown
        controller.show_login(user=demo_env.user)
        code = app.exec()
        controller.shutdown()
        return int(code)
    except Exception as exc:
        if not screenshots:  # a modal box would wait forever in a headless screenshot run
            QMessageBox.critical(None, "RM Desk", describe(exc))
        raise
