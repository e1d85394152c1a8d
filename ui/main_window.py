"""The main window: navigation, global search, the pages, the status bar, lock.

One window per unlocked profile. Pages are built once and load their data when
shown; writes broadcast a change set that every page uses to decide whether to
refresh. Locking saves open drafts first, then the controller closes the store
and drops the key (`lock_requested(reason)`): the Lock action, the idle lock and the
OS's screen lock, suspend or user switch (ui/os_lock.py, armed by the controller) all
take that one path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QSystemTrayIcon,
    QToolBar,
    QWidget,
)

from rm_desk.domain.permissions import Action
from rm_desk.services import sync as sync_service
from rm_desk.services.changes import Changes
from rm_desk.services.sync import SyncSummary
from ui import look, words
from ui.context import AppContext
from ui.notify import AssignmentNotifier, DesktopNotifier
from ui.sync_controller import SyncController
from ui.views.base import Page
from ui.views.book import BookPage
from ui.views.note_editor import NoteEditor
from ui.views.profile import CustomerPage
from ui.views.search import SearchBox
from ui.views.sync_page import SyncPage
from ui.views.tasks import ReminderNotifier, TasksPage
from ui.views.team import TeamPage
from ui.views.today import TodayPage
from ui.views.watchlist import WatchlistPage

# The page of each kind in the navigation (built on first use by MainWindow._page).
_PAGE_CLASSES: dict[str, Callable[[AppContext], Page]] = {
    "book": BookPage,
    "today": TodayPage,
    "tasks": TasksPage,
    "watchlist": WatchlistPage,
    "team": TeamPage,
    "sync": SyncPage,
    "customer": CustomerPage,
}


class MainWindow(QMainWindow):
    lock_requested = Signal(str)  # the reason code the audit entry records
    language_requested = Signal(str)  # "zh_CN" | "en"

    def __init__(self, ctx: AppContext, *, demo_banner: str = "") -> None:  # noqa: PLR0915
        super().__init__()
        self.ctx = ctx
        self.editors: list[NoteEditor] = []
        self._locking = False
        session = ctx.session
        self.setWindowTitle(
            self.tr("RM Desk — %1 (%2)")
            .replace("%1", session.profile.display_name or session.user)
            .replace("%2", words.role(session.role))
        )
        self.setAccessibleName(self.tr("RM Desk main window"))

        # --- pages: the book now, the others when first shown (a faster unlock) ---
        self._kinds: list[str] = ["book", "today", "tasks", "watchlist"]
        if session.may(Action.VIEW_TEAM):
            self._kinds.append("team")
        self._kinds += ["sync", "customer"]
        self._built: dict[str, Page] = {}
        self.stack = QStackedWidget()
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(self.tr("Navigation"))
        self.nav.setFixedWidth(200)
        self.nav.setIconSize(QSize(20, 20))
        titles = {
            "book": self.tr("My book"),
            "today": self.tr("Today"),
            "tasks": self.tr("Tasks"),
            "watchlist": self.tr("Churn watchlist"),
            "team": self.tr("Team"),
            "sync": self.tr("Sync"),
            "customer": self.tr("Customer"),
        }
        for number, kind in enumerate(self._kinds, start=1):
            self.stack.addWidget(QWidget())  # a placeholder until the page is built
            item = QListWidgetItem(look.icon(kind), titles[kind])
            # One row height from the start (the style sheet's padding reached only the
            # rows laid out after the first polish): the font's line plus room, in
            # device-independent pixels.
            item.setSizeHint(QSize(160, self.nav.fontMetrics().height() + 18))
            item.setToolTip(self.tr("Ctrl+%1").replace("%1", str(number)))
            self.nav.addItem(item)
            shortcut = QAction(self)
            shortcut.setShortcut(QKeySequence(f"Ctrl+{number}"))
            shortcut.triggered.connect(lambda _=False, row=number - 1: self.nav.setCurrentRow(row))
            self.addAction(shortcut)
        self.customer_item = self.nav.item(len(self._kinds) - 1)
        self.customer_item.setHidden(True)  # shown once a customer is opened
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.book = cast(BookPage, self._page("book"))

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # --- toolbar and shortcuts ---
        self.search = SearchBox(ctx)
        self.search.chosen.connect(self.open_customer)
        self.search.addAction(look.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        bar = QToolBar(self.tr("Main"))
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.addWidget(self.search)
        self.addToolBar(bar)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.action_search = self._action(self.tr("Search"), "Ctrl+K", self.focus_search, bar=None)
        self.action_note = self._action(self.tr("Log contact"), "Ctrl+N", self.new_note, bar=bar)
        self.action_sync = self._action(self.tr("Sync now"), "F5", self.sync_now, bar=bar)
        self.action_lock = self._action(
            self.tr("Lock"), "Ctrl+L", lambda: self.lock_for("manual"), bar=bar
        )
        self.action_lang = self._action(self.tr("中文 / English"), "Ctrl+Shift+L",
                                        self.switch_language, bar=bar)  # fmt: skip
        self.action_search.setIcon(look.icon("search"))
        self.action_note.setIcon(look.icon("note"))
        self.action_sync.setIcon(look.icon("sync"))
        self.action_lock.setIcon(look.icon("lock"))
        self.action_lang.setIcon(look.icon("language"))

        # --- status bar ---
        self.online_label = QLabel()
        self.online_label.setAccessibleName(self.tr("Connection"))
        self.last_sync_label = QLabel()
        self.last_sync_label.setAccessibleName(self.tr("Last sync"))
        self.pending_label = QLabel()
        self.pending_label.setAccessibleName(self.tr("Changes waiting to be sent"))
        self.conflicts_button = QPushButton()
        self.conflicts_button.setFlat(True)
        self.conflicts_button.setAccessibleName(self.tr("Open conflicts"))
        self.conflicts_button.clicked.connect(lambda: self.show_page(self.sync_page))
        status = self.statusBar()
        for widget in (self.online_label, self.last_sync_label, self.pending_label):
            status.addPermanentWidget(widget)
        status.addPermanentWidget(self.conflicts_button)
        if demo_banner:
            banner = QLabel(demo_banner)
            banner.setObjectName("demoBanner")
            status.addWidget(banner)

        # --- wiring ---
        ctx.open_customer.connect(self.open_customer)
        ctx.new_note.connect(self.new_note_for)
        ctx.error.connect(self.show_error)
        ctx.changed.connect(self._on_changed)
        self.sync = SyncController(ctx, self)
        self.sync.started.connect(lambda: self.statusBar().showMessage(self.tr("Syncing…")))
        self.sync.progressed.connect(self._sync_progress)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.sync.online_changed.connect(self._online_changed)
        self.sync.needs_password.connect(self._ask_password)
        self.sync.revoked.connect(self._revoked)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self.windowIcon(), self)
            self.tray.setToolTip(self.tr("RM Desk"))
            self.tray.show()
        self.reminders = ReminderNotifier(ctx, self.tray, self)
        self.reminders.reminder.connect(lambda text: self.statusBar().showMessage(text, 30000))
        self.notifier = DesktopNotifier(self.tray, self)
        self.notifier.banner.connect(lambda text: self.statusBar().showMessage(text, 30000))
        self.assignments = AssignmentNotifier(ctx, self.notifier, self)
        self.sync.finished.connect(
            lambda summary: self.assignments.check() if summary.assigned else None
        )
        self._online_changed(None)
        self.idle = IdleLock(self, ctx.session.policy.effective_idle_lock_minutes)
        self.idle.expired.connect(lambda: self.lock_for("idle"))

        # "Last sync: 2 minutes ago" goes stale: it is re-read from the clock each minute.
        self._last_sync_at: str | None = None
        self.minute = QTimer(self)
        self.minute.setInterval(60_000)
        self.minute.timeout.connect(self.show_times)
        self.minute.start()

        self.resize(1360, 820)
        self.nav.setCurrentRow(0)  # the book's query goes first on the database thread
        self.refresh_status()
        # Reminders and background sync start once the book is on screen.
        self._startup = QTimer(self)
        self._startup.setSingleShot(True)
        self._startup.setInterval(1500)
        self._startup.timeout.connect(self.reminders.start)
        self._startup.timeout.connect(self.assignments.check)
        self._startup.timeout.connect(self.sync.start)
        self._startup.start()

    def _action(
        self, text: str, keys: str, slot: Callable[[], None], *, bar: QToolBar | None
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(
            f"{text} ({QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)})"
        )
        action.triggered.connect(slot)
        self.addAction(action)
        if bar is not None:
            bar.addAction(action)
        return action

    # --- navigation ----------------------------------------------------------------------

    # --- pages ----------------------------------------------------------------------------

    def _page(self, kind: str) -> Page:
        """The page of this kind, built on first use."""
        page = self._built.get(kind)
        if page is not None:
            return page
        page = _PAGE_CLASSES[kind](self.ctx)  # an unknown kind: KeyError
        if isinstance(page, TodayPage):
            page.resume_draft.connect(self.resume_draft)
        elif isinstance(page, SyncPage):
            page.use_sync_action(self.action_sync)
        index = self._kinds.index(kind)
        placeholder = self.stack.widget(index)
        self.stack.insertWidget(index, page)
        if placeholder is not None:
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
        self._built[kind] = page
        return page

    @property
    def pages(self) -> list[Page]:
        """Every page, building the ones not shown yet."""
        return [self._page(kind) for kind in self._kinds]

    @property
    def today(self) -> TodayPage:
        return cast(TodayPage, self._page("today"))

    @property
    def tasks(self) -> TasksPage:
        return cast(TasksPage, self._page("tasks"))

    @property
    def watchlist(self) -> WatchlistPage:
        return cast(WatchlistPage, self._page("watchlist"))

    @property
    def team(self) -> TeamPage | None:
        return cast(TeamPage, self._page("team")) if "team" in self._kinds else None

    @property
    def sync_page(self) -> SyncPage:
        return cast(SyncPage, self._page("sync"))

    @property
    def customer(self) -> CustomerPage:
        return cast(CustomerPage, self._page("customer"))

    def show_page(self, page: Page) -> None:
        kind = next(k for k, p in self._built.items() if p is page)
        self.nav.setCurrentRow(self._kinds.index(kind))

    def current_kind(self) -> str:
        """The kind of the page shown ("book", "customer", …)."""
        row = self.nav.currentRow()
        return self._kinds[row] if 0 <= row < len(self._kinds) else "book"

    def show_kind(self, kind: str) -> None:
        """Show the page of this kind; one this user does not have (a manager's Team page
        for an RM), or the customer page with no customer open, leaves the page as is."""
        if kind not in self._kinds or (kind == "customer" and self.customer_item.isHidden()):
            return
        self.nav.setCurrentRow(self._kinds.index(kind))

    def open_customer_id(self) -> str | None:
        """The customer open on the customer page, if any."""
        if "customer" not in self._built or self.customer_item.isHidden():
            return None
        return self.customer.customer_id

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self._kinds):
            page = self._page(self._kinds[row])
            self.stack.setCurrentWidget(page)
            page.activate()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def open_customer(self, customer_id: str) -> None:
        self.customer_item.setHidden(False)
        self.customer.show_customer(customer_id)
        self.show_page(self.customer)

    # --- notes ---------------------------------------------------------------------------

    def current_customer(self) -> str:
        """The customer Ctrl+N ("Log contact") is for: the one shown on the customer
        page, or the one selected on the book, Today, Tasks or the watchlist; "" (the
        editor then asks, with its picker) elsewhere or with nothing selected."""
        current = self.stack.currentWidget()
        if "customer" in self._built and current is self.customer:
            return self.customer.customer_id or ""
        if current is self.book:
            return self.book.selected_customer() or ""
        for kind in ("today", "tasks", "watchlist"):
            page = self._built.get(kind)
            if page is not None and current is page:
                row = cast(TodayPage | TasksPage | WatchlistPage, page).selected()
                return row.customer_id if row is not None else ""
        return ""

    def new_note(self) -> None:
        self.new_note_for(self.current_customer())

    def new_note_for(self, customer_id: str) -> None:
        editor = NoteEditor(self.ctx, customer_id=customer_id or None, parent=self)
        self._track(editor)

    def customer_note_editor(self, customer_id: str) -> NoteEditor:
        """Open the note editor for a customer and return it (screenshots, tests)."""
        self.new_note_for(customer_id)
        return self.editors[-1]

    def resume_draft(self, draft_id: str) -> None:
        editor = NoteEditor(self.ctx, draft_id=draft_id, parent=self)
        self._track(editor)

    def _track(self, editor: NoteEditor) -> None:
        self.editors.append(editor)
        editor.finished.connect(lambda _=0, e=editor: self._forget(e))
        editor.show()

    def _forget(self, editor: NoteEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)

    def save_drafts(self) -> None:
        for editor in list(self.editors):
            editor.save_draft_now()

    # --- sync and status -----------------------------------------------------------------

    def sync_now(self) -> None:
        if not self.sync.enabled:
            self.statusBar().showMessage(
                self.tr("This profile is not connected to a central CRM."), 5000
            )
            return
        self.sync.sync_now()

    def _sync_progress(self, done: int, remaining: int) -> None:
        if "sync" in self._built:
            self.sync_page.show_progress(done, remaining)

    def _sync_finished(self, summary: SyncSummary) -> None:
        self.statusBar().showMessage(
            self.tr("Synced: %1 received, %2 sent, %3, %4 returned")
            .replace("%1", str(summary.pulled))
            .replace("%2", str(summary.pushed))
            .replace("%3", self.tr("%n conflict(s)", "", summary.conflicts))
            .replace("%4", str(summary.returned)),
            8000,
        )
        if "sync" in self._built:
            self.sync_page.sync_finished()
        self.refresh_status()

    def _sync_failed(self, message: str) -> None:
        if "sync" in self._built:
            self.sync_page.sync_finished()
        self.show_error(message)
        self.refresh_status()

    def _online_changed(self, online: bool | None) -> None:
        if not self.sync.enabled:
            self.online_label.setText(self.tr("● Local only"))
        elif online is None:
            self.online_label.setText(self.tr("● Checking connection…"))
        elif online:
            self.online_label.setText(self.tr("● Online"))
        else:
            self.online_label.setText(self.tr("● Offline: changes are kept"))

    def _on_changed(self, changes: Changes) -> None:
        if changes.outbox or changes.everything:
            self.refresh_status()

    def refresh_status(self) -> None:
        self.ctx.db(sync_service.sync_status, self._show_status, owner=self)

    def _show_status(self, status: sync_service.SyncStatus) -> None:
        self._last_sync_at = status.last_sync_at
        self.show_times()
        self.pending_label.setText(self.tr("%n change(s) pending", "", status.pending))
        self.conflicts_button.setText(self.tr("%n conflict(s)", "", status.conflicts))
        self.conflicts_button.setVisible(status.conflicts > 0)

    def show_times(self) -> None:
        """The times shown relative to now (the session's clock), again: the last sync
        in the status bar and on the pages (`Page.show_times`); the exact moment in their
        tooltips."""
        now = self.ctx.session.clock()
        at = datetime.fromisoformat(self._last_sync_at) if self._last_sync_at else None
        last = words.ago(at, now) if at else self.tr("never")
        self.last_sync_label.setText(self.tr("Last sync: %1").replace("%1", last))
        self.last_sync_label.setToolTip(words.moment(at) if at else "")
        for page in self._built.values():
            page.show_times(now)

    def _ask_password(self) -> None:
        password, ok = QInputDialog.getText(
            self,
            self.tr("Sign in to the central CRM"),
            self.tr("Your sign-in has expired. Password:"),
            QLineEdit.EchoMode.Password,
        )
        if ok and password:
            self.sync.sign_in_and_sync(password)

    def _revoked(self) -> None:
        QMessageBox.critical(
            self,
            self.tr("Access revoked"),
            self.tr("This computer's access was revoked by the bank; its local copy of "
                    "customer data has been removed."),
        )  # fmt: skip
        self.close()

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    # --- lock and language ---------------------------------------------------------------

    def lock(self) -> None:
        self.lock_for("manual")

    def lock_for(self, reason: str) -> None:
        """Save the drafts, stop the background work and ask the controller to lock the
        store; `reason` ("manual", "idle", "suspend", "screen_lock", "session_switch")
        goes into the audit entry. Once per window: the OS often reports one walk-away
        several ways (a screen lock, then logind's LockedHint)."""
        if self._locking:
            return
        self._locking = True
        self.idle.timer.stop()
        self._startup.stop()
        self.save_drafts()
        self.sync.stop()
        self.reminders.stop()
        self.lock_requested.emit(reason)

    def switch_language(self) -> None:
        from ui.i18n import current_language  # noqa: PLC0415

        self.save_drafts()
        self.language_requested.emit("en" if current_language() == "zh_CN" else "zh_CN")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._startup.stop()
        self.save_drafts()
        self.sync.stop()
        self.reminders.stop()
        super().closeEvent(event)


class IdleLock(QObject):
    """Locks the window after the policy's idle minutes without keyboard or mouse input."""

    expired = Signal()

    def __init__(self, window: QMainWindow, minutes: int) -> None:
        super().__init__(window)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(minutes * 60_000)
        self.timer.timeout.connect(self.expired)
        self.timer.start()
        from PySide6.QtWidgets import QApplication  # noqa: PLC0415

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
        ):
            self.timer.start()
        return False
