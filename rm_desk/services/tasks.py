"""Follow-up tasks: create, edit, complete with an outcome, delete, hand over.

Each write updates the local row and appends its mutation in one transaction; the
mutation carries the row's version as `base_version` so the server can merge per
field and report real conflicts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from local_store import Connection, book, outbox, records
from rm_desk.domain.errors import ErrorCode, InvalidInput, RmDeskError
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskSource, TaskStatus
from rm_desk.domain.permissions import Action
from rm_desk.domain.rules import TASK_EDITABLE, TASK_TRANSITIONS
from rm_desk.domain.text import clean_text
from rm_desk.services.changes import Changes
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

EDITABLE = TASK_EDITABLE
TRANSITIONS = TASK_TRANSITIONS


class InvalidTask(InvalidInput):
    pass


def task_fields(t: FollowUpTask, error: type[RmDeskError] = InvalidTask) -> dict[str, Any]:
    """The `task.create` payload, as the gateway validates it (`error` if not)."""
    return payload(
        protocol.TaskFields,
        error,
        customer_id=t.customer_id,
        title=t.title,
        due=t.due,
        priority=int(t.priority),
        assignee=t.assignee,
        created_by=t.created_by,
        source=t.source,
        status=t.status,
        outcome=t.outcome,
        detail=t.detail,
        reason_code=t.reason_code,
        created_at=t.created_at,
    )


def record_new_task(
    conn: Connection, task: FollowUpTask, now: datetime, error: type[RmDeskError] = InvalidTask
) -> None:
    """Store a new task and its `task.create` mutation (inside the caller's transaction)."""
    fields = task_fields(task, error)
    records.put_tasks(conn, [task])
    outbox.enqueue(conn, "task.create", "task", task.id, "create", fields,
                   base_version=None, client_time=now)  # fmt: skip


def create_task(
    session: Session,
    customer_id: str,
    title: str,
    due: date,
    *,
    priority: TaskPriority = TaskPriority.NORMAL,
    assignee: str | None = None,
    source: TaskSource = TaskSource.MANUAL,
    detail: str = "",
    reason_code: str | None = None,
) -> tuple[FollowUpTask, Changes]:
    title, detail = clean_text(title), clean_text(detail)
    if not title.strip():
        raise InvalidTask(ErrorCode.TASK_TITLE_REQUIRED)
    now = session.clock()
    task = FollowUpTask(
        id=uuid7(),
        customer_id=customer_id,
        title=title.strip(),
        due=due,
        priority=priority,
        assignee=assignee or session.user,
        created_by=session.user,
        source=source,
        detail=detail,
        reason_code=reason_code,
        created_at=now,
    )
    with session.store.transaction() as conn:
        book.get_customer(conn, customer_id)
        record_new_task(conn, task, now, InvalidTask)
        session.audit_edit(conn, "task", task.id, "create", customer_id=customer_id)
    return task, Changes(customers=frozenset({customer_id}), book=True, tasks=True, outbox=True)


def update_task(session: Session, task_id: str, **changes: Any) -> tuple[FollowUpTask, Changes]:
    """Edit fields of a task (title, due, priority, assignee, status, outcome, detail).

    Completing, snoozing and cancelling are edits too. Who may: the rule book
    (`permissions.may_change_task`, `EDIT_TASK`): its assignee, its author, or a manager;
    anyone else gets `PermissionDenied` (`TASK_NOT_YOURS`) and nothing is written."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidTask(ErrorCode.TASK_FIELDS_NOT_EDITABLE, fields=", ".join(sorted(unknown)))
    changes = {k: clean_text(v) if isinstance(v, str) else v for k, v in changes.items()}
    now = session.clock()
    with session.store.transaction() as conn:
        task = records.get_task(conn, task_id)
        session.require_task_change(task.created_by, task.assignee, Action.EDIT_TASK)
        if "status" in changes:
            new = TaskStatus(changes["status"])
            if new != task.status and new not in TRANSITIONS[task.status]:
                raise InvalidTask(
                    ErrorCode.TASK_TRANSITION_NOT_ALLOWED, status=task.status, new_status=new
                )
            changes["status"] = new
        if "priority" in changes:
            changes["priority"] = TaskPriority(changes["priority"])
        if "title" in changes and not str(changes["title"]).strip():
            raise InvalidTask(ErrorCode.TASK_TITLE_REQUIRED)
        updated = dataclasses.replace(task, **changes)
        if updated.status is TaskStatus.DONE and task.status is not TaskStatus.DONE:
            updated = dataclasses.replace(updated, completed_at=now)
        edited = {
            name: getattr(updated, name)
            for name in changes
            if getattr(task, name) != getattr(updated, name)
        }
        if not edited:
            return task, Changes()
        wire = payload(protocol.TaskUpdate, InvalidTask, only_set=True, **edited)
        records.put_tasks(conn, [updated])
        outbox.enqueue(
            conn,
            "task.update",
            "task",
            task.id,
            "update",
            wire,
            base_version=task.version,
            client_time=now,
        )
        session.audit_edit(conn, "task", task.id, "update", edited, customer_id=task.customer_id)
    return updated, Changes(
        customers=frozenset({task.customer_id}), book=True, tasks=True, outbox=True
    )


def complete_task(session: Session, task_id: str, outcome: str) -> tuple[FollowUpTask, Changes]:
    if not outcome.strip():
        raise InvalidTask(ErrorCode.TASK_OUTCOME_REQUIRED)
    return update_task(session, task_id, status=TaskStatus.DONE, outcome=outcome.strip())


def snooze_task(session: Session, task_id: str, until: date) -> tuple[FollowUpTask, Changes]:
    """Put an open follow-up off to `until`, a day after today: its due date moves (a
    field the RM edits, TASK_EDITABLE) and the change is queued for sync. Who may snooze
    it is who may edit it (`update_task`)."""
    if until <= session.clock().astimezone().date():
        raise InvalidTask(ErrorCode.TASK_SNOOZE_NOT_LATER)
    return update_task(session, task_id, due=until)


def delete_task(session: Session, task_id: str) -> Changes:
    """Delete a follow-up: who may is the rule book's (`permissions.may_change_task`,
    `DELETE_TASK`): managers any, everyone else the ones they created or hold."""
    now = session.clock()
    with session.store.transaction() as conn:
        task = records.get_task(conn, task_id)
        session.require_task_change(task.created_by, task.assignee, Action.DELETE_TASK)
        records.delete_tasks(conn, [task_id])
        book.refresh_activity(conn, [task.customer_id])
        outbox.enqueue(
            conn,
            "task.delete",
            "task",
            task_id,
            "delete",
            {},
            base_version=task.version,
            client_time=now,
        )
        session.audit_edit(conn, "task", task_id, "delete", customer_id=task.customer_id)
    return Changes(customers=frozenset({task.customer_id}), book=True, tasks=True, outbox=True)


def tasks_view(session: Session, view: str) -> list[FollowUpTask]:
    with session.store.read() as conn:
        return records.tasks_for(
            conn, session.user, view, today=session.clock().astimezone().date()
        )


# --- task lists for the Tasks page and reminders ---------------------------------------------

TASK_VIEWS = records.TASK_VIEWS


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A task as a list shows it: the task and its customer's name."""

    task: FollowUpTask
    customer_name: str


