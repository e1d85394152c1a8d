"""Masking holds on the clipboard too: a copy takes what the window shows.

Real widgets offscreen over a real encrypted store. A personal field copies its
masked text; only after an audited reveal does it copy the plain value, and that copy
is audited as well ("copy", before the value reaches the clipboard). Tables copy the
displayed text of the selected cells. The personal fields are not mouse-selectable,
so QLabel's own (unaudited) copy is not there to bypass this.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from local_store import audit, book
from rm_desk.domain.model import Role
from rm_desk.domain.permissions import RevealReason
from rm_desk.services import book as book_service
from rm_desk.services.session import PermissionDenied, Session
from tests.conftest import MakeSession
from tests.ui.conftest import open_profile
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.profile import CustomerPage


@pytest.fixture
def clip(qapp: object) -> Iterator[None]:
    QGuiApplication.clipboard().clear()
    yield
    QGuiApplication.clipboard().clear()


def clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


def context_for(make_session: MakeSession, user: str, role: Role) -> Iterator[AppContext]:
    session = make_session(user, role=role)
    tasks = TaskManager()
    yield AppContext(session, tasks)
    tasks.shutdown(wait=True)


@pytest.fixture
def rm_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    yield from context_for(make_session, "rm001", Role.RM)


@pytest.fixture
def teller_ctx(qapp: object, make_session: MakeSession) -> Iterator[AppContext]:
    yield from context_for(make_session, "teller01", Role.TELLER)


def customer_with_cards(session: Session) -> str:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT c.id FROM customers c JOIN holdings h ON h.customer_id = c.id "
            "WHERE c.id_number != '' GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1"
        ).one()
    return str(row[0])


def open_active_profile(qtbot: QtBot, ctx: AppContext, cif: str) -> CustomerPage:
    """The customer page, active (the clipboard shortcuts need the focus)."""
    page = open_profile(qtbot, ctx, cif)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page


def copies(session: Session) -> list[audit.AuditEntry]:
    with session.store.read() as conn:
        return [e for e in audit.entries(conn) if e.action == "copy"]


def drain(qtbot: QtBot, ctx: AppContext) -> None:
    """Wait until every job queued on the database thread before this one has run."""
    done: list[object] = []
    ctx.db(lambda _s: None, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)


def press_copy(qtbot: QtBot, widget: QLabel) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)


def test_a_teller_copying_the_id_number_gets_the_masked_text(
    qtbot: QtBot, teller_ctx: AppContext, clip: None
) -> None:
    session = teller_ctx.session
    cif = customer_with_cards(session)
    page = open_active_profile(qtbot, teller_ctx, cif)
    field = page.personal_values["id_number"]
    shown = field.text()
    assert "*" in shown
    press_copy(qtbot, field)
    assert clipboard_text() == shown
    drain(qtbot, teller_ctx)
    assert copies(session) == []
    # The same through the field's context menu.
    QGuiApplication.clipboard().clear()
    assert field.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    [action] = field.actions()
    assert action.text() == "Copy"
    action.trigger()
    assert clipboard_text() == shown


def test_an_rm_copies_the_full_value_only_after_a_reveal_and_it_is_audited(
    qtbot: QtBot, rm_ctx: AppContext, clip: None
) -> None:
    session = rm_ctx.session
    cif = customer_with_cards(session)
    with session.store.read() as conn:
        id_number = book.get_customer(conn, cif).id_number
    page = open_active_profile(qtbot, rm_ctx, cif)
    field = page.personal_values["id_number"]
    masked = field.text()
    assert masked != id_number
    assert "*" in masked

    # Before the reveal: the masked text, and nothing audited.
    press_copy(qtbot, field)
    assert clipboard_text() == masked
    drain(qtbot, rm_ctx)
    assert copies(session) == []

    with qtbot.waitSignal(page.revealed):
        page.reveal("id_number", RevealReason.CUSTOMER_REQUEST)
    assert field.text() == id_number
    QGuiApplication.clipboard().clear()
    press_copy(qtbot, field)
    qtbot.waitUntil(lambda: clipboard_text() == id_number, timeout=10_000)
    [entry] = copies(session)  # written before the value reached the clipboard
    assert (entry.actor, entry.entity, entry.entity_id) == ("rm001", "customer", cif)
    assert entry.detail == {"field": "id_number"}
    assert id_number not in str(entry.detail)


def test_copying_a_field_that_was_not_revealed_writes_no_audit(
    qtbot: QtBot, rm_ctx: AppContext, clip: None
) -> None:
    session = rm_ctx.session
    cif = customer_with_cards(session)
    with session.store.read() as conn:
        mobile = book.get_customer(conn, cif).mobile
    page = open_active_profile(qtbot, rm_ctx, cif)
    with qtbot.waitSignal(page.revealed):
        page.reveal("id_number", RevealReason.CUSTOMER_REQUEST)
    shown = page.personal_values["mobile"].text()
    assert shown != mobile
    press_copy(qtbot, page.personal_values["mobile"])
    assert clipboard_text() == shown
    drain(qtbot, rm_ctx)
    assert copies(session) == []
    # A repaint (the next customer, a change) masks the field again: so is its copy.
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_customer(cif)
    QGuiApplication.clipboard().clear()
    press_copy(qtbot, page.personal_values["id_number"])
    assert "*" in clipboard_text()
    drain(qtbot, rm_ctx)
    assert copies(session) == []


def test_personal_fields_offer_no_copy_of_their_own(qtbot: QtBot, rm_ctx: AppContext) -> None:
    page = open_active_profile(qtbot, rm_ctx, customer_with_cards(rm_ctx.session))
    for field in page.personal_values.values():
        flags = field.textInteractionFlags()
        assert not flags & Qt.TextInteractionFlag.TextSelectableByMouse
        assert not flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
        assert [a.text() for a in field.actions()] == ["Copy"]


def test_the_copy_audit_refuses_roles_that_may_not_reveal(teller_ctx: AppContext) -> None:
    session = teller_ctx.session
    cif = customer_with_cards(session)
    with pytest.raises(PermissionDenied):
        book_service.record_copy(session, cif, "id_number")
    with pytest.raises(ValueError, match="not a personal field"):
        book_service.record_copy(session, cif, "name")
    assert copies(session) == []


def test_ctrl_c_in_a_table_copies_the_selected_cells_as_displayed(
    qtbot: QtBot, rm_ctx: AppContext, clip: None
) -> None:
    session = rm_ctx.session
    cif = customer_with_cards(session)
    with session.store.read() as conn:
        accounts = [h.account_no for h in book.profile(conn, cif).holdings if h.account_no]
    page = open_active_profile(qtbot, rm_ctx, cif)
    table, model = page.holdings_table, page.holdings
    assert model.rowCount() >= 2
    selection = table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 1):
        selection.select(model.index(row, 0), flags)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    shown = [
        [str(model.index(row, col).data() or "") for col in range(model.columnCount())]
        for row in (0, 1)
    ]
    assert clipboard_text() == "\n".join("\t".join(cells) for cells in shown)
    assert accounts
    assert not any(account in clipboard_text() for account in accounts)  # masked, as shown
    assert [a.text() for a in table.actions()] == ["Copy"]  # and in its context menu
    # A hidden column is not shown, so it is not copied.
    table.setColumnHidden(1, True)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard_text() == "\n".join("\t".join(c[:1] + c[2:]) for c in shown)
