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
from local_store.codec import TASK_COLUMNS, cols, task_from
from rm_desk.domain.ids import uuid7
from rm_desk.domain.model import FollowUpTask, TaskPriority, TaskSource, TaskStatus
from rm_desk.domain.rules import TASK_EDITABLE, TASK_TRANSITIONS
from rm_desk.domain.text import clean_text
from rm_desk.services.changes import Changes
from rm_desk.services.notes import record_new_task
from rm_desk.services.payloads import payload
from rm_desk.services.session import Session
from sync import protocol

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
        record_new_task(conn, task, now, InvalidTask)
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
        conn.exec_driver_sql("DELETE FROM tasks WHERE id = ?", (task_id,))
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

TASK_VIEWS = ("today", "overdue", "upcoming", "open", "done")


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A task as a list shows it: the task and its customer's name."""

    task: FollowUpTask
    customer_name: str


_OPEN = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)
_CLOSED = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)


def task_lines(
    session: Session, view: str, *, assignee: str | None = None, limit: int = 1000
) -> list[TaskLine]:
    """Tasks of one assignee (default: the user) for a view: 'today', 'overdue',
    'upcoming', 'open' (all open ones, soonest first) or 'done' (closed, latest first)."""
    if view not in TASK_VIEWS:
        raise ValueError(f"unknown task view {view!r}")
    today = session.clock().astimezone().date().isoformat()
    where = {
        "today": ("t.status IN (?, ?) AND t.due = ?", (*_OPEN, today)),
        "overdue": ("t.status IN (?, ?) AND t.due < ?", (*_OPEN, today)),
        "upcoming": ("t.status IN (?, ?) AND t.due > ?", (*_OPEN, today)),
        "open": ("t.status IN (?, ?)", _OPEN),
        "done": ("t.status IN (?, ?)", _CLOSED),
    }[view]
    order = (
        "coalesce(t.completed_at, t.created_at) DESC, t.id DESC"
        if view == "done"
        else "t.due, t.priority DESC, t.id"
    )
    # Assembled from constant column lists and fixed conditions; values are `?` parameters.
    # The page of tasks is chosen first and only its rows are joined to their customer.
    sql = (
        f"SELECT {cols(TASK_COLUMNS, 't.')}, coalesce(c.name, '') FROM "  # noqa: S608
        f"(SELECT * FROM tasks t WHERE t.assignee = ? AND {where[0]} ORDER BY {order} LIMIT ?) t "
        f"LEFT JOIN customers c ON c.id = t.customer_id ORDER BY {order}"
    )
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(sql, (assignee or session.user, *where[1], limit)).fetchall()
    return [TaskLine(task_from(r[:-1]), str(r[-1])) for r in rows]


REMINDER_LOOKBACK_DAYS = 7
REMINDER_LIMIT = 100


def due_now(session: Session) -> list[FollowUpTask]:
    """Open tasks of the user due today or in the last week: what a reminder announces.
    Older overdue tasks stay on the Tasks page; a reminder about a months-old task is
    noise, and reading every one of them would hold the database thread for long."""
    today = session.clock().astimezone().date()
    since = (today - timedelta(days=REMINDER_LOOKBACK_DAYS)).isoformat()
    with session.store.read() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE assignee = ? AND status = ? "  # noqa: S608
            "AND due BETWEEN ? AND ? UNION ALL "
            f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE assignee = ? AND status = ? "
            "AND due BETWEEN ? AND ? ORDER BY due, id LIMIT ?",
            (session.user, _OPEN[0], since, today.isoformat(),
             session.user, _OPEN[1], since, today.isoformat(), REMINDER_LIMIT),
        ).fetchall()  # fmt: skip
    return [task_from(r) for r in rows]


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
    today = session.clock().astimezone().date().isoformat()
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT sum(status IN (?, ?) AND due = ?), sum(status IN (?, ?) AND due < ?), "
            "sum(status IN (?, ?) AND due > ?), sum(status IN (?, ?)) "
            "FROM tasks WHERE assignee = ?",
            (*_OPEN, today, *_OPEN, today, *_OPEN, today, *_CLOSED, assignee or session.user),
        ).one()
    return {view: int(n or 0) for view, n in zip(("today", "overdue", "upcoming", "done"), row,
                                                  strict=True)}  # fmt: skip
