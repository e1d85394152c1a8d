"""The manager's view of a team: workload and risk per RM, and reassigning follow-ups.

A manager's store holds the whole team's book (the sync scope of a manager), so
these are local queries. Only the manager role may use them; reassigning a
follow-up is an ordinary task edit (its mutation carries the new assignee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from local_store import team
from rm_desk.domain import permissions
from rm_desk.domain.book import BookColumn, BookFilter, BookRow, BookSort
from rm_desk.domain.errors import ErrorCode
from rm_desk.domain.model import ChurnLevel, FollowUpTask, TaskSource
from rm_desk.services import book as book_service
from rm_desk.services import tasks as task_service
from rm_desk.services.book import PermissionDenied
from rm_desk.services.changes import Changes
from rm_desk.services.session import Session
from rm_desk.services.tasks import InvalidTask, TaskLine

AT_RISK = frozenset({ChurnLevel.RED, ChurnLevel.AMBER})


@dataclass(frozen=True, slots=True)
class RmWorkload:
    """One RM's line on the team dashboard."""

    rm: str
    customers: int
    open_tasks: int
    overdue_tasks: int
    due_today: int
    red: int
    amber: int
    contacts_7d: int  # visits, calls and messages logged in the last 7 days


def _require_manager(session: Session) -> None:
    if not permissions.may(session.role, permissions.Action.VIEW_TEAM):
        raise PermissionDenied(ErrorCode.ROLE_NOT_ALLOWED, detail="only a manager sees the team")


def team_members(session: Session) -> list[str]:
    """Everyone who owns a customer or holds a task in the manager's scope, sorted."""
    _require_manager(session)
    with session.store.read() as conn:
        return team.members(conn)


def team_summary(session: Session) -> list[RmWorkload]:
    """Customers, open and overdue tasks, red/amber customers and recent contacts per RM."""
    _require_manager(session)
    now = session.clock()
    with session.store.read() as conn:
        book = team.customers_by_rm(conn)
        work = team.open_tasks_by_assignee(conn, now.astimezone().date())
        contacts = team.contacts_by_rm(conn, now - timedelta(days=7))
    members = sorted((set(book) | set(work)) - {""})
    out = []
    for rm in members:
        customers, red, amber = book.get(rm, (0, 0, 0))
        open_tasks, overdue, due_today = work.get(rm, (0, 0, 0))
        out.append(
            RmWorkload(rm, customers, open_tasks, overdue, due_today, red, amber,
                       contacts.get(rm, 0))
        )  # fmt: skip
    return out


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
