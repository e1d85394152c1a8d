"""Contact notes in the window: log offline, see them in the history, drafts that
survive a crash, and amendments that leave the original untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import shiboken6
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from local_store import outbox
from rm_desk.domain.model import InteractionKind
from rm_desk.services import notes as note_service
from rm_desk.services.session import Session
from tests.conftest import MakeSession
from ui.context import AppContext
from ui.taskman import TaskManager
from ui.views.history import ContactHistory, TimelineModel
from ui.views.note_editor import DraftListModel, DraftsDialog, NoteEditor


def busiest_customer(session: Session) -> tuple[str, int]:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT customer_id, count(*) FROM interactions GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        ).one()
    return str(row[0]), int(row[1])


def pending_mutations(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn, 10_000)


def test_timeline_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, session: Session
) -> None:
    cif, _total = busiest_customer(session)
    model = TimelineModel(ctx)
    model.page_size = 5
    with qtbot.waitSignal(model.page_loaded):
        model.load(cif)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_history_is_newest_first_pages_lazily_and_filters_by_kind(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, total = busiest_customer(session)
    history = ContactHistory(ctx)
    qtbot.addWidget(history)
    history.model.page_size = 10
    history.resize(800, 300)
    history.show()
    with qtbot.waitSignal(history.loaded):
        history.show_customer(cif)
    model = history.model
    assert model.rowCount() == min(10, total)
    times = [i.occurred_at for i in model.rows]
    assert times == sorted(times, reverse=True)
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
        qtbot.waitUntil(lambda: not model._fetching)
    assert model.rowCount() == total
    assert len({i.id for i in model.rows}) == total

    calls = sum(i.kind is InteractionKind.CALL for i in model.rows)
    with qtbot.waitSignal(history.loaded):
        history.set_kind(InteractionKind.CALL)
    qtbot.waitUntil(lambda: not model.canFetchMore(model.index(-1, -1)) or model.rowCount() >= 10)
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
        qtbot.waitUntil(lambda: not model._fetching)
    assert model.rowCount() == calls
    assert {i.kind for i in model.rows} <= {InteractionKind.CALL}


def test_log_a_visit_offline_shows_in_history_and_waits_in_the_outbox(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    before = len(pending_mutations(session))
    history = ContactHistory(ctx)
    qtbot.addWidget(history)
    with qtbot.waitSignal(history.loaded):
        history.show_customer(cif)

    editor = NoteEditor(ctx, cif)
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.loaded):
        editor.show()
    editor.kind.setCurrentIndex(editor.kind.findData("visit"))
    editor.subject.setText("理财到期回访")  # QTest types Latin-1 only; set CJK text directly
    editor.note.setPlainText("客户考虑转大额存单")
    editor.participants.setText("王小明，王太太")
    editor.outcome.setText("有意向")
    editor.next_step.setText("发送大额存单利率")
    editor.follow_up.setChecked(True)
    # the broadcast of the saved note reloads the history
    with qtbot.waitSignal(history.loaded, timeout=5000), qtbot.waitSignal(editor.saved) as saved:
        editor.save_button.click()
    logged = saved.args[0]
    assert history.model.rows[0].id == logged.id
    assert history.model.rows[0].subject == "理财到期回访"
    assert logged.participants == ("王小明", "王太太")

    mutations = pending_mutations(session)
    new = mutations[before:]
    assert [m.name for m in new] == ["interaction.create", "task.create"]
    assert new[0].entity_id == logged.id
    assert new[0].fields["note"] == "客户考虑转大额存单"
    assert new[1].fields["title"] == "发送大额存单利率"
    assert note_service.drafts(session) == []


def test_draft_survives_a_crash_and_is_restored(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    editor = NoteEditor(ctx, cif)
    editor.autosave.setInterval(100)
    editor.show()
    qtbot.keyClicks(editor.subject, "Visit at the factory")
    qtbot.keyClicks(editor.note, "Wants a loan for a new line; ")
    editor.note.insertPlainText("中文也在")
    with qtbot.waitSignal(editor.draft_saved, timeout=3000):
        pass
    draft_id = editor.draft_id
    # The crash: the editor disappears without any close handling running.
    editor.autosave.stop()
    shiboken6.delete(editor)

    drafts = DraftsDialog(ctx)
    qtbot.addWidget(drafts)
    qtbot.waitUntil(lambda: drafts.model.rowCount() == 1)
    assert drafts.model.data(drafts.model.index(0, 1)) == cif
    assert drafts.model.data(drafts.model.index(0, 2)) == "Visit at the factory"
    with qtbot.waitSignal(drafts.resume) as chosen:
        drafts._resume()
    assert chosen.args == [draft_id]

    restored = NoteEditor(ctx, draft_id=draft_id)
    qtbot.addWidget(restored)
    with qtbot.waitSignal(restored.loaded):
        restored.show()
    assert restored.subject.text() == "Visit at the factory"
    assert restored.note.toPlainText() == "Wants a loan for a new line; 中文也在"
    assert restored.customer_id == cif
    with qtbot.waitSignal(restored.saved):
        restored.save()
    qtbot.waitUntil(lambda: note_service.drafts(session) == [])


def test_cancel_keeps_a_draft_and_discard_removes_it(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    editor = NoteEditor(ctx, cif)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.keyClicks(editor.subject, "Half a thought")
    with qtbot.waitSignal(ctx.changed):
        editor.reject()
    assert [d.fields["subject"] for d in note_service.drafts(session)] == ["Half a thought"]

    again = NoteEditor(ctx, draft_id=editor.draft_id)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.loaded):
        again.show()
    with qtbot.waitSignal(ctx.changed):
        again.discard()
    assert note_service.drafts(session) == []


def test_save_draft_now_on_lock_and_nothing_saved_for_an_empty_form(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    editor = NoteEditor(ctx, cif)
    qtbot.addWidget(editor)
    editor.save_draft_now()  # empty: nothing to keep
    qtbot.keyClicks(editor.note, "typed just before the screen locked")
    editor.save_draft_now()
    ctx.tasks.shutdown(wait=True)  # what the window does on lock, before closing the store
    assert [d.fields["note"] for d in note_service.drafts(session)] == [
        "typed just before the screen locked"
    ]


def test_an_invalid_note_is_explained_and_nothing_is_lost(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    editor = NoteEditor(ctx, cif)
    qtbot.addWidget(editor)
    editor.next_step.setText("")
    editor.follow_up.setChecked(True)
    editor.participants.setText("only participants")
    editor.save()
    qtbot.waitUntil(editor.save_button.isEnabled)
    assert "subject or some text" in editor.status.text()
    assert editor.participants.text() == "only participants"


def test_amend_keeps_the_original_and_links_the_amendment(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, total = busiest_customer(session)
    history = ContactHistory(ctx)
    qtbot.addWidget(history)
    with qtbot.waitSignal(history.loaded):
        history.show_customer(cif)
    history.table.selectRow(0)
    original = history.selected()
    assert original is not None
    assert history.amend_button.isEnabled()
    assert original.note.split("\n")[0].strip() in history.detail.toPlainText()
    editor = history.amend_selected()
    assert editor is not None
    assert editor.subject.text() == original.subject
    assert editor.supersedes_id == original.id
    editor.note.setPlainText(original.note + "\nCorrection: the amount was 500,000.")
    with qtbot.waitSignal(history.loaded, timeout=5000), qtbot.waitSignal(editor.saved) as saved:
        editor.save()
    amendment = saved.args[0]
    assert amendment.supersedes_id == original.id
    rows = {i.id: i for i in history.model.rows}
    assert rows[original.id].note == original.note  # untouched
    assert original.id in history.model.amended
    assert history.model.rowCount() == min(total + 1, history.model.page_size)


def test_draft_list_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    note_service.save_draft(session, "d1", cif, {"subject": "a", "note": "b"})
    note_service.save_draft(session, "d2", None, {"subject": "", "note": "only text"})
    model = DraftListModel()
    model.set_rows(note_service.drafts(session))
    assert model.rowCount() == 2
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_editor_opened_without_a_customer_finds_one_by_pinyin_initials(
    qtbot: QtBot, ctx: AppContext, session: Session
) -> None:
    cif, _ = busiest_customer(session)
    with session.store.read() as conn:
        initials = conn.exec_driver_sql(
            "SELECT name_initials FROM customers WHERE id = ?", (cif,)).scalar_one()  # fmt: skip
    editor = NoteEditor(ctx, None)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.customer_search.isVisible()
    editor.subject.setText("Phone call")
    editor.save()
    assert editor.status.text() == "Choose the customer first."
    editor.customer_search.setText(initials)
    editor._search()
    qtbot.waitUntil(lambda: editor.customer_choice.findData(cif) >= 0)
    editor.customer_choice.setCurrentIndex(editor.customer_choice.findData(cif))
    assert editor.customer_id == cif
    with qtbot.waitSignal(editor.saved) as saved:
        editor.save()
    assert saved.args[0].customer_id == cif


def test_the_editor_starts_from_the_sessions_clock_not_the_computers(
    qtbot: QtBot, make_session: MakeSession
) -> None:
    far = datetime(2031, 2, 27, 23, 45, tzinfo=UTC)  # years from any day the tests run on
    tasks = TaskManager()
    try:
        ctx = AppContext(make_session("rm001", customers=5, clock=lambda: far), tasks)
        editor = NoteEditor(ctx, None)
        qtbot.addWidget(editor)
        local = far.astimezone()
        occurred = editor.occurred.dateTime()
        assert occurred.toSecsSinceEpoch() == int(far.timestamp())
        assert occurred.date() == QDate(local.year, local.month, local.day)
        week = local.date() + timedelta(days=7)
        assert editor.due.date() == QDate(week.year, week.month, week.day)
        editor.close()
    finally:
        tasks.shutdown(wait=True)
