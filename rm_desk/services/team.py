"""The manager's view of a team: workload and risk per RM, and reassigning follow-ups.

A manager's store holds the whole team's book (the sync scope of a manager), so
these are local queries. Only the manager role may use them; reassigning a
follow-up is an ordinary task edit (its mutation carries the new assignee).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from local_store import team
from rm_desk.domain import permissions
from rm_desk.domain.book import BookColumn, BookFilter, BookRow, BookSort
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import ChurnLevel, FollowUpTask, Interaction, TaskSource
from rm_desk.domain.team import FigureList as Listed
from rm_desk.domain.team import TeamFigure
from rm_desk.services import book as book_service
from rm_desk.services import tasks as task_service
from rm_desk.services.book import PermissionDenied
from rm_desk.services.changes import Changes
from rm_desk.services.session import Session
from rm_desk.services.tasks import InvalidTask, TaskLine

NewAssignment = team.NewAssignment  # a follow-up newly given to the user (see below)

AT_RISK = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})


@dataclass(frozen=True, slots=True)
class RmWorkload:
    """One RM's line on the team dashboard: every figure is a SQL COUNT of the list it
    drills down to (`figure_list`)."""

    rm: str
    name: str  # from the staff directory; the user id until a sync brought the directory
    figures: Mapping[TeamFigure, int]
    aum_at_risk_fen: int  # AUM of the red and amber customers
    last_synced_at: datetime | None  # the RM's device's last finished sync (the gateway's)

    def __getitem__(self, figure: TeamFigure) -> int:
        return self.figures.get(figure, 0)

    # The names the Team page and older callers read.
    @property
    def customers(self) -> int:
        return self[TeamFigure.CUSTOMERS]

    @property
    def open_tasks(self) -> int:
        return self[TeamFigure.OPEN]

    @property
    def overdue_tasks(self) -> int:
        return self[TeamFigure.OVERDUE]

    @property
    def due_today(self) -> int:
        return self[TeamFigure.DUE_TODAY]

    @property
    def red(self) -> int:
        return self[TeamFigure.RED]

    @property
    def amber(self) -> int:
        return self[TeamFigure.AMBER]


def _require_manager(session: Session) -> None:
    if not permissions.may(session.role, permissions.Action.VIEW_TEAM):
        raise PermissionDenied(ErrorCode.ROLE_NOT_ALLOWED, detail="only a manager sees the team")


def period_of(now: datetime) -> team.Period:
    """Today, and where this week (Monday) and this month began, at local midnight in
    the user's time zone (each midnight with its own UTC offset: a month may start on
    the day summer time ends)."""
    today = now.astimezone().date()

    def midnight(day: date) -> str:
        # A naive local time: astimezone() finds the offset in force on that day.
        local = datetime.combine(day, time.min).astimezone()
        return local.astimezone(UTC).isoformat(timespec="seconds")

    return team.Period(
        today, midnight(today - timedelta(days=today.weekday())), midnight(today.replace(day=1))
    )


def team_members(session: Session) -> list[str]:
    """Everyone who owns a customer or holds a task in the manager's scope, and the RMs
    of the staff directory, sorted."""
    _require_manager(session)
    with session.store.read() as conn:
        return team.members(conn)


def staff_names(session: Session) -> dict[str, str]:
    """Colleagues' names by user id, from the staff directory (empty before a sync)."""
    with session.store.read() as conn:
        return {user: row.name for user, row in team.staff(conn).items()}


def team_summary(session: Session) -> list[RmWorkload]:
    """Every dashboard figure per RM, by name."""
    _require_manager(session)
    period = period_of(session.clock())
    with session.store.read() as conn:
        figures = team.figures_by_rm(conn, period)
        at_risk = team.aum_at_risk_by_rm(conn)
        directory = team.staff(conn)
        rms = set(team.members(conn))
    out = []
    for rm in rms - {""}:
        known = directory.get(rm)
        out.append(
            RmWorkload(
                rm,
                known.name if known is not None and known.name else rm,
                figures.get(rm, {}),
                at_risk.get(rm, 0),
                known.last_synced_at if known is not None else None,
            )
        )
    return sorted(out, key=lambda w: (w.name, w.rm))


