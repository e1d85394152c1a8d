"""Sign-in: profile list, wrong password, back-off and lockout countdown, unlock."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from local_store import migrations
from rm_desk.domain.model import Role
from rm_desk.domain.policy import KeyringMode, Policy
from rm_desk.services import errors
from rm_desk.services import session as sessions
from rm_desk.services.demo import LOCAL_DEMO_SERVER
from rm_desk.services.session import Registry, Session
from tests.factories import undo_v6
from tests.ui.conftest import open_login
from ui import i18n
from ui.login import LoginWindow
from ui.taskman import TaskManager

PASSWORD = "correct horse 42"


@pytest.fixture
def reg(tmp_path: Path) -> Registry:
    registry = sessions.registry(
        tmp_path / "data", Policy(keyring=KeyringMode.OFF, max_password_attempts=3)
    )
    for user, role in (("rm001", Role.RM), ("mgr001", Role.MANAGER)):
        s = sessions.create_profile(registry, user, PASSWORD, server=LOCAL_DEMO_SERVER, role=role)
        s.lock()
    return registry


def _login(qtbot: QtBot, reg: Registry, tasks: TaskManager, user: str = "rm001") -> LoginWindow:
    return open_login(qtbot, reg, tasks, user, demo_hint="Demo: rm001 / secret")


def test_lists_profiles_and_shows_demo_credentials(
    qtbot: QtBot, reg: Registry, tasks: TaskManager
) -> None:
    window = _login(qtbot, reg, tasks, user="mgr001")
    users = [window.profiles.item(i).text() for i in range(window.profiles.count())]
    assert len(users) == 2
    assert window.selected_user() == "mgr001"
    assert window.demo.isVisible()
    assert "rm001" in window.demo.text()


def test_right_password_unlocks(qtbot: QtBot, reg: Registry, tasks: TaskManager) -> None:
    window = _login(qtbot, reg, tasks)
    window.password.setText(PASSWORD)
    with qtbot.waitSignal(window.unlocked, timeout=20_000) as unlocked:
        window.unlock_button.click()
    session = unlocked.args[0]
    assert isinstance(session, Session)
    assert session.user == "rm001"
    assert not session.is_locked
    assert window.password.text() == ""
    session.lock()


def test_a_profile_from_the_previous_version_says_it_is_being_upgraded(
    qtbot: QtBot, reg: Registry, tasks: TaskManager
) -> None:
    old = sessions.unlock(reg, "rm001", PASSWORD)
    with old.store.transaction() as conn:
        undo_v6(conn)  # as the previous release left it
    old.lock()
    window = _login(qtbot, reg, tasks)
    shown: list[str] = []
    window.upgrading.connect(
        lambda: shown.append(window.message.text()), Qt.ConnectionType.QueuedConnection
    )
    window.password.setText(PASSWORD)
    with qtbot.waitSignal(window.unlocked, timeout=20_000) as unlocked:
        window.unlock_button.click()
    session = unlocked.args[0]
    try:
        assert shown  # told while it waited, before the profile opened
        assert "new version" in shown[0]
        with session.store.read() as conn:
            assert migrations.current_version(conn) == migrations.LATEST
    finally:
        session.lock()
    again = _login(qtbot, reg, tasks)  # upgraded once: not told again
    told: list[bool] = []
    again.upgrading.connect(lambda: told.append(True))
    again.password.setText(PASSWORD)
    with qtbot.waitSignal(again.unlocked, timeout=20_000) as unlocked:
        again.unlock_button.click()
    unlocked.args[0].lock()
    assert told == []


def test_wrong_password_says_so_then_backs_off_and_locks_out(
    qtbot: QtBot, reg: Registry, tasks: TaskManager
) -> None:
    window = _login(qtbot, reg, tasks)
    window.password.setText("wrong password")
    window.unlock_button.click()
    qtbot.waitUntil(lambda: "not correct" in window.message.text(), timeout=20_000)
    assert "2" in window.message.text()  # attempts left
    # The back-off after a failure shows a countdown and disables the button.
    qtbot.waitUntil(window.countdown.isVisible, timeout=10_000)
    assert not window.unlock_button.isEnabled()
    # A back-off is a short wait, not a lock: "Wait 1 second before trying again."
    assert re.fullmatch(r"Wait \d+ seconds? before trying again\.", window.countdown.text())
    assert "Wait 1 second before" in window.countdown_text(0.2)
    assert "Wait 2 seconds before" in window.countdown_text(1.5)

    # A lockout answer shows the message and a countdown of the whole lockout.
    # (the time left is the authority, as the registry reports it; `until` is only shown)
    until = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    window._failed(errors.ProfileLocked(until, lockout=True, remaining=timedelta(minutes=15)))
    assert "locked" in window.message.text().lower()
    assert window.countdown.isVisible()
    assert not window.unlock_button.isEnabled()
    text = window.countdown.text()
    assert text.startswith("Locked after too many wrong passwords: try again in 15 minutes (at ")
    assert re.search(r"\(at \d{1,2}:\d{2}(\s[AP]M)?\)\.$", text), text  # the time, no date
    assert " s " not in text
    assert "900" not in text
    # Minutes are rounded up; a minute or more never reads in seconds; hours from 60 min.
    assert "in 15 minutes" in window.countdown_text(841)
    assert "in 14 minutes" in window.countdown_text(839.5)
    assert "in 1 minute (" in window.countdown_text(59.5)
    assert "in 2 hours (" in window.countdown_text(7199.5)
    assert "in 1 hour 30 minutes (" in window.countdown_text(5399.5)


def test_back_off_and_lockout_are_worded_in_chinese(
    qtbot: QtBot, reg: Registry, tasks: TaskManager, chinese: None
) -> None:
    window = _login(qtbot, reg, tasks)
    until = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    window._failed(errors.ProfileLocked(until, lockout=False, remaining=timedelta(seconds=3)))
    assert window.countdown.text() in ("请等待 3 秒后重试。", "请等待 2 秒后重试。")
    window._failed(errors.ProfileLocked(until, lockout=True, remaining=timedelta(minutes=15)))
    text = window.countdown.text()
    assert text.startswith("密码错误次数过多，已锁定：请在 15 分钟后重试（"), text
    assert "1 小时 30 分钟后" in window.countdown_text(5399.5)
    assert not re.search(r"[A-Za-z]", text)


def test_lockout_survives_a_new_window(qtbot: QtBot, reg: Registry, tasks: TaskManager) -> None:
    for _ in range(3):
        window = _login(qtbot, reg, tasks)
        window.password.setText("wrong password")
        window.unlock_button.setEnabled(True)
        window.locked_until = None
        window.try_unlock()
        qtbot.waitUntil(partial(_answered, window), timeout=20_000)
        _force_clock_past_backoff(reg)
    fresh = _login(qtbot, reg, tasks)
    assert fresh.countdown.isVisible(), fresh.message.text()
    assert not fresh.unlock_button.isEnabled()


def _force_clock_past_backoff(reg: Registry) -> None:
    """Clear the short back-off (not the lockout) so the next attempt counts."""
    profile = reg.get("rm001")
    if profile.locked_until is None and profile.not_before is not None:
        reg._put(dataclasses.replace(profile, not_before=None))


def _enospc(*_args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_full_disk_is_said_as_such_never_as_a_wrong_password(
    qtbot: QtBot,
    reg: Registry,
    tasks: TaskManager,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    """The counter's write meets ENOSPC (the OS boundary): the right password is
    refused as 'disk full', not 'wrong' or 'damaged', and nothing is counted."""
    i18n.install(language)
    try:
        window = _login(qtbot, reg, tasks)
        monkeypatch.setattr(os, "fsync", _enospc)
        for password in (PASSWORD, "wrong password"):
            window.message.clear()
            window.password.setText(password)
            window.unlock_button.click()
            qtbot.waitUntil(
                lambda: window.message.text() not in ("", window.tr("Unlocking…")),
                timeout=20_000,
            )
            text = window.message.text()
            if language == "en":
                assert "disk is full" in text
                assert "not checked" in text
                assert "not correct" not in text
                assert "damaged" not in text
            else:
                assert text.startswith("磁盘已满")
                assert "未校验您的密码" in text  # the password was not checked
                assert "密码不正确" not in text
                assert "损坏" not in text
            assert not window.countdown.isVisible()  # no back-off was started
        monkeypatch.undo()
        assert reg.get("rm001").failed_attempts == 0
    finally:
        i18n.install("en")


class _Machine:
    def __init__(self) -> None:
        self.wall = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        self.mono = 100.0


def test_setting_the_clock_forward_does_not_end_the_countdown(
    qtbot: QtBot, reg: Registry, tasks: TaskManager
) -> None:
    machine = _Machine()
    clocked = sessions.Registry(
        reg.data_dir,
        policy=reg.policy,
        clock=lambda: machine.wall,
        monotonic=lambda: machine.mono,
        boot_id=lambda: "boot",
    )
    for _ in range(reg.policy.max_password_attempts):
        block = clocked.blocked(clocked.get("rm001"))
        if block is not None:
            machine.mono += block.remaining.total_seconds()
            machine.wall += block.remaining
        with pytest.raises((errors.WrongPassword, errors.ProfileLocked)):
            clocked.unlock("rm001", "wrong password")
    machine.wall += timedelta(days=1)  # the clock set a day forward
    window = _login(qtbot, clocked, tasks)
    assert window.countdown.isVisible()
    assert not window.unlock_button.isEnabled()
    text = window.countdown.text()
    assert "try again in 30 minutes" in text  # the whole lockout is still ahead


def test_past_the_offline_lease_the_sign_in_screen_says_why(
    qtbot: QtBot, tmp_path: Path, tasks: TaskManager
) -> None:
    machine = _Machine()
    clocked = sessions.Registry(
        tmp_path / "leased",
        policy=Policy(keyring=KeyringMode.OFF),
        clock=lambda: machine.wall,
        monotonic=lambda: machine.mono,
        boot_id=lambda: "boot",
    )
    # A gateway on a closed loopback port: offline, the online sign-in cannot happen.
    sessions.create_profile(
        clocked, "rm001", PASSWORD, server="https://127.0.0.1:9", role=Role.RM
    ).lock()
    machine.wall += timedelta(hours=73)
    machine.mono += 73 * 3600
    try:
        for language, expected in (
            ("en", "has not been online for more than 72 hours"),
            ("zh_CN", "此用户档案已超过 72 小时未联网"),
        ):
            i18n.install(language)
            window = _login(qtbot, clocked, tasks)
            window.password.setText(PASSWORD)
            window.unlock_button.click()
            qtbot.waitUntil(partial(_says, window, expected), timeout=60_000)
            assert not window.countdown.isVisible()
    finally:
        i18n.install("en")
    assert clocked.get("rm001").failed_attempts == 0


def _says(window: LoginWindow, text: str) -> bool:
    return text in window.message.text()


def _answered(window: LoginWindow) -> bool:
    return window.message.text() not in ("", "Unlocking…")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_adding_a_profile_over_plain_http_to_another_computer_is_refused(
    qtbot: QtBot, reg: Registry, tasks: TaskManager, language: str
) -> None:
    """Nothing is sent: the dialog says why, in the interface language."""
    from ui.login import AddProfileDialog  # noqa: PLC0415

    i18n.install(language)
    try:
        dialog = AddProfileDialog(reg, tasks)
        qtbot.addWidget(dialog)
        dialog.user.setText("rm009")
        dialog.password.setText(PASSWORD)
        dialog.server.setText("http://crm.example-bank.cn:8765")
        dialog.submit()
        text = dialog.message.text()
        if language == "en":
            assert "http://crm.example-bank.cn:8765 is not secure" in text
        else:
            assert "http://crm.example-bank.cn:8765 使用未加密的连接，不安全" in text
        assert not dialog.progress.isVisible()
        assert [p.user for p in reg.list()] == ["mgr001", "rm001"]
    finally:
        i18n.install("en")
