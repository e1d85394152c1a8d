"""Today: what the user should do first when the day starts.

Open follow-ups due today and overdue (with how many wait in each, and upcoming),
red-flagged customers not contacted for 30 days, and unfinished notes (drafts). The
Today page only paints this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rm_desk.domain.book import BookColumn, BookFilter, BookRow, BookSort
from rm_desk.domain.model import ChurnLevel, FollowUpTask
from rm_desk.services import book as book_service
from rm_desk.services import notes as note_service
from rm_desk.services import tasks as task_service
from rm_desk.services.notes import Draft
from rm_desk.services.session import Session

NOT_CONTACTED_DAYS = 30
AT_RISK = BookFilter(
    churn_levels=frozenset({ChurnLevel.RED}), not_contacted_days=NOT_CONTACTED_DAYS
)
AT_RISK_ORDER = BookSort(BookColumn.CHURN, descending=True)
SHOWN_CUSTOMERS = 15  # at-risk customers listed (the count says how many there are)
SHOWN_TASKS = 200  # tasks listed per box (the counts say how many there are)


@dataclass(frozen=True, slots=True)
class TodayData:
    today: date
    due: list[FollowUpTask]  # open, due today (the first `SHOWN_TASKS`)
    overdue: list[FollowUpTask]  # open, due before today (the first `SHOWN_TASKS`)
    at_risk_total: int
    at_risk: list[BookRow]  # the riskiest first
    drafts: list[Draft]
    due_count: int = 0
    overdue_count: int = 0
    upcoming_count: int = 0


def load_today(session: Session) -> TodayData:
    """Everything the Today page shows, in one call on the database thread."""
    ids = book_service.book_ids(session, AT_RISK, AT_RISK_ORDER)
    counts = task_service.task_counts(session)
    return TodayData(
        today=session.clock().astimezone().date(),
        due=task_service.tasks_view(session, "today")[:SHOWN_TASKS],
        overdue=task_service.tasks_view(session, "overdue")[:SHOWN_TASKS],
        at_risk_total=len(ids),
        at_risk=book_service.book_rows(session, ids[:SHOWN_CUSTOMERS]),
        drafts=note_service.drafts(session),
        due_count=counts["today"],
        overdue_count=counts["overdue"],
        upcoming_count=counts["upcoming"],
    )
