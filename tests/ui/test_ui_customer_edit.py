"""Editing a customer from the profile (contact details, a change request), deleting a
task from the Tasks page, and what each role is offered, driven through the real
widgets offscreen over a real encrypted store."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from local_store import book, outbox, records
from local_store.errors import NotFound
from rm_desk.domain.model import InteractionKind, Role
from rm_desk.domain.permissions import Action
from rm_desk.services import tasks as task_service
from rm_desk.services.session import PermissionDenied, Session
from tests import factories
from tests.conftest import MakeSession
from tests.ui.conftest import open_profile
from tests.ui.test_ui_profile import richest_customer
from tests.ui.test_ui_tasks import open_page
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.customer_edit import ChangeRequestDialog, ContactDialog, split_tags
from ui.views.note_editor import NoteEditor


def pending(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn, 10_000)


RoleContext = Callable[[str, Role], AppContext]


def ok(dialog: ContactDialog | ChangeRequestDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


@pytest.fixture
def role_ctx(qapp: object, make_session: MakeSession) -> Iterator[RoleContext]:
    made: list[TaskManager] = []

    def build(user: str, role: Role) -> AppContext:
        tasks = TaskManager()
        made.append(tasks)
        return AppContext(make_session(user, role=role), tasks)

    yield build
    for tasks in made:
        tasks.shutdown(wait=True)


def test_tags_are_split_at_commas_of_either_width() -> None:
    assert split_tags("高净值，退休、 VIP ,; ") == ["高净值", "退休", "VIP"]
    assert split_tags("") == []


def test_an_rm_edits_mobile_email_and_tags_and_a_bad_mobile_loses_nothing(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = richest_customer(session)
    page = open_profile(qtbot, ctx, cif)
    assert page.edit_contact_button.isVisible()
    dialog = page.edit_contact()
    assert isinstance(dialog, ContactDialog)
    assert "*" in dialog.mobile.placeholderText()  # the current value, masked
    before = len(pending(session))

    ok(dialog)  # nothing typed: nothing to save
    assert dialog.isVisible()
    assert dialog.error.text() == "Nothing was changed."

    dialog.mobile.setText("138 0013 800")  # a digit short
    dialog.email.setText("wang.xiaoming@example.com")
    dialog.tags.setText("高净值，退休")
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.error.text() != "")
    assert dialog.isVisible()
    assert "mobile" in dialog.error.text().lower()
    assert dialog.mobile.text() == "138 0013 800"  # what was typed is kept
    assert dialog.email.text() == "wang.xiaoming@example.com"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert len(pending(session)) == before

    dialog.mobile.setText("138 0013 8000")
    with qtbot.waitSignal(page.loaded, timeout=10_000):  # the broadcast repaints the page
        ok(dialog)
    qtbot.waitUntil(lambda: page.edit_dialog is None)
    with session.store.read() as conn:
        saved = book.get_customer(conn, cif)
    assert (saved.mobile, saved.email, saved.tags) == (
        "13800138000",
        "wang.xiaoming@example.com",
        ("高净值", "退休"),
    )
    last = pending(session)[-1]
    assert last.name == "customer.update"
    assert last.fields == {
        "mobile": "13800138000",
        "email": "wang.xiaoming@example.com",
        "tags": "|高净值|退休|",
    }
    assert page.edit_notice.text().startswith("Contact details saved")
    assert "高净值" in page.tags.text()
    assert page.personal_values["mobile"].text().endswith("8000")
    assert "*" in page.personal_values["mobile"].text()  # still masked on the page


def test_an_rm_requests_a_change_to_a_regulated_field(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif = richest_customer(session)
    with session.store.read() as conn:
        address = book.get_customer(conn, cif).address
    page = open_profile(qtbot, ctx, cif)
    dialog = page.request_change()
    assert isinstance(dialog, ChangeRequestDialog)
    names = [dialog.field.itemData(i) for i in range(dialog.field.count())]
    assert "address" in names
    assert "mobile" not in names  # editable fields are edited, not requested
    ok(dialog)
    assert dialog.isVisible()
    assert dialog.error.text() == "Enter the new value."
    dialog.field.setCurrentIndex(names.index("address"))
    dialog.value.setText("北京市朝阳区建国路 1 号")
    ok(dialog)
    qtbot.waitUntil(lambda: page.edit_dialog is None)
    last = pending(session)[-1]
    assert (last.name, last.entity_id, last.fields) == (
        "customer.request_change",
        cif,
        {"address": "北京市朝阳区建国路 1 号"},
    )
    with session.store.read() as conn:
        assert book.get_customer(conn, cif).address == address  # the bank reviews first
    assert "the bank reviews it" in page.edit_notice.text()


def test_a_teller_is_offered_no_edit_no_change_request_and_no_visit(
    qtbot: QtBot, role_ctx: RoleContext
) -> None:
    ctx = role_ctx("teller01", Role.TELLER)
    session = ctx.session
    page = open_profile(qtbot, ctx, richest_customer(session))
    assert not page.edit_contact_button.isVisible()
    assert not page.request_change_button.isVisible()
    assert page.edit_contact() is None
    assert page.request_change() is None
    editor = NoteEditor(ctx, richest_customer(session))
    qtbot.addWidget(editor)
    kinds = [editor.kind.itemData(i) for i in range(editor.kind.count())]
    assert InteractionKind.VISIT.value not in kinds
    assert InteractionKind.CALL.value in kinds
    editor.discard_quietly()


def test_an_rm_may_log_a_visit(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    editor = NoteEditor(ctx, richest_customer(session))
    qtbot.addWidget(editor)
    kinds = [editor.kind.itemData(i) for i in range(editor.kind.count())]
    assert kinds[0] == InteractionKind.VISIT.value
    editor.discard_quietly()


def _answer(box: QMessageBox, button: QMessageBox.StandardButton) -> None:
    box.button(button).click()


def test_delete_a_task_after_confirming(qtbot: QtBot, ctx: AppContext, session: Session) -> None:
    page = open_page(qtbot, ctx, "overdue")
    task = page.selected()
    assert task is not None
    assert page.delete_button.isEnabled()
    box = page.delete_selected()
    assert box is not None
    assert task.title in box.text()
    _answer(box, QMessageBox.StandardButton.No)  # kept
    qtbot.waitUntil(lambda: page.dialog is None)
    assert page.model.row_of(task.id) >= 0
    assert all(m.name != "task.delete" for m in pending(session))

    box = page.delete_selected()
    assert box is not None
    _answer(box, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: page.model.row_of(task.id) == -1)
    with pytest.raises(NotFound), session.store.read() as conn:
        records.get_task(conn, task.id)
    last = pending(session)[-1]
    assert (last.name, last.entity_id) == ("task.delete", task.id)


def test_deleting_someone_elses_task_follows_the_matrix(
    qtbot: QtBot, role_ctx: RoleContext
) -> None:
    """The Tasks page lists one's own tasks; the rule behind its button: an RM may not
    delete a follow-up someone else created and holds, a manager may."""
    for user, role, allowed in (("rm001", Role.RM, False), ("mgr01", Role.MANAGER, True)):
        ctx = role_ctx(user, role)
        page = open_page(qtbot, ctx, "overdue")
        cif = richest_customer(ctx.session)
        other = factories.task(f"t-{user}", cif, assignee="rm009", created_by="rm009")
        with ctx.session.store.transaction() as conn:
            records.put_tasks(conn, [other])
        assert page._may(other, Action.DELETE_TASK) is allowed
        if allowed:
            task_service.delete_task(ctx.session, other.id)
            assert pending(ctx.session)[-1].entity_id == other.id
        else:
            with pytest.raises(PermissionDenied):
                task_service.delete_task(ctx.session, other.id)
