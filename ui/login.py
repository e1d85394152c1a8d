"""Start-up: pick a profile, type the password, or add a profile.

Unlocking derives the key with Argon2id (a deliberate fraction of a second) and
opens the database, so it runs on the database thread; the window stays live. A
profile in back-off or lockout shows a countdown and keeps the button disabled
until the moment passes; the countdown runs on the monotonic clock from the time
left the registry reports, so changing the computer's clock does not move it. A
full disk is said as such: the password was not checked (not "wrong", not
"damaged"). Adding a profile signs in to the central CRM once and runs the first
sync, with progress, on the network pool.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rm_desk.services import errors
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.session import ProfileInfo, Registry, Session
from sync.client.engine import Progress
from ui import words
from ui.messages import describe, when
from ui.taskman import TaskManager


class LoginWindow(QWidget):
    unlocked = Signal(object)  # Session
    upgrading = Signal()  # the profile's data is being upgraded to this version
    language_requested = Signal(str)
    profiles_shown = Signal(int)

    def __init__(  # noqa: PLR0915  (builds the form)
        self,
        reg: Registry,
        tasks: TaskManager,
        *,
        preselect: str | None = None,
        demo_hint: str = "",
        message: str = "",
    ) -> None:
        super().__init__()
        self.reg = reg
        self.tasks = tasks
        self._listed: list[ProfileInfo] = []
        self.locked_until: datetime | None = None  # shown; None: not locked
        self._lock_ends = 0.0  # time.monotonic() when the shown lock ends
        self.setWindowTitle(self.tr("RM Desk — sign in"))
        self.setAccessibleName(self.tr("Sign in"))

        heading = QLabel(self.tr("RM Desk"))
        heading.setObjectName("loginHeading")
        font = heading.font()
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        heading.setFont(font)
        subtitle = QLabel(self.tr("Your customers, offline and encrypted."))
        self.profiles = QListWidget()
        self.profiles.setAccessibleName(self.tr("Profiles on this computer"))
        self.profiles.currentRowChanged.connect(self._profile_changed)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setAccessibleName(self.tr("Unlock the profile"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.add_button = QPushButton(self.tr("Add profile…"))
        self.add_button.setAccessibleName(self.tr("Add a profile"))
        self.add_button.clicked.connect(self.add_profile)
        language = QPushButton(self.tr("中文 / English"))
        language.setAccessibleName(self.tr("Switch language"))
        language.clicked.connect(self._switch_language)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setObjectName("loginMessage")
        self.message.setAccessibleName(self.tr("Sign-in message"))
        self.countdown = QLabel()
        self.countdown.setObjectName("lockoutCountdown")
        self.countdown.setAccessibleName(self.tr("Lockout countdown"))
        self.demo = QLabel(demo_hint)
        self.demo.setObjectName("demoCredentials")
        self.demo.setVisible(bool(demo_hint))
        self.demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(language)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        box = QVBoxLayout()
        box.addWidget(heading)
        box.addWidget(subtitle)
        box.addWidget(self.demo)
        box.addWidget(QLabel(self.tr("Profile")))
        box.addWidget(self.profiles, 1)
        box.addWidget(self.password)
        box.addWidget(self.message)
        box.addWidget(self.countdown)
        box.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(box, 2)
        outer.addStretch(1)
        self.resize(900, 600)

        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._update_countdown)
        self.upgrading.connect(self._show_upgrading)
        self.fill_profiles(preselect)

    # --- profiles ------------------------------------------------------------------------

    def fill_profiles(self, preselect: str | None = None) -> None:
        """Read the profile list (a small file) on the database thread, then show it."""
        self.tasks.run_db(
            self.reg.list,
            lambda listed: self._show_profiles(listed, preselect),
            lambda exc: self._show_profiles([], preselect, describe(exc)),
            owner=self,
        )

    def _show_profiles(
        self, listed: list[ProfileInfo], preselect: str | None, problem: str = ""
    ) -> None:
        self._listed = listed
        self.profiles.clear()
        for profile in listed:
            name = profile.display_name or profile.user
            item = QListWidgetItem(f"{name}  ({profile.user}, {words.role(profile.role)})")
            item.setData(Qt.ItemDataRole.UserRole, profile.user)
            self.profiles.addItem(item)
        users = [p.user for p in listed]
        self.profiles.setCurrentRow(users.index(preselect) if preselect in users else 0)
        has = bool(listed)
        self.password.setEnabled(has)
        self.unlock_button.setEnabled(has)
        if problem:
            self.message.setText(problem)
        elif not has:
            self.message.setText(self.tr("No profile on this computer yet: add one to sign in."))
        self._update_countdown()
        self.password.setFocus()
        self.profiles_shown.emit(len(listed))

    def selected_user(self) -> str | None:
        item = self.profiles.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _selected_profile(self) -> ProfileInfo | None:
        user = self.selected_user()
        return next((p for p in self._listed if p.user == user), None)

    def _profile_changed(self, _row: int) -> None:
        profile = self._selected_profile()
        self.locked_until = None
        block = self.reg.blocked(profile) if profile is not None else None
        if block is not None:
            self._show_lock(block.until, block.remaining)
        self._update_countdown()

    def _show_lock(self, until: datetime, remaining: timedelta | None) -> None:
        left = remaining if remaining is not None else until - self.reg.clock()
        self.locked_until = until
        self._lock_ends = time.monotonic() + left.total_seconds()

    # --- unlocking -----------------------------------------------------------------------

    def try_unlock(self) -> None:
        user = self.selected_user()
        password = self.password.text()
        if user is None or not self.unlock_button.isEnabled():
            return
        if not password:
            self.message.setText(self.tr("Type your password."))
            return
        self.unlock_button.setEnabled(False)
        self.message.setText(self.tr("Unlocking…"))
        reg = self.reg
        upgrading = self.upgrading  # emitted from the database thread, shown on the GUI's

        def told(_old: int, _new: int) -> None:
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                upgrading.emit()

        writer = self.tasks.writer()

        def unlock() -> Session:  # on the database thread, the session's one writer
            session = sessions.unlock(reg, user, password, on_upgrade=told)
            session.use_writer(*writer)
            return session

        self.tasks.run_db(unlock, self._unlocked, self._failed, owner=self)

    def _show_upgrading(self) -> None:
        self.message.setText(
            self.tr(
                "Updating this profile's data for the new version of RM Desk (once; a large "
                "book takes a minute)…"
            )
        )

    def _unlocked(self, session: Session) -> None:
        self.password.clear()
        self.message.clear()
        self.unlocked.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self.password.selectAll()
        self.password.setFocus()
        if isinstance(exc, errors.DiskFull):
            self.message.setText(
                self.tr(
                    "The disk is full, so the profile cannot be unlocked; your password was "
                    "not checked and nothing was changed. Free some space, then try again."
                )
            )
        else:
            self.message.setText(describe(exc))
        if isinstance(exc, errors.ProfileLocked):
            self._show_lock(exc.until, exc.remaining)
            self._update_countdown()
        elif isinstance(exc, errors.WrongPassword):
            self.fill_profiles(self.selected_user())  # a back-off may have started
        else:
            self._update_countdown()

    def _update_countdown(self) -> None:
        left = self._lock_ends - time.monotonic()
        if self.locked_until is not None and left > 0:
            seconds = int(left) + 1
            self.countdown.setText(
                self.tr("Locked: try again in %1 s (at %2).")
                .replace("%1", str(seconds))
                .replace("%2", when(self.locked_until))
            )
            self.countdown.setVisible(True)
            self.unlock_button.setEnabled(False)
            if not self.tick.isActive():
                self.tick.start()
            return
        self.tick.stop()
        self.locked_until = None
        self.countdown.setVisible(False)
        self.unlock_button.setEnabled(self.profiles.count() > 0)

    # --- adding --------------------------------------------------------------------------

    def add_profile(self) -> None:
        dialog = AddProfileDialog(self.reg, self.tasks, self)
        dialog.added.connect(self.unlocked)
        dialog.open()

    def _switch_language(self) -> None:
        from ui.i18n import current_language  # noqa: PLC0415

        self.language_requested.emit("en" if current_language() == "zh_CN" else "zh_CN")


class AddProfileDialog(QDialog):
    """Sign in to the central CRM once, create the encrypted profile, first sync."""

    added = Signal(object)  # Session
    _progress = Signal(int, int)

    def __init__(self, reg: Registry, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reg = reg
        self.tasks = tasks
        self.setWindowTitle(self.tr("Add profile"))
        self.user = QLineEdit()
        self.user.setAccessibleName(self.tr("User name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.server = QLineEdit(reg.policy.server_url or "")
        self.server.setAccessibleName(self.tr("Central CRM address"))
        self.server.setPlaceholderText("https://crm.example-bank.cn")
        self.server.setReadOnly(bool(reg.policy.server_url))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setAccessibleName(self.tr("First sync progress"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.user)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Central CRM"), self.server)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._progress.connect(self._show_progress)

    def submit(self) -> None:
        user, password, server = (
            self.user.text().strip(), self.password.text(), self.server.text().strip()
        )  # fmt: skip
        if not user or not password or not server:
            self.message.setText(self.tr("User name, password and server are all needed."))
            return
        if not server.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            self.message.setText(self.tr("The central CRM address must start with https://."))
            return
        self.buttons.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.setText(self.tr("Signing in and downloading your book…"))
        reg = self.reg

        def report(p: Progress) -> None:
            self._progress.emit(p.done, p.remaining)

        writer = self.tasks.writer()

        def job() -> Session:  # the network pool; every write goes to the database thread
            added = sync_service.add_profile(
                reg, user, password, server, progress=report, writer=writer
            )
            return added.session

        self.tasks.run_net(job, self._done, self._failed, owner=self)

    def _show_progress(self, done: int, remaining: int) -> None:
        self.progress.setRange(0, max(done + remaining, 1))
        self.progress.setValue(done)

    def _done(self, session: Session) -> None:
        self.accept()
        self.added.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.progress.setVisible(False)
        self.message.setText(describe(exc))
