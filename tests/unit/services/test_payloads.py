"""Mutation payloads: the services build them with the wire models the gateway validates
(sync.protocol), so what they queue is what the gateway takes, in the outbox's format,
and a payload the gateway would refuse fails on the desktop before anything is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from local_store import book, outbox, records
from local_store.profiles import Profile
from local_store.store import LocalStore
from rm_desk.domain import rules
from rm_desk.domain.model import InteractionKind, TaskPriority, TaskStatus
from rm_desk.services import customers, notes, tasks
from rm_desk.services.notes import InvalidNote, NoteInput
from rm_desk.services.session import Session
from sync import protocol
from tests.factories import customer

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))
CIF = "600000000001"

MODELS: dict[str, type[BaseModel]] = {
    "interaction.create": protocol.InteractionFields,
    "task.create": protocol.TaskFields,
    "task.update": protocol.TaskUpdate,
    "customer.update": protocol.CustomerUpdate,
    "customer.request_change": protocol.CustomerChangeRequest,
}


@pytest.fixture
def session(rm_profile: Profile, store: LocalStore) -> Session:
    with store.transaction() as conn:
        book.upsert_customers(conn, [customer(CIF)])
    return Session(profile=rm_profile, store=store, clock=lambda: NOW)


def note(**overrides: Any) -> NoteInput:
    fields: dict[str, Any] = {
        "customer_id": CIF,
        "kind": InteractionKind.CALL,
        "occurred_at": datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI),
        "subject": "理财到期",
        "note": "客户考虑转为大额存单。",
        "next_step": "寄送产品说明",
        "next_step_due": date(2026, 12, 1),
    }
    return NoteInput(**(fields | overrides))


def queued(session: Session) -> list[outbox.Mutation]:
    with session.store.read() as conn:
        return outbox.pending(conn, 100)


def test_what_the_services_queue_is_the_wire_format_the_gateway_validates(
    session: Session,
) -> None:
    saved, task, _ = notes.log_interaction(session, note())
    assert task is not None
    tasks.update_task(
        session, task.id, status=TaskStatus.IN_PROGRESS, priority=TaskPriority.HIGH,
        due=date(2026, 12, 3),
    )  # fmt: skip
    customers.update_contact(session, CIF, email="w@example.cn", tags=["vip", "老客户"])
    customers.request_change(session, CIF, "address", "上海市静安区南京西路1号")
    mutations = queued(session)
    assert [m.name for m in mutations] == [
        "interaction.create",
        "task.create",
        "task.update",
        "customer.update",
        "customer.request_change",
    ]
    # The outbox format: instants in UTC to the second, dates ISO, enums by code.
    assert mutations[0].fields == {
        "customer_id": CIF,
        "kind": "call",
        "occurred_at": "2026-11-24T02:00:00+00:00",
        "created_by": "rm001",
        "subject": "理财到期",
        "note": "客户考虑转为大额存单。",
        "participants": [],
        "outcome": "",
        "next_step": "寄送产品说明",
        "supersedes_id": None,
        "created_at": "2026-11-24T09:30:00+00:00",
    }
    assert mutations[1].fields == {
        "customer_id": CIF,
        "title": "寄送产品说明",
        "due": "2026-12-01",
        "priority": 2,
        "assignee": "rm001",
        "created_by": "rm001",
        "source": "note_next_step",
        "status": "open",
        "outcome": "",
        "detail": f"interaction:{saved.id}",
        "reason_code": None,
        "created_at": "2026-11-24T09:30:00+00:00",
    }
    assert mutations[2].fields == {"status": "in_progress", "priority": 3, "due": "2026-12-03"}
    assert mutations[3].fields == {"email": "w@example.cn", "tags": "|vip|老客户|"}
    assert mutations[4].fields == {"address": "上海市静安区南京西路1号"}
    for m in mutations:  # and each is what the gateway's class takes, unchanged
        model = MODELS[m.name]
        assert (
            model.model_validate(m.fields).model_dump(mode="json", exclude_unset=m.op != "create")
            == m.fields
        )


def test_the_contact_fields_are_the_rule_books() -> None:
    assert tuple(protocol.CustomerUpdate.model_fields) == rules.CUSTOMER_EDITABLE
    assert tuple(protocol.CustomerChangeRequest.model_fields) == rules.CUSTOMER_REGULATED
    assert set(protocol.TaskUpdate.model_fields) == set(rules.TASK_EDITABLE)


@pytest.mark.parametrize(
    "bad",
    [
        {"subject": "主" * 501},
        {"participants": tuple(f"p{i}" for i in range(51))},
        {"outcome": "x" * 2001},
        {"next_step": "x" * 201},  # becomes the task's title, at most 200
    ],
)
def test_a_note_the_gateway_would_refuse_fails_at_once_and_writes_nothing(
    session: Session, bad: dict[str, Any]
) -> None:
    with pytest.raises(InvalidNote):
        notes.log_interaction(session, note(**bad))
    assert queued(session) == []
    with session.store.read() as conn:
        assert records.tasks_of_customer(conn, CIF, open_only=False) == []


def test_a_task_or_contact_edit_the_gateway_would_refuse_fails_at_once(session: Session) -> None:
    with pytest.raises(tasks.InvalidTask):
        tasks.create_task(session, CIF, "x" * 201, date(2026, 12, 1))
    assert queued(session) == []
    made, _ = tasks.create_task(session, CIF, "回访", date(2026, 12, 1))
    with pytest.raises(tasks.InvalidTask):
        tasks.update_task(session, made.id, detail="x" * 4001)
    with pytest.raises(customers.InvalidEdit):
        customers.update_contact(session, CIF, email="a" * 496 + "@x.cn")
    assert [m.name for m in queued(session)] == ["task.create"]
    with session.store.read() as conn:
        assert records.get_task(conn, made.id).detail == ""
        assert book.get_customer(conn, CIF).email == customer(CIF).email
