"""Today: what the user should do first when the day starts.

The work queue: the user's open follow-ups that are overdue, due today or upcoming,
each with its customer's name, kind (where it came from), priority, due date and
reason, and whether it was newly assigned to the user; with true counts per state
(SQL COUNTs, however many rows are shown). Upcoming means due in the next
`UPCOMING_DAYS` days after today (tomorrow up to a week ahead): far enough to plan
the week, near enough that the queue stays a list of things to do now. Also
red-flagged customers not contacted for 30 days, and unfinished notes (drafts). The
Today page only paints this.

Customer names are shown as the book shows them (the book lists names to every role
that sees the customer; masking hides the personal fields: mobile, ID, email,
address).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta

from local_store import today as queue_store
from rm_desk.domain.book import BookColumn, BookFilter, BookRow, BookSort
from rm_desk.domain.model import ChurnLevel, TaskPriority, TaskSource
from rm_desk.services import book as book_service
from rm_desk.services import notes as note_service
from rm_desk.services.notes import Draft
from rm_desk.services.session import Session

NOT_CONTACTED_DAYS = 30
AT_RISK = BookFilter(
    churn_levels=frozenset({ChurnLevel.RED}), not_contacted_days=NOT_CONTACTED_DAYS
)
AT_RISK_ORDER = BookSort(BookColumn.CHURN, descending=True)
SHOWN_CUSTOMERS = 15  # at-risk customers listed (the count says how many there are)
UPCOMING_DAYS = 7  # "upcoming": due from tomorrow up to a week ahead
SHOWN_QUEUE = 500  # follow-ups listed in the queue (the counts say how many there are)


class QueueState(enum.StrEnum):
    OVERDUE = "overdue"
    DUE = "due"  # due today
    UPCOMING = "upcoming"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One follow-up of the Today queue, as the page lists it."""

    task_id: str
    customer_id: str
    customer_name: str
    kind: TaskSource
    priority: TaskPriority
    due: date
    reason: str  # the follow-up's title: why the customer is to be contacted
    detail: str
    state: QueueState
    is_new: bool  # assigned to the user by someone else and not opened yet


@dataclass(frozen=True, slots=True)
class TodayQueue:
    rows: list[QueueRow]  # the first `SHOWN_QUEUE`, soonest and most urgent first
    counts: dict[QueueState, int] = field(default_factory=dict)  # true counts per state
    new_count: int = 0  # of the whole queue, not only the shown rows

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _state(due: date, today: date) -> QueueState:
    if due < today:
        return QueueState.OVERDUE
    return QueueState.DUE if due == today else QueueState.UPCOMING


def load_queue(session: Session, *, limit: int = SHOWN_QUEUE) -> TodayQueue:
    """The user's Today queue (on the database thread)."""
    today = session.clock().astimezone().date()
    last = today + timedelta(days=UPCOMING_DAYS)
    with session.store.read() as conn:
        records = queue_store.queue(conn, session.user, today=today, last=last, limit=limit)
        counts = queue_store.queue_counts(conn, session.user, today=today, last=last)
    rows = [
        QueueRow(
            task_id=r.task.id,
            customer_id=r.task.customer_id,
            customer_name=r.customer_name,
            kind=r.task.source,
            priority=r.task.priority,
            due=r.task.due,
            reason=r.task.title,
            detail=r.task.detail,
            state=_state(r.task.due, today),
            is_new=r.is_new,
        )
        for r in records
    ]
    return TodayQueue(rows, {s: counts[s.value] for s in QueueState}, counts["new"])


@dataclass(frozen=True, slots=True)
class TodayData:
    today: date
    queue: TodayQueue  # overdue, due today and upcoming follow-ups, with their counts
    at_risk_total: int
    at_risk: list[BookRow]  # the riskiest first
    drafts: list[Draft]


def load_today(session: Session) -> TodayData:
    """Everything the Today page shows, in one call on the database thread."""
    ids = book_service.book_ids(session, AT_RISK, AT_RISK_ORDER)
    return TodayData(
        today=session.clock().astimezone().date(),
        queue=load_queue(session, limit=SHOWN_QUEUE),
        at_risk_total=len(ids),
        at_risk=book_service.book_rows(session, ids[:SHOWN_CUSTOMERS]),
        drafts=note_service.drafts(session),
    )
