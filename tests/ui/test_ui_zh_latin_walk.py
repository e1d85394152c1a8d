"""Everything the Chinese interface says is Chinese: each page of the main window (every
tab of every tab widget on it) and the sign-in window are shown in zh_CN over a demo
book, as the demo runs them (banner and credentials hint included), with the note
editor and the new-task dialog, and their texts
are collected: labels, buttons, tab titles, table and list headers, window titles,
placeholders, tooltips, combo box items, the navigation and the toolbar. Data values
(customer names, CIFs, tags, numbers, dates, e-mail and web addresses, user names, the
demo password), key names (Ctrl+N) and the codes and brands kept in Latin script are
taken out; any Latin-script word left fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTabWidget,
    QTextEdit,
    QToolBar,
    QTreeView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rm_desk.domain.model import Role
from rm_desk.services import book as book_service
from rm_desk.services.session import Session
from tests.conftest import PASSWORD, MakeSession
from ui import i18n
from ui.app import DeskController, demo_banner
from ui.login import LoginWindow, demo_hint
from ui.main_window import MainWindow

# Codes, brands and key names kept in Latin script in the Chinese interface.
KEPT = frozenset(
    {"RM", "Desk", "CIF", "AUM", "CSV", "XLSX", "PDF", "ID", "CRM", "IT", "KYC", "VIP"}
    | {"Excel", "English"}  # a product's name; the language switch's, for English speakers
)
SHORTCUT = re.compile(r"\b(?:(?:Ctrl|Shift|Alt|Meta)\+)+\w+|\b(?:F\d+|Esc|Del|Enter)\b")
# Data: addresses, user names and codes with digits, numbers, dates and times.
DATA = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail
    r"|https?://\S+"  # web address
    r"|\b[A-Za-z-]*\d[\w-]*"  # rm001, demo-mgr001, F5, 3M…
)
TAGS = re.compile(r"<[^>]+>|&[a-z]+;")  # rich text's markup
LATIN_WORD = re.compile(r"[A-Za-z]{2,}|\b[A-Za-z]\b")


def _texts_of(widget: QWidget) -> list[str]:
    """What `widget` and its visible children show or say (not what their lists hold)."""
    texts = [widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisible():
            continue
        texts += [child.toolTip(), child.accessibleName()]
        if isinstance(child, QLabel):
            texts.append(child.text())
        elif isinstance(child, QAbstractButton):
            texts.append(child.text().replace("&", ""))
        elif isinstance(child, QLineEdit | QTextEdit | QPlainTextEdit):
            texts.append(child.placeholderText())
        elif isinstance(child, QGroupBox):
            texts.append(child.title())
        elif isinstance(child, QTabBar):
            for i in range(child.count()):
                texts += [child.tabText(i), child.tabToolTip(i)]
        elif isinstance(child, QComboBox):
            texts += [child.itemText(i) for i in range(child.count()) if child.itemData(i) != ""]
        elif isinstance(child, QToolBar):
            for action in child.actions():
                texts += [action.text(), action.toolTip()]
        if isinstance(child, QListWidget) and child.accessibleName() in ("导航",):
            for i in range(child.count()):
                texts += [child.item(i).text(), child.item(i).toolTip()]
        if isinstance(child, QTableView | QTreeView) and child.model() is not None:
            model = child.model()
            for column in range(model.columnCount(QModelIndex())):
                texts.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
    return [t for t in texts if t]


CJK = re.compile(r"[\u4e00-\u9fff]")


def _walk(name: str, widget: QWidget, data: frozenset[str]) -> list[str]:
    """`name: text` for each text of `widget` with Latin words left (and the walk saw
    Chinese there: it is not looking at nothing)."""
    texts = _texts_of(widget)
    assert sum(1 for t in texts if CJK.search(t)) >= 5, f"{name}: {texts}"
    return [f"{name}: {t}" for t in latin_words(texts, data)]


def latin_words(texts: list[str], data: frozenset[str]) -> list[str]:
    """Each text that still holds a Latin-script word once data and codes are out."""
    left = []
    for text in texts:
        plain = TAGS.sub(" ", text)
        for value in data:
            plain = plain.replace(value, " ")
        plain = DATA.sub(" ", SHORTCUT.sub(" ", plain))
        words = [w for w in LATIN_WORD.findall(plain) if w not in KEPT]
        if words:
            left.append(f"{text!r}: {' '.join(words)}")
    return left


def _data_values(session: Session) -> frozenset[str]:
    """The book's Latin-script data: names, CIFs, tags (what a page may print)."""
    rows = book_service.book_rows(session, book_service.book_ids(session))
    values: set[str] = set()
    for row in rows:
        values |= {row.cif, row.name, *row.tags}
    return frozenset(v for v in values | {PASSWORD} if v)  # the hint shows the password


@pytest.fixture
def desk(qapp: object, make_session: MakeSession) -> Iterator[tuple[DeskController, Session]]:
    session = make_session("mgr001", role=Role.MANAGER, customers=80, rms=3)
    assert session.registry is not None
    controller = DeskController(
        session.registry,
        language="en",
        demo_hint=lambda: demo_hint("mgr001", PASSWORD),
        demo_banner=demo_banner,
    )
    try:
        yield controller, session
    finally:
        controller.shutdown()
        i18n.install("en")


def _settle(qtbot: QtBot, desk: DeskController) -> None:
    qtbot.waitUntil(lambda: desk.tasks.in_flight == 0, timeout=20_000)
    QApplication.processEvents()


def test_every_page_and_the_sign_in_window_are_chinese(
    qtbot: QtBot, desk: tuple[DeskController, Session]
) -> None:
    controller, session = desk
    data = _data_values(session)
    first = book_service.book_rows(session, book_service.book_ids(session)[:1])[0]
    session.lock()
    # Started in English, switched at sign-in: the hint follows the switch.
    english = controller.show_login(user="mgr001")
    qtbot.waitUntil(lambda: english.profiles.count() > 0, timeout=10_000)
    controller.switch_language("zh_CN")
    login = controller.window
    assert isinstance(login, LoginWindow)
    qtbot.waitUntil(lambda: login.selected_user() == "mgr001", timeout=10_000)
    assert login.demo.isVisible()
    found = _walk("sign-in", login, data)

    login.password.setText(PASSWORD)
    with qtbot.waitSignal(controller.main_shown, timeout=20_000):
        login.unlock_button.click()
    window = controller.main
    assert isinstance(window, MainWindow)
    window.sync.stop()
    with qtbot.waitSignal(window.customer.loaded, timeout=20_000):
        window.open_customer(first.cif)
    for kind in window._kinds:  # every page this user has
        window.show_kind(kind)
        _settle(qtbot, controller)
        page = window.stack.currentWidget()
        assert page is not None
        found += _walk(kind, window, data)
        for tab_widget in [t for t in page.findChildren(QTabWidget) if t.isVisible()]:
            for index in range(tab_widget.count()):
                tab_widget.setCurrentIndex(index)
                _settle(qtbot, controller)
                found += _walk(kind, window, data)
    # The dialogs an RM opens most: the note editor and a new follow-up task.
    editor = window.customer_note_editor(first.cif)
    _settle(qtbot, controller)
    found += _walk("note editor", editor, data)
    editor.reject()
    window.show_kind("customer")
    dialog = window.customer.new_task()
    assert dialog is not None
    _settle(qtbot, controller)
    found += _walk("task dialog", dialog, data)
    dialog.reject()
    assert not found, "Latin-script words in the Chinese interface:\n" + "\n".join(
        sorted(set(found))
    )
