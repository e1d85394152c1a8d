"""The figures of the manager's team dashboard, each the size of one list: a figure's
count and the list it drills down to are the same query (local_store/team.py)."""

from __future__ import annotations

import enum


class FigureList(enum.StrEnum):
    """What a figure counts, so what its drill-down lists."""

    TASKS = "tasks"
    CUSTOMERS = "customers"
    CONTACTS = "contacts"


class TeamFigure(enum.StrEnum):
    CUSTOMERS = "customers"  # customers the RM owns
    OPEN = "open"  # open follow-ups the RM holds
    OVERDUE = "overdue"  # open, due before today
    DUE_TODAY = "due_today"
    RED = "red"  # customers at red churn risk
    AMBER = "amber"
    AT_RISK = "at_risk"  # red or amber; their AUM is the AUM at risk
    VISITS_WEEK = "visits_week"  # visits the RM logged since Monday
    CALLS_WEEK = "calls_week"
    VISITS_MONTH = "visits_month"  # since the first of the month
    CALLS_MONTH = "calls_month"

    @property
    def lists(self) -> FigureList:
        if self in _TASK_FIGURES:
            return FigureList.TASKS
        if self in _CONTACT_FIGURES:
            return FigureList.CONTACTS
        return FigureList.CUSTOMERS


_TASK_FIGURES = frozenset({TeamFigure.OPEN, TeamFigure.OVERDUE, TeamFigure.DUE_TODAY})
_CONTACT_FIGURES = frozenset(
    {
        TeamFigure.VISITS_WEEK,
        TeamFigure.CALLS_WEEK,
        TeamFigure.VISITS_MONTH,
        TeamFigure.CALLS_MONTH,
    }
)
