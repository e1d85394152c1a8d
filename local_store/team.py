"""The team queries behind a manager's dashboard: who is on the team, the figures per
RM, and the list behind each figure.

A manager's store holds the whole team's book (the sync scope of a manager), so these
are local queries; the service checks the role before asking. Every figure is a SQL
COUNT over one condition (`_CONDITIONS`), and its drill-down list selects with that
same condition, so a figure and its list can never disagree, whatever their size.
The staff directory (names, last sync) and the flags of newly assigned follow-ups are
kept here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from local_store.book import book_rows
from local_store.codec import (
    INTERACTION_COLUMNS,
    TASK_COLUMNS,
    cols,
    executemany,
    interaction_from,
    task_from,
)
from local_store.records import OPEN_STATUSES
from rm_desk.domain.book import BookRow
from rm_desk.domain.model import FollowUpTask, Interaction
from rm_desk.domain.team import FigureList, TeamFigure


@dataclass(frozen=True, slots=True)
class Period:
    """The days the figures are about: `today` (local) and the instants (UTC ISO text,
    as stored) where the week (Monday) and the month began."""

    today: date
    week_start: str
    month_start: str


_F = TeamFigure
# The very term of the partial index ix_interactions_rm_contacts (migrations V7): SQLite
# uses a partial index only for a query that repeats its WHERE term.
_RM = "kind IN ('visit', 'call')"
_OPEN = f"status IN ('{OPEN_STATUSES[0]}', '{OPEN_STATUSES[1]}')"
# Per figure: the table, the RM's column and the condition (named parameters from
# `_params`). Constant SQL; every value is a parameter.
_CONDITIONS: dict[TeamFigure, tuple[str, str, str]] = {
    _F.CUSTOMERS: ("customers", "owner_rm", "1"),
    _F.RED: ("customers", "owner_rm", "churn_level = 'red'"),
    _F.AMBER: ("customers", "owner_rm", "churn_level = 'amber'"),
    _F.AT_RISK: ("customers", "owner_rm", "churn_level IN ('red', 'amber')"),
    _F.OPEN: ("tasks", "assignee", _OPEN),
    _F.OVERDUE: ("tasks", "assignee", f"{_OPEN} AND due < :today"),
    _F.DUE_TODAY: ("tasks", "assignee", f"{_OPEN} AND due = :today"),
    _F.VISITS_WEEK: (
        "interactions",
        "created_by",
        f"{_RM} AND kind = 'visit' AND occurred_at >= :week",
    ),
    _F.CALLS_WEEK: (
        "interactions",
        "created_by",
        f"{_RM} AND kind = 'call' AND occurred_at >= :week",
    ),
    _F.VISITS_MONTH: (
        "interactions",
        "created_by",
        f"{_RM} AND kind = 'visit' AND occurred_at >= :month",
    ),
    _F.CALLS_MONTH: (
        "interactions",
        "created_by",
        f"{_RM} AND kind = 'call' AND occurred_at >= :month",
    ),
}


def _params(period: Period) -> dict[str, Any]:
    return {"today": period.today.isoformat(), "week": period.week_start,
            "month": period.month_start}  # fmt: skip


def members(conn: Connection) -> list[str]:
    """The team: every RM of the staff directory, and everyone who owns a customer or
    holds a task in this store, sorted."""
    rows = conn.exec_driver_sql(
        "SELECT owner_rm FROM customers WHERE owner_rm <> '' "
        "UNION SELECT assignee FROM tasks WHERE assignee <> '' "
        "UNION SELECT user_id FROM staff WHERE role = 'rm' ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def figures_by_rm(conn: Connection, period: Period) -> dict[str, dict[TeamFigure, int]]:
    """Every figure per RM (an RM absent from a table has no entry for its figures)."""
    params = _params(period)
    out: dict[str, dict[TeamFigure, int]] = {}
    for table in ("customers", "tasks", "interactions"):
        figures = [f for f, c in _CONDITIONS.items() if c[0] == table]
        column = _CONDITIONS[figures[0]][1]
        sums = ", ".join(f"sum({_CONDITIONS[f][2]})" for f in figures)
        # Contacts older than the earlier of the week's and the month's start count for
        # nothing: left out before grouping.
        since = (
            f" WHERE {_RM} AND occurred_at >= min(:week, :month)" if table == "interactions" else ""
        )
        sql = f"SELECT {column}, {sums} FROM {table}{since} GROUP BY {column}"  # constant parts
        for row in _run(conn, sql, params):
            line = out.setdefault(str(row[0]), {})
            for figure, value in zip(figures, row[1:], strict=True):
                line[figure] = int(value or 0)
    return out


def _run(conn: Connection, sql: str, params: dict[str, Any]) -> Sequence[Any]:
    return conn.exec_driver_sql(sql, params).fetchall()


def aum_at_risk_by_rm(conn: Connection) -> dict[str, int]:
    """Per owner RM: the AUM (fen) of their red and amber customers."""
    condition = _CONDITIONS[_F.AT_RISK][2]
    rows = _run(
        conn, f"SELECT owner_rm, sum(aum_fen) FROM customers WHERE {condition} GROUP BY owner_rm",
        {},
    )  # fmt: skip
    return {str(r[0]): int(r[1] or 0) for r in rows}


def figure_count(conn: Connection, rm: str, figure: TeamFigure, period: Period) -> int:
    """One figure of one RM, counted alone (what the dashboard's line shows)."""
    table, column, condition = _CONDITIONS[figure]
    row = conn.exec_driver_sql(
        f"SELECT count(*) FROM {table} WHERE {column} = :rm AND {condition}",
        {**_params(period), "rm": rm},
    ).one()
    return int(row[0])


def figure_tasks(
    conn: Connection, rm: str, figure: TeamFigure, period: Period, *, limit: int
) -> list[tuple[FollowUpTask, str]]:
    """The follow-ups behind a task figure, soonest first, with their customer's name."""
    if figure.lists is not FigureList.TASKS:
        raise ValueError(f"{figure} does not count follow-ups")
    _table, column, condition = _CONDITIONS[figure]
    sql = (
        f"SELECT {cols(TASK_COLUMNS, 't.')}, coalesce(c.name, '') FROM "
        f"(SELECT * FROM tasks WHERE {column} = :rm AND {condition} "
        "ORDER BY due, priority DESC, id LIMIT :limit) t "
        "LEFT JOIN customers c ON c.id = t.customer_id ORDER BY t.due, t.priority DESC, t.id"
    )
    rows = _run(conn, sql, {**_params(period), "rm": rm, "limit": limit})
    return [(task_from(r[:-1]), str(r[-1])) for r in rows]


def figure_customers(
    conn: Connection, rm: str, figure: TeamFigure, period: Period, *, limit: int
) -> list[BookRow]:
    """The customers behind a customer figure, highest churn score first."""
    if figure.lists is not FigureList.CUSTOMERS:
        raise ValueError(f"{figure} does not count customers")
    _table, column, condition = _CONDITIONS[figure]
    pks = [
        int(r[0])
        for r in _run(
            conn,
            f"SELECT pk FROM customers WHERE {column} = :rm AND {condition} "
            "ORDER BY churn_score IS NULL, churn_score DESC, aum_fen DESC, id LIMIT :limit",
            {**_params(period), "rm": rm, "limit": limit},
        )
    ]
    return book_rows(conn, pks)


def figure_contacts(
    conn: Connection, rm: str, figure: TeamFigure, period: Period, *, limit: int
) -> list[tuple[Interaction, str]]:
    """The contacts behind a contact figure, latest first, with their customer's name."""
    if figure.lists is not FigureList.CONTACTS:
        raise ValueError(f"{figure} does not count contacts")
    _table, column, condition = _CONDITIONS[figure]
    sql = (
        f"SELECT {cols(INTERACTION_COLUMNS, 'i.')}, coalesce(c.name, '') FROM "
        f"(SELECT * FROM interactions WHERE {column} = :rm AND {condition} "
        "ORDER BY occurred_at DESC, id DESC LIMIT :limit) i "
        "LEFT JOIN customers c ON c.id = i.customer_id ORDER BY i.occurred_at DESC, i.id DESC"
    )
    rows = _run(conn, sql, {**_params(period), "rm": rm, "limit": limit})
    return [(interaction_from(r[:-1]), str(r[-1])) for r in rows]


# --- the staff directory ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffRow:
    user_id: str
    name: str
    role: str
    last_synced_at: datetime | None


def replace_staff(conn: Connection, staff: Sequence[StaffRow]) -> None:
    """The directory as the gateway last sent it (the whole list each time)."""
    conn.exec_driver_sql("DELETE FROM staff")
    executemany(
        conn,
        "INSERT INTO staff (user_id, name, role, last_synced_at) VALUES (?, ?, ?, ?)",
        [
            (s.user_id, s.name, s.role,
             None if s.last_synced_at is None else s.last_synced_at.isoformat(timespec="seconds"))
            for s in staff
        ],
    )  # fmt: skip


def staff(conn: Connection) -> dict[str, StaffRow]:
    """The directory by user id (empty until a sync brought it)."""
    rows = _run(conn, "SELECT user_id, name, role, last_synced_at FROM staff", {})
    return {
        str(r[0]): StaffRow(
            str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else datetime.fromisoformat(r[3])
        )
        for r in rows
    }


# --- follow-ups newly assigned to the user ----------------------------------------------


def note_assignments(
    conn: Connection, me: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], now: datetime
) -> list[str]:
    """Before pulled task rows are written: flag the open ones that come to `me` from
    someone else, new or moved from another assignee (not my own tasks coming back).
    Returns the task ids flagged."""
    if not me or not rows:
        return []
    at = {name: i for i, name in enumerate(columns)}
    incoming = [
        r for r in rows
        if r[at["assignee"]] == me and r[at["status"]] in OPEN_STATUSES
    ]  # fmt: skip
    if not incoming:
        return []
    ids = [str(r[at["id"]]) for r in incoming]
    before: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for task_id, assignee in conn.exec_driver_sql(
            f"SELECT id, assignee FROM tasks WHERE id IN ({marks})", tuple(chunk)
        ).fetchall():
            before[str(task_id)] = str(assignee)
    flagged: list[tuple[str, str, str]] = []
    when = now.isoformat(timespec="seconds")
    for row in incoming:
        task_id, created_by = str(row[at["id"]]), str(row[at["created_by"]])
        previous = before.get(task_id)
        if previous == me:
            continue  # already mine
        if previous is None and created_by == me:
            continue  # my own follow-up, come back from the server
        # New: its creator gave it. Moved: the task does not say who moved it.
        flagged.append((task_id, created_by if previous is None else "", when))
    executemany(
        conn,
        "INSERT INTO new_assignments (task_id, assigned_by, received_at) VALUES (?, ?, ?) "
        "ON CONFLICT(task_id) DO NOTHING",
        flagged,
    )
    return [f[0] for f in flagged]


