"""Logging contacts: interaction, next-step task and their outbox mutations in one
transaction; drafts; amendments that leave the original untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from local_store import book, outbox, records
from local_store.errors import NotFound
from local_store.profiles import Profile
from local_store.store import LocalStore
from rm_desk.domain.model import InteractionKind, TaskPriority, TaskSource, TaskStatus
from rm_desk.services import notes, tasks
from rm_desk.services.notes import InvalidNote, NoteInput
from rm_desk.services.session import Session
from tests.factories import customer

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))
CIF = "600000000001"
OTHER = "600000000002"


@pytest.fixture
def session(rm_profile: Profile, store: LocalStore) -> Session:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(CIF), customer(OTHER, "李大伟")])
    return Session(profile=rm_profile, store=store, clock=lambda: NOW)


def note(**overrides: Any) -> NoteInput:
    base = NoteInput(
        customer_id=CIF,
        kind=InteractionKind.VISIT,
        occurred_at=datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI),
        subject=" 理财到期 ",
        note="客户考虑将到期理财转为大额存单。",
        participants=("王小明", "王太太"),
        outcome=" 有意向 ",
    )
    return replace(base, **overrides)


def pending(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn)


def counts(session: Session) -> tuple[int, int, int]:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM interactions), (SELECT count(*) FROM tasks), "
            "(SELECT count(*) FROM outbox)"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_log_writes_the_interaction_and_one_mutation(session: Session) -> None:
    saved, task, changes = notes.log_interaction(session, note())
    assert task is None
    assert (saved.customer_id, saved.kind, saved.created_by, saved.created_at) == (
        CIF,
        InteractionKind.VISIT,
        "rm001",
        NOW,
    )
    assert saved.subject == "理财到期"
    assert saved.outcome == "有意向"
    assert saved.occurred_at == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with session.store.read() as conn:
        assert records.get_interaction(conn, saved.id) == saved
        [row] = book.book_rows(conn, list(book.pks_for(conn, [CIF]).values()))
    assert row.last_contact_at == "2026-11-24T02:00:00+00:00"

    [mutation] = pending(session)
    assert (
        mutation.mutation_id,
        mutation.name,
        mutation.entity,
        mutation.entity_id,
        mutation.op,
        mutation.base_version,
    ) == (
        1,
        "interaction.create",
        "interaction",
        saved.id,
        "create",
        None,
    )
    assert mutation.fields == notes.interaction_fields(saved)
    assert mutation.fields["note"] == "客户考虑将到期理财转为大额存单。"
    assert mutation.client_time == NOW
    assert changes.customers == frozenset({CIF})
    assert (changes.book, changes.interactions, changes.tasks, changes.outbox, changes.drafts) == (
        True,
        True,
        False,
        True,
        False,
    )
    assert counts(session) == (1, 0, 1)


def test_next_step_with_a_date_becomes_a_task_with_the_next_mutation_id(session: Session) -> None:
    notes.log_interaction(session, note(subject="先前一次"))  # mutation 1
    saved, task, changes = notes.log_interaction(
        session, note(next_step=" 12月1日前电话回访 ", next_step_due=date(2026, 12, 1))
    )
    assert task is not None
    assert (
        task.customer_id,
        task.title,
        task.due,
        task.assignee,
        task.created_by,
        task.source,
        task.status,
        task.priority,
    ) == (
        CIF,
        "12月1日前电话回访",
        date(2026, 12, 1),
        "rm001",
        "rm001",
        TaskSource.NOTE_NEXT_STEP,
        TaskStatus.OPEN,
        TaskPriority.NORMAL,
    )
    assert saved.id in task.detail
    assert saved.next_step == "12月1日前电话回访"
    assert changes.tasks is True

    mutations = pending(session)
    assert [m.mutation_id for m in mutations] == [1, 2, 3]
    assert [(m.name, m.entity_id) for m in mutations[1:]] == [
        ("interaction.create", saved.id),
        ("task.create", task.id),
    ]
    assert mutations[2].fields == tasks.task_fields(task)
    with session.store.read() as conn:
        assert records.get_task(conn, task.id) == task
        assert [
            t.id for t in records.tasks_for(conn, "rm001", "upcoming", today=date(2026, 11, 24))
        ] == [task.id]
        [row] = book.book_rows(conn, list(book.pks_for(conn, [CIF]).values()))
    assert (row.next_task_due, row.open_tasks) == ("2026-12-01", 1)
    assert counts(session) == (2, 1, 3)


def test_next_step_without_a_date_creates_no_task(session: Session) -> None:
    saved, task, _ = notes.log_interaction(session, note(next_step="再联系"))
    assert task is None
    assert saved.next_step == "再联系"
    assert counts(session) == (1, 0, 1)


def test_the_draft_it_came_from_is_deleted(session: Session) -> None:
    notes.save_draft(session, "d1", CIF, {"note": "客户考虑将到期理财……"})
    notes.save_draft(session, "d2", OTHER, {"note": "另一位客户的草稿"})
    _, _, changes = notes.log_interaction(session, note(), draft_id="d1")
    assert changes.drafts is True
    assert [d.id for d in notes.drafts(session)] == ["d2"]


def test_drafts_keep_cjk_text_and_can_be_discarded(session: Session) -> None:
    text = "客户说：“下周三带家人来网点”\n备注：😀 ＡＢＣ"
    notes.save_draft(session, "d1", CIF, {"note": text, "participants": ["王小明"]})
    [draft] = notes.drafts(session)
    assert (draft.id, draft.customer_id, draft.kind) == ("d1", CIF, "interaction")
    assert draft.fields == {"note": text, "participants": ["王小明"]}
    assert draft.updated_at == NOW
    notes.discard_draft(session, "d1")
    assert notes.drafts(session) == []


def test_unknown_customer_writes_nothing(session: Session) -> None:
    notes.log_interaction(session, note())
    notes.save_draft(session, "d1", "600000009999", {"note": "x"})
    before = counts(session)
    with pytest.raises(NotFound):
        notes.log_interaction(
            session,
            note(customer_id="600000009999", next_step="回访", next_step_due=date(2026, 12, 1)),
            draft_id="d1",
        )
    assert counts(session) == before
    assert [m.mutation_id for m in pending(session)] == [1]
    assert [d.id for d in notes.drafts(session)] == ["d1"]  # typed text is never lost
    with session.store.read() as conn:
        assert outbox.state(conn).last_mutation_id == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"note": "", "subject": ""},
        {"note": "   \n", "subject": "\t "},
        {"note": "x" * (notes.MAX_NOTE_CHARS + 1)},
        {"occurred_at": datetime(2026, 11, 24, 10, 0)},  # no time zone
        {"next_step": "", "next_step_due": date(2026, 12, 1)},
        {"next_step": "   ", "next_step_due": date(2026, 12, 1)},
    ],
)
def test_invalid_notes_are_refused_and_write_nothing(session: Session, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidNote):
        notes.log_interaction(session, note(**bad))
    assert counts(session) == (0, 0, 0)


def test_a_note_with_only_a_subject_or_only_text_is_accepted(session: Session) -> None:
    only_subject, _, _ = notes.log_interaction(session, note(note=""))
    only_text, _, _ = notes.log_interaction(session, note(subject=""))
    longest, _, _ = notes.log_interaction(session, note(note="字" * notes.MAX_NOTE_CHARS))
    assert only_subject.note == ""
    assert only_text.subject == ""
    assert len(longest.note) == notes.MAX_NOTE_CHARS
    assert counts(session) == (3, 0, 3)


def test_an_amendment_references_the_original_which_stays_unchanged(session: Session) -> None:
    original, _, _ = notes.log_interaction(session, note())
    amendment, _, _ = notes.log_interaction(
        session, note(note="更正：客户考虑转为三年期大额存单。", supersedes_id=original.id)
    )
    assert amendment.id != original.id
    assert amendment.supersedes_id == original.id
    with session.store.read() as conn:
        assert records.get_interaction(conn, original.id) == original
        assert records.amendments_of(conn, original.id) == [amendment]
    mutations = pending(session)
    assert [m.mutation_id for m in mutations] == [1, 2]
    assert mutations[1].fields["supersedes_id"] == original.id
    # Both carry the same contact time: the timeline shows the pair, the UI links them.
    assert {i.id for i in notes.timeline(session, CIF)} == {amendment.id, original.id}


def test_an_amendment_of_another_customers_note_is_refused(session: Session) -> None:
    theirs, _, _ = notes.log_interaction(session, note(customer_id=OTHER))
    with pytest.raises(InvalidNote, match="same customer"):
        notes.log_interaction(session, note(supersedes_id=theirs.id))
    assert counts(session) == (1, 0, 1)
    with session.store.read() as conn:
        assert records.amendments_of(conn, theirs.id) == []


def test_an_amendment_of_a_note_that_does_not_exist_is_refused(session: Session) -> None:
    with pytest.raises(NotFound):
        notes.log_interaction(session, note(supersedes_id="0190aaaa-0000-7000-8000-000000000000"))
    assert counts(session) == (0, 0, 0)


def test_timeline_by_kind(session: Session) -> None:
    visit, _, _ = notes.log_interaction(session, note())
    call, _, _ = notes.log_interaction(
        session, note(kind=InteractionKind.CALL, occurred_at=datetime(2026, 11, 25, tzinfo=UTC))
    )
    notes.log_interaction(session, note(customer_id=OTHER))
    assert [i.id for i in notes.timeline(session, CIF)] == [call.id, visit.id]
    assert [i.id for i in notes.timeline(session, CIF, (InteractionKind.CALL,))] == [call.id]
    assert [i.id for i in notes.timeline(session, CIF, limit=1)] == [call.id]


def test_user_text_is_normalised_before_it_is_stored_or_queued(session: Session) -> None:
    """The one rule for text (rm_desk.domain.text) at the client: what the user typed
    or pasted is stored and queued as the gateway would store it."""
    from rm_desk.services import customers, tasks  # noqa: PLC0415

    hostile = "a\x00b\r\nc\x1b\x85\u200f😀"
    clean = "ab\nc\u200f😀"
    saved, task, _ = notes.log_interaction(
        session,
        note(subject=hostile, note=hostile, participants=(hostile,), outcome=hostile,
             next_step=hostile, next_step_due=date(2026, 12, 1)),
    )  # fmt: skip
    assert (saved.subject, saved.note, saved.participants, saved.outcome, saved.next_step) == (
        clean, clean, (clean,), clean, clean,
    )  # fmt: skip
    assert task is not None
    assert task.title == clean
    made, _ = tasks.create_task(session, CIF, hostile, date(2026, 12, 2), detail=hostile)
    assert (made.title, made.detail) == (clean, clean)
    edited, _ = tasks.update_task(session, made.id, outcome=hostile, title="t\x00")
    assert (edited.outcome, edited.title) == (clean, "t")
    customers.update_contact(session, CIF, email="x\x00@y.cn", tags=["v\x00ip"])
    customers.request_change(session, CIF, "address", "上海\x00")
    with session.store.read() as conn:
        queued = [m.fields for m in outbox.pending(conn, 100)]
    assert not any("\x00" in repr(f) or "\\x00" in repr(f) for f in queued)
    assert queued[-2] == {"email": "x@y.cn", "tags": "|vip|"}
    assert queued[-1] == {"address": "上海"}