def task_lines(
    session: Session, view: str, *, assignee: str | None = None, limit: int = 1000
) -> list[TaskLine]:
    """Tasks of one assignee (default: the user) for a view: 'today', 'overdue',
    'upcoming', 'open' (all open ones, soonest first) or 'done' (closed, latest first)."""
    if view not in TASK_VIEWS:
        raise ValueError(f"unknown task view {view!r}")
    today = session.clock().astimezone().date()
    with session.store.read() as conn:
        lines = records.task_lines(conn, assignee or session.user, view, today=today, limit=limit)
    return [TaskLine(task, name) for task, name in lines]


REMINDER_LOOKBACK_DAYS = 7
REMINDER_LIMIT = 100


def due_now(session: Session) -> list[FollowUpTask]:
    """Open tasks of the user due today or in the last week: what a reminder announces.
    Older overdue tasks stay on the Tasks page; a reminder about a months-old task is
    noise, and reading every one of them would hold the database thread for long."""
    today = session.clock().astimezone().date()
    with session.store.read() as conn:
        return records.open_tasks_due_between(
            conn, session.user, today - timedelta(days=REMINDER_LOOKBACK_DAYS), today,
            limit=REMINDER_LIMIT,
        )  # fmt: skip


def hand_over(
    session: Session,
    customer_id: str,
    title: str,
    due: date,
    *,
    priority: TaskPriority = TaskPriority.NORMAL,
    detail: str = "",
) -> tuple[FollowUpTask, Changes]:
    """Branch staff hand a follow-up to the customer's own RM (source: handoff)."""
    session.require(Action.HAND_OVER_TASK, "Your role may not hand over a follow-up.")
    with session.store.read() as conn:
        owner = book.get_customer(conn, customer_id).owner_rm
    if not owner:
        raise InvalidTask(ErrorCode.TASK_NO_RM_TO_HAND_OVER)
    return create_task(session, customer_id, title, due, priority=priority, assignee=owner,
                       source=TaskSource.HANDOFF, detail=detail)  # fmt: skip


def task_counts(session: Session, *, assignee: str | None = None) -> dict[str, int]:
    """How many tasks each view of the Tasks page holds (for its tab titles)."""
    today = session.clock().astimezone().date()
    with session.store.read() as conn:
        return records.task_counts(conn, assignee or session.user, today=today)
