"""`rm-desk --demo --screenshots DIR`: every main view, in both languages, as PNG.

Each view is put in a representative state through the same signals the tests
use (a page's `loaded`), never by sleeping; a view that does not finish loading
within its time limit fails the run with a clear message rather than producing a
half-painted picture.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QTimer, SignalInstance
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from rm_desk.domain.book import BookColumn, BookFilter, BookSort
from rm_desk.domain.model import ChurnLevel
from rm_desk.services import book as book_service
from rm_desk.services.demo import DemoEnvironment, add_demo_profile
from rm_desk.services.session import Session
from ui import i18n
from ui.context import AppContext
from ui.login import LoginWindow, demo_hint
from ui.main_window import MainWindow
from ui.taskman import TaskManager

VIEWS = ("login", "book", "search", "profile", "history", "note", "tasks", "watchlist",
         "sync", "team", "today")  # fmt: skip
TIMEOUT_MS = 60_000
# The main and team windows at the smallest screen the desk is made for (issue 17: a
# 1366 × 768 laptop): every header fits and the book needs no sideways scrolling there.
WINDOW_SIZE = (1366, 768)


class ScreenshotError(RuntimeError):
    pass


def wait_for(signal: SignalInstance, start: Callable[[], None], what: str) -> None:
    """Run `start` and spin the event loop until `signal` fires (or fail after a while)."""
    loop = QEventLoop()
    fired: list[bool] = []

    def done(*_args: object) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(done)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(TIMEOUT_MS)
    start()
    if not fired:
        loop.exec()
    signal.disconnect(done)
    if not fired:
        raise ScreenshotError(f"the {what} view did not finish loading")


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, path: Path, overlay: QWidget | None = None) -> None:
    widget.repaint()
    pixmap: QPixmap = widget.grab()
    if overlay is not None and overlay.isVisible():
        painter = QPainter(pixmap)
        offset = overlay.mapToGlobal(QPoint(0, 0)) - widget.mapToGlobal(QPoint(0, 0))
        painter.drawPixmap(offset, overlay.grab())
        painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(path)):
        raise ScreenshotError(f"could not write {path}")


def _red_customer(session: Session) -> str:
    ids = book_service.book_ids(
        session,
        BookFilter(churn_levels=frozenset({ChurnLevel.RED})),
        BookSort(BookColumn.CHURN, descending=True),
    ) or book_service.book_ids(session)
    return book_service.book_rows(session, ids[:1])[0].cif


def render_all(env: DemoEnvironment, out: Path) -> list[Path]:
    """Render every main view in English and Chinese into `out/<lang>/<view>.png`."""
    app = QApplication.instance()
    if app is None:
        raise ScreenshotError("no QApplication")
    tasks = TaskManager()
    manager = add_demo_profile(env, "mgr001")
    written: list[Path] = []
    try:
        for language in ("en", "zh_CN"):
            i18n.install(language)
            folder = out / language
            written += _render_language(env, manager, tasks, folder)
    finally:
        tasks.shutdown(wait=True)
        if manager.store.is_open:
            manager.lock()
    return written


def _render_language(  # noqa: PLR0915  (one step per view)
    env: DemoEnvironment, manager: Session, tasks: TaskManager, folder: Path
) -> list[Path]:
    written: list[Path] = []
    login = LoginWindow(
        env.registry,
        tasks,
        preselect=env.user,
        demo_hint=demo_hint(env.user, env.password),
    )
    login.resize(1100, 700)
    wait_for(login.profiles_shown, login.show, "login")
    settle()
    save(login, folder / "login.png")
    written.append(folder / "login.png")
    login.close()
    login.deleteLater()

    ctx = AppContext(env.session, tasks)
    window = MainWindow(ctx, demo_banner="")
    window.sync.stop()
    window.resize(*WINDOW_SIZE)
    wait_for(window.book.loaded, window.show, "book")
    settle(400)
    written.append(_shot(window, folder, "book"))

    wait_for(window.today.loaded, lambda: window.show_page(window.today), "today")
    written.append(_shot(window, folder, "today"))

    window.show_page(window.book)
    wait_for(window.search.results_shown, lambda: _type(window, "wang"), "search")
    settle()
    popup = window.search._popup()
    save(window, folder / "search.png", overlay=popup)
    written.append(folder / "search.png")
    popup.hide()
    window.search.clear()

    cif = _red_customer(env.session)
    wait_for(window.customer.loaded, lambda: window.open_customer(cif), "profile")
    settle(400)
    written.append(_shot(window, folder, "profile"))
    window.customer.show_history()
    settle(400)
    written.append(_shot(window, folder, "history"))

    editor = window.customer_note_editor(cif)
    editor.fill_example()
    settle()
    save(editor, folder / "note.png")
    written.append(folder / "note.png")
    editor.discard_quietly()

    wait_for(window.tasks.loaded, lambda: window.show_page(window.tasks), "tasks")
    written.append(_shot(window, folder, "tasks"))
    wait_for(window.watchlist.loaded, lambda: window.show_page(window.watchlist), "watchlist")
    settle(400)
    written.append(_shot(window, folder, "watchlist"))
    wait_for(window.sync_page.loaded, lambda: window.show_page(window.sync_page), "sync")
    written.append(_shot(window, folder, "sync"))
    window.close()
    window.deleteLater()

    mctx = AppContext(manager, tasks)
    team_window = MainWindow(mctx, demo_banner="")
    team_window.sync.stop()
    team_window.resize(*WINDOW_SIZE)
    team = team_window.team
    if team is None:
        raise ScreenshotError("the manager's window has no team page")
    wait_for(team_window.book.loaded, team_window.show, "manager book")
    wait_for(team.loaded, lambda: team_window.show_page(team), "team")
    settle(400)
    written.append(_shot(team_window, folder, "team"))
    team_window.close()
    team_window.deleteLater()
    return written


def _type(window: MainWindow, text: str) -> None:
    window.search.setFocus()
    window.search.setText(text)
    window.search.textEdited.emit(text)


def _shot(window: QWidget, folder: Path, name: str) -> Path:
    settle()
    path = folder / f"{name}.png"
    save(window, path)
    return path
