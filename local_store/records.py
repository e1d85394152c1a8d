"""Repositories for contact history, follow-up tasks, drafts and saved filters.

Interactions are append-only (a trigger refuses edits); an amendment is a new row
whose `supersedes_id` names the original. Every write keeps the customer's
denormalised activity columns in step in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from local_store.book import refresh_activity
from local_store.codec import (
    INTERACTION_COLUMNS,
    TASK_COLUMNS,
    cols,
    executemany,
    fetch_by_id,
    interaction_from,
    interaction_row,
    marks,
    t2s,
    task_from,
    task_row,
)
from rm_desk.domain.book import BookFilter
from rm_desk.domain.model import FollowUpTask, Interaction, InteractionKind, TaskStatus

# --- interactions ---------------------------------------------------------------------

_INSERT_INTERACTION = (
    f"INSERT INTO interactions ({cols(INTERACTION_COLUMNS)}) "
    f"VALUES ({marks(INTERACTION_COLUMNS)}) ON CONFLICT(id) DO NOTHING"
)


def add_interactions(conn: Connection, interactions: Sequence[Interaction]) -> None:
    """Append interactions (an id that exists already is a no-op: append-only)."""
    executemany(conn, _INSERT_INTERACTION, [interaction_row(i) for i in interactions])
    refresh_activity(conn, sorted({i.customer_id for i in interactions}))


def get_interaction(conn: Connection, interaction_id: str) -> Interaction:
    return fetch_by_id(
        conn, "interactions", INTERACTION_COLUMNS, interaction_id, interaction_from, "interaction"
    )


def timeline(
    conn: Connection,
    customer_id: str,
    kinds: Sequence[InteractionKind] = (),
    *,
    limit: int = 200,
    before: datetime | None = None,
    before_id: str | None = None,
) -> list[Interaction]:
    """A customer's contact history, newest first, optionally of some kinds only.

    Page with the last row seen: `before` its time and `before_id` its id, so rows
    sharing one timestamp are never skipped between pages."""
    sql = f"SELECT {cols(INTERACTION_COLUMNS)} FROM interactions WHERE customer_id = ?"
    params: list[Any] = [customer_id]
    if kinds:
        sql += f" AND kind IN ({marks(kinds)})"
        params.extend(k.value for k in kinds)
    if before is not None and before_id is not None:
        sql += " AND (occurred_at, id) < (?, ?)"
        params.extend((t2s(before), before_id))
    elif before is not None:
        sql += " AND occurred_at < ?"
        params.append(t2s(before))
    sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
    params.append(limit)
    return [interaction_from(r) for r in conn.exec_driver_sql(sql, tuple(params)).fetchall()]


def amendments_of(conn: Connection, interaction_id: str) -> list[Interaction]:
    rows = conn.exec_driver_sql(
        f"SELECT {cols(INTERACTION_COLUMNS)} FROM interactions WHERE supersedes_id = ? "
        "ORDER BY created_at, id",
        (interaction_id,),
    ).fetchall()
    return [interaction_from(r) for r in rows]


def delete_interaction(conn: Connection, interaction_id: str) -> str | None:
    """Remove an interaction the server never took; returns its customer (None when
    it was not here). The caller keeps the customer's activity columns in step."""
    row = conn.exec_driver_sql(
        "SELECT customer_id FROM interactions WHERE id = ?", (interaction_id,)
    ).fetchone()
    conn.exec_driver_sql("DELETE FROM interactions WHERE id = ?", (interaction_id,))
    return None if row is None else str(row[0])


# --- tasks ----------------------------------------------------------------------------

_UPSERT_TASK = (
    f"INSERT INTO tasks ({cols(TASK_COLUMNS)}) VALUES ({marks(TASK_COLUMNS)}) "
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in TASK_COLUMNS if c != "id")
)

OPEN_STATUSES = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)


def put_tasks(conn: Connection, tasks: Sequence[FollowUpTask]) -> None:
    executemany(conn, _UPSERT_TASK, [task_row(t) for t in tasks])
    refresh_activity(conn, sorted({t.customer_id for t in tasks}))


