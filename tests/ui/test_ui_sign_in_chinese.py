"""The sign-in screen and the add-profile dialog in Chinese: every label, button, hint,
accessible name and message they show is Chinese, including the messages of a wrong
password, of a form left incomplete and of a central CRM that cannot be reached."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import PASSWORD
from tests.ui.conftest import locked_profile, open_login, registry
from ui import i18n
from ui.login import AddProfileDialog
from ui.taskman import TaskManager

# Kept in Latin script: the product, "CRM", "IT", the language switch's "English" (so
# that an English speaker finds it), and addresses (data: the example server's).
KEPT = re.compile(r"RM Desk|CRM|IT|English|https?://\S*")
LATIN = re.compile(r"[A-Za-z]+")


@pytest.fixture
def tasks(qapp: object) -> Iterator[TaskManager]:
    i18n.install("zh_CN")
    t = TaskManager()
    yield t
    t.shutdown()
    i18n.install("en")


def shown_texts(window: QWidget) -> list[str]:
    """What the window shows or tells a screen reader (not the data it lists)."""
    texts = [window.windowTitle(), window.accessibleName()]
    for child in window.findChildren(QWidget):
        texts += [child.accessibleName(), child.toolTip()]
        if isinstance(child, QLabel | QAbstractButton):
            texts.append(child.text())
        if isinstance(child, QLineEdit):
            texts.append(child.placeholderText())
    return [t for t in texts if t]


def english_in(texts: list[str]) -> list[str]:
    return [t for t in texts if LATIN.search(KEPT.sub("", t))]


def test_the_sign_in_screen_without_profiles(
    qtbot: QtBot, tasks: TaskManager, tmp_path: Path
) -> None:
    window = open_login(qtbot, registry(tmp_path), tasks)
    assert window.message.text() == "本机尚无用户档案：请先添加一个再登录。"
    assert english_in(shown_texts(window)) == []


def test_a_wrong_password_is_told_in_chinese(
    qtbot: QtBot, tasks: TaskManager, tmp_path: Path
) -> None:
    reg = registry(tmp_path)
    locked_profile(reg)
    window = open_login(qtbot, reg, tasks)
    window.password.setText("not the password")
    with qtbot.waitSignal(window.profiles_shown, timeout=30_000):  # listed again: a back-off
        window.unlock_button.click()
    assert "密码不正确" in window.message.text()
    assert english_in(shown_texts(window)) == []


def test_the_add_profile_dialog_and_its_messages(
    qtbot: QtBot, tasks: TaskManager, tmp_path: Path
) -> None:
    dialog = AddProfileDialog(registry(tmp_path), tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert english_in(shown_texts(dialog)) == []
    dialog.submit()  # nothing filled in
    told = [dialog.message.text()]
    dialog.user.setText("rm001")
    dialog.password.setText(PASSWORD)
    dialog.server.setText("http://crm.example-bank.cn")
    dialog.submit()
    told.append(dialog.message.text())
    dialog.server.setText("http://127.0.0.1:9")  # nobody listens there
    dialog.submit()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.waitUntil(ok.isEnabled, timeout=60_000)  # (Cancel stays enabled while it runs)
    told.append(dialog.message.text())
    assert len(set(told)) == 3, told
    assert all(told), told
    assert english_in(told) == [], told
    assert "中心CRM" in told[-1]
