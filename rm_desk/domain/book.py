"""The book of customers as a list: filters, sort orders and row shapes.

A `BookFilter` is plain data so it can be saved by name ("red churn, not contacted
in 30 days") and rebuilt later; the store turns it into SQL.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rm_desk.domain.errors import ErrorCode, RmDeskError
from rm_desk.domain.model import (
    AumTier,
    ChurnAssessment,
    ChurnLevel,
    ChurnReason,
    Customer,
    FollowUpTask,
    Holding,
    Interaction,
    Lifecycle,
    MonthlySnapshot,
    Segment,
)


class BookColumn(enum.StrEnum):
    NAME = "name"
    CIF = "cif"
    SEGMENT = "segment"
    AUM = "aum"
    LIFECYCLE = "lifecycle"
    CHURN = "churn"
    LAST_CONTACT = "last_contact"
    NEXT_TASK = "next_task"
    OWNER = "owner"


class FilterError(RmDeskError, ValueError):
    """A saved filter that cannot be understood (damaged, or written by another version);
    `detail` says what, for the log."""

    def __init__(self, detail: str) -> None:
        super().__init__(ErrorCode.SAVED_FILTER_UNREADABLE, detail=detail)


@dataclass(frozen=True, slots=True)
class BookFilter:
    segments: frozenset[Segment] = frozenset()
    tiers: frozenset[AumTier] = frozenset()
    lifecycles: frozenset[Lifecycle] = frozenset()
    churn_levels: frozenset[ChurnLevel] = frozenset()
    tags: frozenset[str] = frozenset()  # customers carrying every one of these
    not_contacted_days: int | None = None  # no contact in at least this many days
    task_due_within_days: int | None = None  # an open task due in at most this many days
    owner: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == BookFilter()

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": sorted(s.value for s in self.segments),
            "tiers": sorted(t.value for t in self.tiers),
            "lifecycles": sorted(x.value for x in self.lifecycles),
            "churn_levels": sorted(c.value for c in self.churn_levels),
            "tags": sorted(self.tags),
            "not_contacted_days": self.not_contacted_days,
            "task_due_within_days": self.task_due_within_days,
            "owner": self.owner,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BookFilter:
        try:
            days = data.get("not_contacted_days")
            due = data.get("task_due_within_days")
            for value in (days, due):
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 0
                ):
                    raise FilterError("day counts must be whole numbers of 0 or more")
            owner = data.get("owner")
            for key in ("segments", "tiers", "lifecycles", "churn_levels", "tags"):
                if not isinstance(data.get(key, []), list | tuple):
                    raise FilterError(f"{key} must be a list")
            return cls(
                segments=frozenset(Segment(v) for v in data.get("segments", [])),
                tiers=frozenset(AumTier(v) for v in data.get("tiers", [])),
                lifecycles=frozenset(Lifecycle(v) for v in data.get("lifecycles", [])),
                churn_levels=frozenset(ChurnLevel(v) for v in data.get("churn_levels", [])),
                tags=frozenset(str(v) for v in data.get("tags", [])),
                not_contacted_days=days,
                task_due_within_days=due,
                owner=str(owner) if owner is not None else None,
            )
        except (ValueError, TypeError) as exc:
            if isinstance(exc, FilterError):
                raise
            raise FilterError(f"unknown filter value: {exc}") from None


@dataclass(frozen=True, slots=True)
class BookSort:
    column: BookColumn = BookColumn.NAME
    descending: bool = False


ALL_CUSTOMERS = BookFilter()
BY_NAME = BookSort()


@dataclass(frozen=True, slots=True)
class BookRow:
    """What one line of the book table shows."""

    pk: int
    cif: str
    name: str
    segment: Segment
    lifecycle: Lifecycle
    aum_fen: int
    aum_tier: AumTier
    churn_level: ChurnLevel | None
    churn_score: float | None
    last_contact_at: str | None
    next_task_due: str | None
    open_tasks: int
    tags: tuple[str, ...]
    owner_rm: str
    churn_reason: ChurnReason | None = None  # the largest contribution, for the book


@dataclass(frozen=True, slots=True)
class SearchHit:
    pk: int
    cif: str
    name: str
    segment: Segment
    aum_fen: int
    churn_level: ChurnLevel | None
    mobile_last4: str


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """Everything the 360 view shows, assembled in one read."""

    customer: Customer
    holdings: tuple[Holding, ...]
    snapshots: tuple[MonthlySnapshot, ...]  # oldest first
    interactions: tuple[Interaction, ...]  # newest first
    open_tasks: tuple[FollowUpTask, ...]  # soonest due first
    churn: ChurnAssessment | None
    personal_masked: bool = False
    interactions_total: int = field(default=0)
