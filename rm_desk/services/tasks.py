"""Follow-up tasks: create, edit, complete with an outcome, delete, hand over.

Each write updates the local row and appends its mutation in one transaction; the
mutation carries the row's version as `base_version` so the server can merge per
field and report real conflicts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from local_store import book, outbox, records
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskSource, TaskStatus
from rm_desk.domain.rules import TASK_EDITABLE, TASK_TRANSITIONS
from rm_desk.domain.text import clean_text
from rm_desk.services.changes import Changes
from rm_desk.services.notes import record_new_task
from rm_desk.services.session import Session

EDITABLE = TASK_EDITABLE
TRANSITIONS = TASK_TRANSITIONS


class InvalidTask(ValueError):
    pass


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
        raise InvalidTask("A task needs a title.")
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
        record_new_task(conn, task, now)
    return task, Changes(customers=frozenset({customer_id}), book=True, tasks=True, outbox=True)


def update_task(session: Session, task_id: str, **changes: Any) -> tuple[FollowUpTask, Changes]:
    """Edit fields of a task (title, due, priority, assignee, status, outcome, detail)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidTask(f"These task fields cannot be edited: {', '.join(sorted(unknown))}.")
    changes = {k: clean_text(v) if isinstance(v, str) else v for k, v in changes.items()}
    now = session.clock()
    with session.store.transaction() as conn:
        task = records.get_task(conn, task_id)
        if "status" in changes:
            new = TaskStatus(changes["status"])
            if new != task.status and new not in TRANSITIONS[task.status]:
                raise InvalidTask(f"A {task.status.value} task cannot become {new.value}.")
            changes["status"] = new
        if "priority" in changes:
            changes["priority"] = TaskPriority(changes["priority"])
        if "title" in changes and not str(changes["title"]).strip():
            raise InvalidTask("A task needs a title.")
        updated = dataclasses.replace(task, **changes)
        if updated.status is TaskStatus.DONE and task.status is not TaskStatus.DONE:
            updated = dataclasses.replace(updated, completed_at=now)
        wire: dict[str, Any] = {}
        for name in changes:
            value = getattr(updated, name)
            if getattr(task, name) == value:
                continue
            wire[name] = (
                value.isoformat()
                if isinstance(value, date)
                else (
                    value.value
                    if isinstance(value, TaskStatus)
                    else int(value)
                    if isinstance(value, TaskPriority)
                    else value
                )
            )
        if not wire:
            return task, Changes()
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
    return updated, Changes(
        customers=frozenset({task.customer_id}), book=True, tasks=True, outbox=True
    )


def complete_task(session: Session, task_id: str, outcome: str) -> tuple[FollowUpTask, Changes]:
    if not outcome.strip():
        raise InvalidTask("Say how the follow-up ended before completing it.")
    return update_task(session, task_id, status=TaskStatus.DONE, outcome=outcome.strip())


def delete_task(session: Session, task_id: str) -> Changes:
    now = session.clock()
    with session.store.transaction() as conn:
        task = records.get_task(conn, task_id)
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
    with session.store.read() as conn:
        owner = book.get_customer(conn, customer_id).owner_rm
    if not owner:
        raise InvalidTask("This customer has no relationship manager to hand over to.")
    return create_task(session, customer_id, title, due, priority=priority, assignee=owner,
                       source=TaskSource.HANDOFF, detail=detail)  # fmt: skip


def task_counts(session: Session, *, assignee: str | None = None) -> dict[str, int]:
    """How many tasks each view of the Tasks page holds (for its tab titles)."""
    today = session.clock().astimezone().date()
    with session.store.read() as conn:
        return records.task_counts(conn, assignee or session.user, today=today)