@dataclass(frozen=True, slots=True)
class NewAssignment:
    task: FollowUpTask
    assigned_by: str  # user id; "" when the follow-up was moved to the user (who moved it?)
    received_at: datetime
    notified: bool


def new_assignments(conn: Connection, me: str, *, limit: int = 500) -> list[NewAssignment]:
    """Open follow-ups of `me` flagged as new, latest received first."""
    rows = _run(
        conn,
        f"SELECT {cols(TASK_COLUMNS, 't.')}, n.assigned_by, n.received_at, n.notified "
        "FROM new_assignments n JOIN tasks t ON t.id = n.task_id "
        f"WHERE t.assignee = :me AND t.{_OPEN} "
        "ORDER BY n.received_at DESC, t.id LIMIT :limit",
        {"me": me, "limit": limit},
    )
    return [
        NewAssignment(task_from(r[:-3]), str(r[-3]), datetime.fromisoformat(r[-2]), bool(r[-1]))
        for r in rows
    ]


def mark_notified(conn: Connection, task_ids: Sequence[str]) -> None:
    executemany(
        conn, "UPDATE new_assignments SET notified = 1 WHERE task_id = ?", [(i,) for i in task_ids]
    )


def mark_opened(conn: Connection, task_ids: Sequence[str]) -> int:
    """The user opened these follow-ups: they are no longer new. How many were."""
    gone = 0
    for task_id in task_ids:
        result = conn.exec_driver_sql("DELETE FROM new_assignments WHERE task_id = ?", (task_id,))
        gone += max(0, int(result.rowcount or 0))
    return gone