def get_task(conn: Connection, task_id: str) -> FollowUpTask:
    return fetch_by_id(conn, "tasks", TASK_COLUMNS, task_id, task_from, "task")


def task_customer(conn: Connection, task_id: str) -> str | None:
    """The customer a task is about; None when the task is not here."""
    row = conn.exec_driver_sql("SELECT customer_id FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else str(row[0])


def delete_tasks(conn: Connection, task_ids: Sequence[str]) -> set[str]:
    """Remove tasks; returns the customers they were about. The caller keeps those
    customers' activity columns in step."""
    customers = {c for c in (task_customer(conn, i) for i in task_ids) if c is not None}
    executemany(conn, "DELETE FROM tasks WHERE id = ?", [(i,) for i in task_ids])
    return customers


def tasks_for(
    conn: Connection, assignee: str, view: str, *, today: date, limit: int = 1000
) -> list[FollowUpTask]:
    """Open tasks of an assignee: view is 'today', 'overdue', 'upcoming' or 'all'."""
    conditions = {
        "today": "due = ?",
        "overdue": "due < ?",
        "upcoming": "due > ?",
        "all": "? IS NOT NULL",
    }
    if view not in conditions:
        raise ValueError(f"unknown task view {view!r}")
    rows = conn.exec_driver_sql(
        f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE assignee = ? AND status IN (?, ?) "
        f"AND {conditions[view]} ORDER BY due, priority DESC, id LIMIT ?",
        (assignee, *OPEN_STATUSES, today.isoformat(), limit),
    ).fetchall()
    return [task_from(r) for r in rows]


def tasks_of_customer(
    conn: Connection, customer_id: str, *, open_only: bool = True
) -> list[FollowUpTask]:
    sql = f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE customer_id = ?"
    params: tuple[Any, ...] = (customer_id,)
    if open_only:
        sql += " AND status IN (?, ?)"
        params += OPEN_STATUSES
    rows = conn.exec_driver_sql(sql + " ORDER BY due, priority DESC", params).fetchall()
    return [task_from(r) for r in rows]


_CLOSED_STATUSES = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)
TASK_VIEWS = ("today", "overdue", "upcoming", "open", "done")


def task_lines(
    conn: Connection, assignee: str, view: str, *, today: date, limit: int = 1000
) -> list[tuple[FollowUpTask, str]]:
    """An assignee's tasks for a view of the Tasks page, each with its customer's name:
    'today', 'overdue', 'upcoming', 'open' (all open ones, soonest first) or 'done'
    (closed, latest first)."""
    if view not in TASK_VIEWS:
        raise ValueError(f"unknown task view {view!r}")
    day = today.isoformat()
    where = {
        "today": ("t.status IN (?, ?) AND t.due = ?", (*OPEN_STATUSES, day)),
        "overdue": ("t.status IN (?, ?) AND t.due < ?", (*OPEN_STATUSES, day)),
        "upcoming": ("t.status IN (?, ?) AND t.due > ?", (*OPEN_STATUSES, day)),
        "open": ("t.status IN (?, ?)", OPEN_STATUSES),
        "done": ("t.status IN (?, ?)", _CLOSED_STATUSES),
    }[view]
    order = (
        "coalesce(t.completed_at, t.created_at) DESC, t.id DESC"
        if view == "done"
        else "t.due, t.priority DESC, t.id"
    )
    # Assembled from constant column lists and fixed conditions; values are `?` parameters.
    # The page of tasks is chosen first and only its rows are joined to their customer.
    sql = (
        f"SELECT {cols(TASK_COLUMNS, 't.')}, coalesce(c.name, '') FROM "
        f"(SELECT * FROM tasks t WHERE t.assignee = ? AND {where[0]} ORDER BY {order} LIMIT ?) t "
        f"LEFT JOIN customers c ON c.id = t.customer_id ORDER BY {order}"
    )
    rows = conn.exec_driver_sql(sql, (assignee, *where[1], limit)).fetchall()
    return [(task_from(r[:-1]), str(r[-1])) for r in rows]


