"""Start-up: pick a profile, type the password, or add a profile.

Unlocking derives the key with Argon2id (a deliberate fraction of a second) and
opens the database, so it runs on the database thread; the window stays live. A
profile in back-off or lockout shows a countdown and keeps the button disabled
until the moment passes; the countdown runs on the monotonic clock from the time
left the registry reports, so changing the computer's clock does not move it. A
full disk is said as such: the password was not checked (not "wrong", not
"damaged"). Adding a profile signs in to the central CRM once and runs the first
sync, with progress, on the network pool.

When unlocking finds the profile's data damaged, the screen says so and offers
Repair: it runs `repair.repair_profile` on the network pool with progress, shows
what was rescued and what could not be read, and Continue opens the repaired
profile.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
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

from rm_desk.services import errors, repair
from rm_desk.services import session as sessions
from rm_desk.services import sync as sync_service
from rm_desk.services.session import ProfileInfo, Registry, Session
from rm_desk.services.sync import Progress
from ui import words
from ui.messages import describe
from ui.taskman import TaskManager


def demo_hint(user: str, password: str) -> str:
    """The demo credentials shown on the sign-in screen."""
    text = QApplication.translate(
        "DeskController",
        "Demo bank: sign in as %1 with password %2. To see the Team page, add the profile mgr001 with password demo-mgr001.",  # noqa: E501
    )
    return text.replace("%1", user).replace("%2", password)


class LoginWindow(QWidget):
    unlocked = Signal(object)  # Session
    upgrading = Signal()  # the profile's data is being upgraded to this version
    checking = Signal()  # the last session did not close: the data is being checked
    language_requested = Signal(str)
    profiles_shown = Signal(int)
    repair_finished = Signal(bool)  # the repair ended: True when it succeeded
    _repair_progress = Signal(str, int, int)

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
        self._lockout = False  # the shown lock: a lockout (True) or a back-off
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
        self.repair_button = QPushButton(self.tr("Repair"))
        self.repair_button.setAccessibleName(self.tr("Repair the damaged profile"))
        self.repair_button.clicked.connect(self.start_repair)
        self.repair_button.setVisible(False)
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setAccessibleName(self.tr("Open the repaired profile"))
        self.continue_button.clicked.connect(self._continue_repaired)
        self.continue_button.setVisible(False)
        self.repair_progress = QProgressBar()
        self.repair_progress.setAccessibleName(self.tr("Repair progress"))
        self.repair_progress.setVisible(False)
        self._repaired: Session | None = None
        self.demo = QLabel(demo_hint)
        self.demo.setObjectName("demoCredentials")
        self.demo.setVisible(bool(demo_hint))
        self.demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(language)
        buttons.addStretch(1)
        buttons.addWidget(self.repair_button)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.unlock_button)
        box = QVBoxLayout()
        box.addWidget(heading)
        box.addWidget(subtitle)
        box.addWidget(self.demo)
        box.addWidget(QLabel(self.tr("Profile")))
        box.addWidget(self.profiles, 1)
        box.addWidget(self.password)
        box.addWidget(self.message)
        box.addWidget(self.repair_progress)
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
        self.checking.connect(self._show_checking)
        self._repair_progress.connect(self._show_repair_progress)
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
        if not self.continue_button.isVisible():
            self.repair_button.setVisible(False)
        profile = self._selected_profile()
        self.locked_until = None
        block = self.reg.blocked(profile) if profile is not None else None
        if block is not None:
            self._show_lock(block.until, block.remaining, lockout=block.lockout)
        self._update_countdown()

    def countdown_text(self, left: float) -> str:
        """What the wait is and how long it still is: a back-off after a wrong password
        ("Wait 4 seconds before trying again.") or a lockout after too many (minutes and
        hours once a minute or more, and the time it ends)."""
        seconds = int(left) + 1
        if not self._lockout:
            if seconds < 60:
                return self.tr("Wait %n second(s) before trying again.", "", seconds)
            return self.tr("Wait %1 before trying again.").replace("%1", words.duration(seconds))
        until = self.locked_until
        if until is None:
            at = ""
        elif seconds < 12 * 3600:  # today, or early tomorrow: the time says it
            at = words.clock_time(until)
        else:
            at = words.moment(until)
        return (
            self.tr("Locked after too many wrong passwords: try again in %1 (at %2).")
            .replace("%1", words.duration(seconds))
            .replace("%2", at)
        )

    def _show_lock(self, until: datetime, remaining: timedelta | None, *, lockout: bool) -> None:
        left = remaining if remaining is not None else until - self.reg.clock()
        self._lockout = lockout
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
        checking = self.checking

        def told(_old: int, _new: int) -> None:
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                upgrading.emit()

        def told_check() -> None:
            with contextlib.suppress(RuntimeError):
                checking.emit()

        writer = self.tasks.writer()

        def sign_in_online(session: Session) -> None:  # past the offline lease
            sync_service.sync_session(session, password)

        def unlock() -> Session:  # on the database thread, the session's one writer
            session = sessions.unlock(
                reg,
                user,
                password,
                on_upgrade=told,
                on_check=told_check,
                sign_in_online=sign_in_online,
            )
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

    def _show_checking(self) -> None:
        self.message.setText(
            self.tr(
                "RM Desk did not close properly last time: checking this profile's data "
                "for damage (a large book takes a few seconds)…"
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
        self.repair_button.setVisible(isinstance(exc, errors.StoreDamaged))
        if isinstance(exc, errors.ProfileLocked):
            self._show_lock(exc.until, exc.remaining, lockout=exc.lockout)
            self._update_countdown()
        elif isinstance(exc, errors.WrongPassword):
            self.fill_profiles(self.selected_user())  # a back-off may have started
        else:
            self._update_countdown()

    def _update_countdown(self) -> None:
        left = self._lock_ends - time.monotonic()
        if self.locked_until is not None and left > 0:
            self.countdown.setText(self.countdown_text(left))
            self.countdown.setVisible(True)
            self.unlock_button.setEnabled(False)
            if not self.tick.isActive():
                self.tick.start()
            return
        self.tick.stop()
        self.locked_until = None
        self.countdown.setVisible(False)
        self.unlock_button.setEnabled(self.profiles.count() > 0)

    # --- repairing -----------------------------------------------------------------------

    def start_repair(self) -> None:
        """Rebuild the damaged profile from the central CRM, keeping what can be read,
        on the network pool (it reads the damaged file, downloads the book, sends)."""
        user = self.selected_user()
        password = self.password.text()
        if user is None:
            return
        if not password:
            self.message.setText(self.tr("Type your password."))
            return
        self.repair_button.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self.profiles.setEnabled(False)
        self.repair_progress.setRange(0, 0)
        self.repair_progress.setVisible(True)
        self.message.setText(self.tr("Repairing: rescuing what can be read…"))
        reg = self.reg
        signal = self._repair_progress  # emitted from the pool, shown on the GUI thread

        def report(p: Progress) -> None:
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                signal.emit(p.phase, p.done, p.remaining)

        def job() -> repair.Repaired:
            return repair.repair_profile(reg, user, password, progress=report)

        self.tasks.run_net(job, self._repaired_done, self._repair_failed, owner=self)

    def _show_repair_progress(self, phase: str, done: int, remaining: int) -> None:
        texts = {
            "salvage": self.tr("Repairing: rescuing what can be read…"),
            "snapshot": self.tr("Repairing: downloading your book again…"),
            "push": self.tr("Repairing: sending the rescued changes…"),
            "pull": self.tr("Repairing: fetching the latest changes…"),
        }
        self.message.setText(texts.get(phase, texts["salvage"]))
        if phase == "salvage" or done + remaining == 0:
            self.repair_progress.setRange(0, 0)
        else:
            self.repair_progress.setRange(0, done + remaining)
            self.repair_progress.setValue(done)

    def repair_result_text(self, result: repair.RepairReport) -> str:
        text = (
            self.tr(
                "Repaired. Rescued %1 (%2 were already on the central CRM, %3 sent now) "
                "and %4; the book was downloaded again."
            )
            .replace("%1", self.tr("%n unsynced change(s)", "", result.rescued))
            .replace("%2", str(result.already_on_server))
            .replace("%3", str(result.sent))
            .replace("%4", self.tr("%n draft(s)", "", result.drafts_restored))
        )
        if result.send_error:
            waiting = result.queued - result.sent
            text += " " + self.tr("%n change(s) wait for the next sync.", "", waiting)
        unreadable: list[str] = []
        if result.nothing_readable:
            unreadable.append(
                self.tr("the whole damaged file (any unsynced change or draft in it)")
            )
        else:
            if result.lost:
                unreadable.append(
                    self.tr("unsynced changes %1").replace("%1", repair.id_ranges(result.lost))
                )
            if result.extent_unknown:
                unreadable.append(self.tr("possibly changes after the last readable one"))
            if result.drafts_incomplete:
                unreadable.append(self.tr("some drafts"))
        if unreadable:
            text += " " + self.tr("Could not be read: %1.").replace("%1", "; ".join(unreadable))
        else:
            text += " " + self.tr("Nothing was lost.")
        return (
            text
            + " "
            + self.tr("The damaged file is kept for IT support as %1.").replace(
                "%1", result.kept_as.name
            )
        )

    def _repaired_done(self, repaired: repair.Repaired) -> None:
        self._repaired = repaired.session
        # Repair ran on the network pool; from now on the database thread writes.
        repaired.session.use_writer(*self.tasks.writer())
        self.repair_progress.setVisible(False)
        self.repair_button.setVisible(False)
        self.repair_button.setEnabled(True)
        self.password.clear()
        self.message.setText(self.repair_result_text(repaired.report))
        self.continue_button.setVisible(True)
        self.continue_button.setDefault(True)
        self.continue_button.setFocus()
        self.repair_finished.emit(True)

    def _repair_failed(self, exc: BaseException) -> None:
        self.repair_progress.setVisible(False)
        self.repair_button.setEnabled(True)
        self.profiles.setEnabled(True)
        self.message.setText(describe(exc))
        self.repair_button.setVisible(
            isinstance(exc, errors.StoreDamaged | errors.RepairNeedsServer)
        )
        self._update_countdown()
        if isinstance(exc, errors.WrongPassword):
            self.fill_profiles(self.selected_user())
        self.repair_finished.emit(False)

    def _continue_repaired(self) -> None:
        session, self._repaired = self._repaired, None
        self.continue_button.setVisible(False)
        self.profiles.setEnabled(True)
        self.message.clear()
        self._update_countdown()
        if session is not None:
            self.unlocked.emit(session)

    # --- adding --------------------------------------------------------------------------

    def add_profile(self) -> None:
        dialog = AddProfileDialog(self.reg, self.tasks, self)
        dialog.added.connect(self.unlocked)
        dialog.open()

    def _switch_language(self) -> None:
        from ui.i18n import current_language  # noqa: PLC0415

        self.language_requested.emit("en" if current_language() == "zh_CN" else "zh_CN")


class AddCancelled(Exception):
    """The user cancelled adding a profile while its first sync ran."""


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
        # Cancel stays available while signing in: the first sync stops at its next
        # page and the half-made profile is removed (sync.add_profile cleans up).
        self._cancel = threading.Event()

    def reject(self) -> None:
        self._cancel.set()
        super().reject()

    def submit(self) -> None:
        user, password, server = (
            self.user.text().strip(), self.password.text(), self.server.text().strip()
        )  # fmt: skip
        if not user or not password or not server:
            self.message.setText(self.tr("User name, password and server are all needed."))
            return
        if not server.startswith(("https://", "http://")):
            self.message.setText(self.tr("The central CRM address must start with https://."))
            return
        try:
            sync_service.check_server(server, self.reg.policy)
        except sync_service.InsecureServer as exc:
            self.message.setText(describe(exc))
            return
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.setText(self.tr("Signing in and downloading your book…"))
        reg = self.reg
        cancel = self._cancel = threading.Event()

        def report(p: Progress) -> None:
            if cancel.is_set():
                raise AddCancelled
            self._progress.emit(p.done, p.remaining)

        writer = self.tasks.writer()

        def job() -> Session | None:  # the network pool; every write goes to the db thread
            try:
                added = sync_service.add_profile(
                    reg, user, password, server, progress=report, writer=writer
                )
            except AddCancelled:
                return None  # add_profile removed what it had made
            if cancel.is_set():  # cancelled after the last page: not wanted either
                added.session.store.on_writer(added.session.lock)
                reg.remove(user)
                return None
            return added.session

        self.tasks.run_net(job, self._done, self._failed, owner=self)

    def _show_progress(self, done: int, remaining: int) -> None:
        self.progress.setRange(0, max(done + remaining, 1))
        self.progress.setValue(done)

    def _done(self, session: Session | None) -> None:
        if session is None or self._cancel.is_set():
            return
        self.accept()
        self.added.emit(session)

    def _failed(self, exc: BaseException) -> None:
        if self._cancel.is_set():
            return
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.progress.setVisible(False)
        self.message.setText(self._failure_text(exc))

    def _failure_text(self, exc: BaseException) -> str:
        """What went wrong: a profile that was never made has no changes to keep, so the
        connection failures are said here without the window's "your changes are kept"."""
        server = self.server.text().strip()
        if isinstance(exc, sync_service.ServerUnreachable):
            text = self.tr(
                "The central CRM at %1 cannot be reached. No profile was created: check the "
                "address and the network, then try again."
            )
        elif isinstance(exc, sync_service.TlsFailure):
            text = self.tr(
                "The secure connection to the central CRM at %1 failed. No profile was "
                "created; contact IT."
            )
        elif isinstance(exc, sync_service.ServerFailed):
            text = self.tr(
                "The central CRM at %1 answered with an error. No profile was created; try "
                "again later."
            )
        else:
            return describe(exc)
        return text.replace("%1", server)
