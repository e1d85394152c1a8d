"""Domain codes as words in the interface language.

The core returns codes and values (a segment, a lifecycle stage, a churn reason);
this module is the one place that turns them into translated text. Each lookup
calls `translate` with literal arguments so `pyside6-lupdate` extracts them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from rm_desk.domain.model import (
    AumTier,
    ChurnLevel,
    HoldingKind,
    InteractionKind,
    Lifecycle,
    Role,
    Segment,
    TaskPriority,
    TaskSource,
    TaskStatus,
)

_t = QCoreApplication.translate


def segment(value: Segment) -> str:
    return {
        Segment.MASS: _t("Words", "Mass"),
        Segment.AFFLUENT: _t("Words", "Affluent"),
        Segment.PRIVATE: _t("Words", "Private banking"),
    }[value]


def lifecycle(value: Lifecycle) -> str:
    return {
        Lifecycle.NEW: _t("Words", "New"),
        Lifecycle.ACTIVE: _t("Words", "Active"),
        Lifecycle.DORMANT: _t("Words", "Dormant"),
        Lifecycle.AT_RISK: _t("Words", "At risk"),
        Lifecycle.LOST: _t("Words", "Lost"),
    }[value]


def tier(value: AumTier) -> str:
    return {
        AumTier.BELOW_50K: _t("Words", "Under ¥50k"),
        AumTier.FROM_50K: _t("Words", "¥50k–500k"),
        AumTier.FROM_500K: _t("Words", "¥500k–6M"),
        AumTier.FROM_6M: _t("Words", "¥6M–30M"),
        AumTier.FROM_30M: _t("Words", "¥30M and above"),
    }[value]


def churn_level(value: ChurnLevel) -> str:
    return {
        ChurnLevel.RED: _t("Words", "Red"),
        ChurnLevel.AMBER: _t("Words", "Amber"),
        ChurnLevel.GREEN: _t("Words", "Green"),
    }[value]


def score_text(score: float) -> str:
    return _t("Words", "Churn score %1").replace("%1", QLocale().toString(score * 100, "f", 0))


def interaction_kind(value: InteractionKind) -> str:
    return {
        InteractionKind.VISIT: _t("Words", "Visit"),
        InteractionKind.CALL: _t("Words", "Call"),
        InteractionKind.MESSAGE: _t("Words", "Message"),
        InteractionKind.SERVICE: _t("Words", "Service contact"),
        InteractionKind.COMPLAINT: _t("Words", "Complaint"),
    }[value]


def holding_kind(value: HoldingKind) -> str:
    return {
        HoldingKind.DEMAND_DEPOSIT: _t("Words", "Demand deposit"),
        HoldingKind.TERM_DEPOSIT: _t("Words", "Term deposit"),
        HoldingKind.WEALTH: _t("Words", "Wealth management"),
        HoldingKind.FUND: _t("Words", "Fund"),
        HoldingKind.LOAN: _t("Words", "Loan"),
        HoldingKind.CARD: _t("Words", "Credit card"),
        HoldingKind.INSURANCE: _t("Words", "Insurance"),
    }[value]


def task_status(value: TaskStatus) -> str:
    return {
        TaskStatus.OPEN: _t("Words", "Open"),
        TaskStatus.IN_PROGRESS: _t("Words", "In progress"),
        TaskStatus.DONE: _t("Words", "Done"),
        TaskStatus.CANCELLED: _t("Words", "Cancelled"),
    }[value]


def task_priority(value: TaskPriority) -> str:
    return {
        TaskPriority.LOW: _t("Words", "Low"),
        TaskPriority.NORMAL: _t("Words", "Normal"),
        TaskPriority.HIGH: _t("Words", "High"),
        TaskPriority.URGENT: _t("Words", "Urgent"),
    }[value]


def task_source(value: TaskSource) -> str:
    return {
        TaskSource.MANUAL: _t("Words", "Manual"),
        TaskSource.CHURN_ACTION: _t("Words", "Churn action"),
        TaskSource.MANAGER: _t("Words", "From manager"),
        TaskSource.NOTE_NEXT_STEP: _t("Words", "Next step of a note"),
        TaskSource.HANDOFF: _t("Words", "Handed over by branch staff"),
    }[value]


def role(value: Role) -> str:
    return {
        Role.RM: _t("Words", "Relationship manager"),
        Role.TELLER: _t("Words", "Branch staff"),
        Role.MANAGER: _t("Words", "Manager"),
        Role.ADMIN: _t("Words", "Administrator"),
    }[value]


def money(fen: int) -> str:
    """An amount in fen as yuan with the locale's grouping, e.g. ¥1,234,567.00."""
    return "¥" + QLocale().toString(fen / 100, "f", 2)