@dataclass(frozen=True, slots=True)
class FigureList:
    """The list behind one figure of one RM: its true `count` and the first `limit`
    rows (tasks, customers or contacts, by `figure.lists`)."""

    rm: str
    figure: TeamFigure
    count: int
    tasks: list[TaskLine]
    customers: list[BookRow]
    contacts: list[tuple[Interaction, str]]

    @property
    def shown(self) -> int:
        return len(self.tasks) + len(self.customers) + len(self.contacts)


DRILL_LIMIT = 5000  # rows a drill-down list holds; the count says when there are more


def figure_list(
    session: Session, rm: str, figure: TeamFigure, *, limit: int = DRILL_LIMIT
) -> FigureList:
    """What one figure of one RM counts: the count and the list, in one read."""
    _require_manager(session)
    period = period_of(session.clock())
    tasks: list[TaskLine] = []
    customers: list[BookRow] = []
    contacts: list[tuple[Interaction, str]] = []
    with session.store.read() as conn:
        count = team.figure_count(conn, rm, figure, period)
        if figure.lists is Listed.TASKS:
            tasks = [TaskLine(t, n) for t, n in team.figure_tasks(conn, rm, figure, period,
                                                                  limit=limit)]  # fmt: skip
        elif figure.lists is Listed.CUSTOMERS:
            customers = team.figure_customers(conn, rm, figure, period, limit=limit)
        else:
            contacts = team.figure_contacts(conn, rm, figure, period, limit=limit)
    return FigureList(rm, figure, count, tasks, customers, contacts)


def team_tasks(
    session: Session, rm: str, view: str = "open", *, limit: int = 1000
) -> list[TaskLine]:
    """One RM's tasks for a view ('open', 'overdue', 'today', 'upcoming', 'done')."""
    _require_manager(session)
    return task_service.task_lines(session, view, assignee=rm, limit=limit)


def at_risk_customers(session: Session, rm: str, limit: int = 200) -> list[BookRow]:
    """One RM's red and amber customers, highest churn score first."""
    _require_manager(session)
    ids = book_service.book_ids(
        session,
        BookFilter(churn_levels=AT_RISK, owner=rm),
        BookSort(BookColumn.CHURN, descending=True),
    )
    return book_service.book_rows(session, ids[:limit])


def reassign_task(session: Session, task_id: str, assignee: str) -> tuple[FollowUpTask, Changes]:
    """Give a follow-up to another member of the team (manager only)."""
    _require_manager(session)
    session.require(permissions.Action.REASSIGN_TASK, "Your role may not reassign follow-ups.")
    assignee = assignee.strip()
    if assignee not in team_members(session):
        raise InvalidTask(ErrorCode.TASK_ASSIGNEE_NOT_IN_TEAM, assignee=assignee or "-")
    return task_service.update_task(session, task_id, assignee=assignee)


def assign_new_task(
    session: Session, customer_id: str, title: str, due: date, assignee: str
) -> tuple[FollowUpTask, Changes]:
    """A new follow-up the manager gives to an RM (source: manager)."""
    _require_manager(session)
    session.require(permissions.Action.ASSIGN_TASK, "Your role may not assign follow-ups.")
    if assignee not in team_members(session):
        raise InvalidTask(ErrorCode.TASK_ASSIGNEE_NOT_IN_TEAM, assignee=assignee or "-")
    return task_service.create_task(
        session, customer_id, title, due, assignee=assignee, source=TaskSource.MANAGER
    )


# --- follow-ups newly assigned to the user ---------------------------------------------------


def new_assignments(session: Session) -> list[NewAssignment]:
    """The user's open follow-ups that someone else gave them and that they have not
    opened yet, latest received first (sync flags them as they arrive)."""
    with session.store.read() as conn:
        return team.new_assignments(conn, session.user)


def assignments_to_announce(session: Session) -> list[NewAssignment]:
    """New assignments not announced yet; they are marked announced (not opened)."""
    with session.store.transaction() as conn:
        fresh = [a for a in team.new_assignments(conn, session.user) if not a.notified]
        team.mark_notified(conn, [a.task.id for a in fresh])
    return fresh


def mark_assignments_opened(session: Session, task_ids: list[str]) -> Changes:
    """The user opened these follow-ups: they are no longer new."""
    with session.store.transaction() as conn:
        gone = team.mark_opened(conn, task_ids)
    return Changes(tasks=True) if gone else Changes()
