"""Contact history: log a visit, call or service contact, amend, and keep drafts.

Logging writes the interaction, its outbox mutation, the optional next-step task
and its mutation in one transaction, then drops the draft it came from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from local_store import book, outbox, records
from rm_desk.domain.errors import ErrorCode, InvalidInput
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import (
    FollowUpTask,
    Interaction,
    InteractionKind,
    TaskPriority,
    TaskSource,
)
from rm_desk.domain.text import clean_text, clean_value
from rm_desk.services import churn
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import PermissionDenied, Session
from rm_desk.services.tasks import record_new_task
from sync import protocol

Draft = records.Draft  # the window names drafts through this service

MAX_NOTE_CHARS = 20_000


class InvalidNote(InvalidInput):
    pass


@dataclass(frozen=True, slots=True)
class NoteInput:
    customer_id: str
    kind: InteractionKind
    occurred_at: datetime
    subject: str
    note: str
    participants: tuple[str, ...] = ()
    outcome: str = ""
    next_step: str = ""
    next_step_due: date | None = None  # when set, the next step becomes a task
    supersedes_id: str | None = None


def interaction_fields(i: Interaction) -> dict[str, Any]:
    """The `interaction.create` payload, as the gateway validates it (InvalidNote if not)."""
    return payload(
        protocol.InteractionFields,
        InvalidNote,
        customer_id=i.customer_id,
        kind=i.kind,
        occurred_at=i.occurred_at,
        created_by=i.created_by,
        subject=i.subject,
        note=i.note,
        participants=list(i.participants),
        outcome=i.outcome,
        next_step=i.next_step,
        supersedes_id=i.supersedes_id,
        created_at=i.created_at,
    )


def _cleaned(data: NoteInput) -> NoteInput:
    """The note's text by the one rule for text (rm_desk.domain.text), before it is
    checked, stored or queued: what the gateway would make of it anyway."""
    return dataclasses.replace(
        data,
        subject=clean_text(data.subject),
        note=clean_text(data.note),
        participants=tuple(clean_text(p) for p in data.participants),
        outcome=clean_text(data.outcome),
        next_step=clean_text(data.next_step),
    )


def _validate(data: NoteInput) -> None:
    if not data.note.strip() and not data.subject.strip():
        raise InvalidNote(ErrorCode.NOTE_EMPTY)
    if len(data.note) > MAX_NOTE_CHARS:
        raise InvalidNote(ErrorCode.NOTE_TOO_LONG, limit=MAX_NOTE_CHARS)
    if data.occurred_at.tzinfo is None:
        raise InvalidNote(ErrorCode.NOTE_TIME_NEEDS_ZONE)
    if data.next_step_due is not None and not data.next_step.strip():
        raise InvalidNote(ErrorCode.NOTE_FOLLOW_UP_NEEDS_STEP)


def log_interaction(
    session: Session, data: NoteInput, *, draft_id: str | None = None
) -> tuple[Interaction, FollowUpTask | None, Changes]:
    """Save a contact (works offline); it syncs later from the outbox."""
    data = _cleaned(data)
    _validate(data)
    if not session.may_log(data.kind):
        raise PermissionDenied(detail="Your role may not log this kind of contact.")
    now = session.clock()
    interaction = Interaction(
        id=uuid7(),
        customer_id=data.customer_id,
        kind=data.kind,
        occurred_at=data.occurred_at,
        created_by=session.user,
        subject=data.subject.strip(),
        note=data.note,
        participants=data.participants,
        outcome=data.outcome.strip(),
        next_step=data.next_step.strip(),
        supersedes_id=data.supersedes_id,
        created_at=now,
    )
    task: FollowUpTask | None = None
    with session.store.transaction() as conn:
        book.get_customer(conn, data.customer_id)  # NotFound if not in this book
        if data.supersedes_id is not None:
            original = records.get_interaction(conn, data.supersedes_id)
            if original.customer_id != data.customer_id:
                raise InvalidNote(ErrorCode.NOTE_AMENDMENT_OTHER_CUSTOMER)
        fields = interaction_fields(interaction)
        records.add_interactions(conn, [interaction])
        outbox.enqueue(
            conn,
            "interaction.create",
            "interaction",
            interaction.id,
            "create",
            fields,
            base_version=None,
            client_time=now,
        )
        session.audit_edit(
            conn, "interaction", interaction.id, "create", customer_id=data.customer_id
        )
        if data.next_step_due is not None:
            task = FollowUpTask(
                id=uuid7(),
                customer_id=data.customer_id,
                title=data.next_step.strip(),
                due=data.next_step_due,
                priority=TaskPriority.NORMAL,
                assignee=session.user,
                created_by=session.user,
                source=TaskSource.NOTE_NEXT_STEP,
                detail=f"interaction:{interaction.id}",
                created_at=now,
            )
            record_new_task(conn, task, now, InvalidNote)
            session.audit_edit(conn, "task", task.id, "create", customer_id=data.customer_id)
        if draft_id is not None:
            records.delete_draft(conn, draft_id)
        # A contact changes the indicators under this customer (complaints, last RM
        # contact): rescore it now, offline, in the same transaction.
        churn.rescore_customer(conn, data.customer_id, now)
    changes = Changes(
        customers=frozenset({data.customer_id}),
        book=True,
        churn=True,
        interactions=True,
        tasks=task is not None,
        outbox=True,
        drafts=draft_id is not None,
    )
    return interaction, task, changes


def save_draft(
    session: Session, draft_id: str, customer_id: str | None, fields: dict[str, Any]
) -> Changes:
    with session.store.transaction() as conn:
        records.save_draft(
            conn, Draft(draft_id, customer_id, "interaction", clean_value(fields), session.clock())
        )
    return Changes(drafts=True)


def drafts(session: Session) -> list[Draft]:
    with session.store.read() as conn:
        return records.drafts(conn, "interaction")


def discard_draft(session: Session, draft_id: str) -> Changes:
    with session.store.transaction() as conn:
        records.delete_draft(conn, draft_id)
    return Changes(drafts=True)


def timeline(
    session: Session,
    customer_id: str,
    kinds: tuple[InteractionKind, ...] = (),
    limit: int = 200,
    *,
    after: Interaction | None = None,
) -> list[Interaction]:
    """Newest first; `after` (the last row of the previous page) pages further back."""
    with session.store.read() as conn:
        if after is None:
            return records.timeline(conn, customer_id, kinds, limit=limit)
        return records.timeline(conn, customer_id, kinds, limit=limit,
                                before=after.occurred_at, before_id=after.id)  # fmt: skip
