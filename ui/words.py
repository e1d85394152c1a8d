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
    ChurnReason,
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


# --- churn reasons ------------------------------------------------------------------------


def _number(value: object, decimals: int = 0) -> str | None:
    """A value of a reason as a locale number, or None when it is missing."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return QLocale().toString(float(value), "f", decimals)


def _fen(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return money(int(value))


def _fill(text: str, *args: str) -> str:
    for i, arg in enumerate(args, start=1):
        text = text.replace(f"%{i}", arg)
    return text


def reason_text(reason: ChurnReason) -> str:  # noqa: PLR0912  (one case per reason code)
    """One churn reason in words ("AUM down 38% over 3 months"), from its code and values."""
    code, v = reason.code, reason.values
    value = v.get("value")
    pct = _number(abs(value), 0) if isinstance(value, int | float) else None
    falling = isinstance(value, int | float) and value < 0
    if code in ("aum_change_3m", "aum_drop_3m"):
        if pct is not None and (falling or code == "aum_drop_3m"):
            before, now = _fen(v.get("before_fen")), _fen(v.get("now_fen"))
            if before and now:
                return _fill(_t("Words", "AUM down %1% over 3 months (%2 → %3)"), pct, before, now)
            return _fill(_t("Words", "AUM down %1% over 3 months"), pct)
        return _t("Words", "AUM changed over the last 3 months")
    if code == "deposits_change_3m":
        if pct is not None and falling:
            return _fill(_t("Words", "Deposits down %1% over 3 months"), pct)
        return _t("Words", "Deposits changed over the last 3 months")
    if code == "txn_count_change_3m":
        if pct is not None and falling:
            return _fill(_t("Words", "Transactions down %1% over 3 months"), pct)
        return _t("Words", "Fewer transactions than before")
    if code == "txn_amount_change_3m":
        if pct is not None and falling:
            return _fill(_t("Words", "Transaction amounts down %1% over 3 months"), pct)
        return _t("Words", "Lower transaction amounts than before")
    if code == "products_held_change_6m":
        now, before = _number(v.get("now")), _number(v.get("before"))
        if now is not None and before is not None:
            return _fill(_t("Words", "Products held fell from %1 to %2 in 6 months"), before, now)
        return _t("Words", "Holds fewer products than 6 months ago")
    if code in ("months_without_txn", "inactive_months"):
        months = v.get("value", v.get("months"))
        if isinstance(months, int | float) and not isinstance(months, bool):
            return _t("Words", "No transactions for %n month(s)", "", int(months))
        return _t("Words", "No recent transactions")
    if code == "salary_stopped":
        since = v.get("months_since_salary")
        if isinstance(since, int | float) and not isinstance(since, bool):
            return _t("Words", "Salary credit stopped (last paid %n month(s) ago)", "", int(since))
        return _t("Words", "Salary credit stopped")
    if code == "outflow_other_banks_3m":
        amount = _fen(v.get("amount_fen"))
        if amount and pct is not None:
            return _fill(
                _t("Words", "%1 moved to other banks in 3 months (%2% of AUM)"), amount, pct
            )
        return _t("Words", "Money moving to other banks")
    if code in ("term_maturing_30d", "term_deposit_maturing"):
        amount = _fen(value if code == "term_maturing_30d" else v.get("amount_fen"))
        days = v.get("days")
        if amount and isinstance(days, int | float) and not isinstance(days, bool):
            return _fill(_t("Words", "Term deposit %1 matures in %n day(s)", "", int(days)), amount)
        return _t("Words", "A term deposit matures soon")
    if code == "maturities_not_renewed_90d":
        amount = _fen(v.get("amount_fen"))
        count = int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
        if count and amount:
            return _fill(
                _t("Words", "%n maturity(ies) not renewed in 90 days (%1)", "", count), amount
            )
        return _t("Words", "Maturities not renewed")
    if code == "complaints_90d":
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 1:
            return _t("Words", "%n complaint(s) in 90 days", "", int(value))
        return _t("Words", "Recent complaints")
    if code == "days_since_rm_contact":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _t("Words", "No RM contact for %n day(s)", "", int(value))
        return _t("Words", "No recent RM contact")
    if code == "tenure_months":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _t("Words", "Customer for only %n month(s)", "", int(value))
        return _t("Words", "New relationship")
    return _fill(_t("Words", "Risk indicator: %1"), code)