def open_tasks_due_between(
    conn: Connection, assignee: str, first: date, last: date, *, limit: int
) -> list[FollowUpTask]:
    """An assignee's open tasks due from `first` to `last` (both included), soonest first."""
    rows = conn.exec_driver_sql(
        f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE assignee = ? AND status = ? "
        "AND due BETWEEN ? AND ? UNION ALL "
        f"SELECT {cols(TASK_COLUMNS)} FROM tasks WHERE assignee = ? AND status = ? "
        "AND due BETWEEN ? AND ? ORDER BY due, id LIMIT ?",
        (assignee, OPEN_STATUSES[0], first.isoformat(), last.isoformat(),
         assignee, OPEN_STATUSES[1], first.isoformat(), last.isoformat(), limit),
    ).fetchall()  # fmt: skip
    return [task_from(r) for r in rows]


def task_counts(conn: Connection, assignee: str, *, today: date) -> dict[str, int]:
    """How many of an assignee's tasks each view holds ('today', 'overdue', 'upcoming',
    'done')."""
    day = today.isoformat()
    row = conn.exec_driver_sql(
        "SELECT sum(status IN (?, ?) AND due = ?), sum(status IN (?, ?) AND due < ?), "
        "sum(status IN (?, ?) AND due > ?), sum(status IN (?, ?)) "
        "FROM tasks WHERE assignee = ?",
        (*OPEN_STATUSES, day, *OPEN_STATUSES, day, *OPEN_STATUSES, day, *_CLOSED_STATUSES,
         assignee),
    ).one()  # fmt: skip
    return {view: int(n or 0) for view, n in zip(("today", "overdue", "upcoming", "done"), row,
                                                  strict=True)}  # fmt: skip


# --- drafts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    id: str
    customer_id: str | None
    kind: str  # "interaction", "task", ...
    fields: dict[str, Any]
    updated_at: datetime


def save_draft(conn: Connection, draft: Draft) -> None:
    conn.exec_driver_sql(
        "INSERT INTO drafts(id, customer_id, kind, fields, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, kind = excluded.kind, "
        "fields = excluded.fields, updated_at = excluded.updated_at",
        (
            draft.id,
            draft.customer_id,
            draft.kind,
            json.dumps(draft.fields, ensure_ascii=False),
            t2s(draft.updated_at),
        ),
    )


def drafts(conn: Connection, kind: str | None = None) -> list[Draft]:
    sql = "SELECT id, customer_id, kind, fields, updated_at FROM drafts"
    params: tuple[Any, ...] = ()
    if kind is not None:
        sql += " WHERE kind = ?"
        params = (kind,)
    rows = conn.exec_driver_sql(sql + " ORDER BY updated_at DESC", params).fetchall()
    return [
        Draft(
            id=r[0],
            customer_id=r[1],
            kind=r[2],
            fields=json.loads(r[3]),
            updated_at=datetime.fromisoformat(r[4]),
        )
        for r in rows
    ]


def delete_draft(conn: Connection, draft_id: str) -> None:
    conn.exec_driver_sql("DELETE FROM drafts WHERE id = ?", (draft_id,))


# --- saved filters --------------------------------------------------------------------


def save_filter(
    conn: Connection, filter_id: str, name: str, filt: BookFilter, at: datetime
) -> None:
    conn.exec_driver_sql(
        "INSERT INTO saved_filters(id, name, filter, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET filter = excluded.filter",
        (filter_id, name, json.dumps(filt.to_json(), ensure_ascii=False), t2s(at)),
    )


def saved_filters(conn: Connection) -> list[tuple[str, str, BookFilter]]:
    rows = conn.exec_driver_sql(
        "SELECT id, name, filter FROM saved_filters ORDER BY name"
    ).fetchall()
    return [(r[0], r[1], BookFilter.from_json(json.loads(r[2]))) for r in rows]


def delete_filter(conn: Connection, filter_id: str) -> None:
    conn.exec_driver_sql("DELETE FROM saved_filters WHERE id = ?", (filter_id,))
