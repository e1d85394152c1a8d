"""The Today queue: the user's open follow-ups that are overdue, due today or due soon,
each with its customer's name and whether it was newly assigned to the user.

The rows shown are capped; the counts are SQL COUNTs over the very same conditions, so
a count never stops at the cap. Both ride the index ix_tasks_assignee (assignee,
status, due).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from local_store.codec import TASK_COLUMNS, cols, task_from
from local_store.records import OPEN_STATUSES
from rm_desk.domain.model import FollowUpTask


@dataclass(frozen=True, slots=True)
class QueueRecord:
    task: FollowUpTask
    customer_name: str
    is_new: bool


# Constant SQL; every value is a parameter. `:first` is the earliest due date counted
# as upcoming (tomorrow), `:last` the latest.
_MINE = "t.assignee = :me AND t.status IN (:open, :started)"
_WINDOW = f"{_MINE} AND t.due <= :last"


def _params(me: str, today: date, last: date) -> dict[str, str]:
    return {"me": me, "open": OPEN_STATUSES[0], "started": OPEN_STATUSES[1],
            "today": today.isoformat(), "last": last.isoformat()}  # fmt: skip


def queue(conn: Connection, me: str, *, today: date, last: date, limit: int) -> list[QueueRecord]:
    """`me`'s open follow-ups due on or before `last`, soonest first and the most
    urgent first within a day, at most `limit`; the page of tasks is chosen first and
    only its rows are joined to their customer and to the new-assignment flags."""
    rows = conn.exec_driver_sql(
        f"SELECT {cols(TASK_COLUMNS, 't.')}, coalesce(c.name, ''), n.task_id IS NOT NULL "
        f"FROM (SELECT * FROM tasks t WHERE {_WINDOW} "
        "ORDER BY t.due, t.priority DESC, t.id LIMIT :limit) t "
        "LEFT JOIN customers c ON c.id = t.customer_id "
        "LEFT JOIN new_assignments n ON n.task_id = t.id "
        "ORDER BY t.due, t.priority DESC, t.id",
        {**_params(me, today, last), "limit": limit},
    ).fetchall()
    return [QueueRecord(task_from(r[:-2]), str(r[-2]), bool(r[-1])) for r in rows]


def queue_counts(conn: Connection, me: str, *, today: date, last: date) -> dict[str, int]:
    """How many of `me`'s open follow-ups are 'overdue' (before `today`), 'due' (on
    `today`) and 'upcoming' (after `today`, up to `last`), and how many of those are
    'new' (newly assigned and not opened yet)."""
    row = conn.exec_driver_sql(
        "SELECT count(*) FILTER (WHERE t.due < :today), count(*) FILTER (WHERE t.due = :today), "
        "count(*) FILTER (WHERE t.due > :today), "
        "count(*) FILTER (WHERE t.id IN (SELECT task_id FROM new_assignments)) "
        f"FROM tasks t WHERE {_WINDOW}",
        _params(me, today, last),
    ).one()
    return {key: int(n or 0) for key, n in zip(("overdue", "due", "upcoming", "new"), row,
                                                 strict=True)}  # fmt: skip
