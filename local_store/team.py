"""The team queries behind a manager's dashboard: who is on the team, and per RM the
customers, open work and recent contacts.

A manager's store holds the whole team's book (the sync scope of a manager), so
these are local aggregates; the service checks the role before asking.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from local_store.records import OPEN_STATUSES
from rm_desk.domain.rules import RM_CONTACT_KINDS


def members(conn: Connection) -> list[str]:
    """Everyone who owns a customer or holds a task in this store, sorted."""
    rows = conn.exec_driver_sql(
        "SELECT owner_rm FROM customers WHERE owner_rm <> '' "
        "UNION SELECT assignee FROM tasks WHERE assignee <> '' ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def customers_by_rm(conn: Connection) -> dict[str, tuple[int, int, int]]:
    """Per owner RM: customers, red customers, amber customers."""
    return {
        r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0))
        for r in conn.exec_driver_sql(
            "SELECT owner_rm, count(*), sum(churn_level = 'red'), sum(churn_level = 'amber') "
            "FROM customers GROUP BY owner_rm"
        ).fetchall()
    }


def open_tasks_by_assignee(conn: Connection, today: date) -> dict[str, tuple[int, int, int]]:
    """Per assignee: open tasks, overdue ones and ones due `today`."""
    day = today.isoformat()
    return {
        r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0))
        for r in conn.exec_driver_sql(
            "SELECT assignee, count(*), sum(due < ?), sum(due = ?) FROM tasks "
            "WHERE status IN (?, ?) GROUP BY assignee",
            (day, day, *OPEN_STATUSES),
        ).fetchall()
    }


def contacts_by_rm(conn: Connection, since: datetime) -> dict[str, int]:
    """Per author: visits, calls and messages logged from `since` on."""
    return {
        r[0]: int(r[1])
        for r in conn.exec_driver_sql(
            "SELECT created_by, count(*) FROM interactions "
            "WHERE occurred_at >= ? AND kind IN (?, ?, ?) GROUP BY created_by",
            (since.isoformat(timespec="seconds"), *sorted(RM_CONTACT_KINDS)),
        ).fetchall()
    }
