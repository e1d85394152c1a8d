"""Domain codes as words in the interface language.

The core returns codes and values (a segment, a lifecycle stage, a churn reason);
this module is the one place that turns them into translated text. Each lookup
calls `translate` with literal arguments so `pyside6-lupdate` extracts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import assert_never

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

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
from rm_desk.domain.rules import ReasonCode


def segment(value: Segment) -> str:
    return {
        Segment.MASS: QCoreApplication.translate("Words", "Mass"),
        Segment.AFFLUENT: QCoreApplication.translate("Words", "Affluent"),
        Segment.PRIVATE: QCoreApplication.translate("Words", "Private banking"),
    }[value]


def lifecycle(value: Lifecycle) -> str:
    return {
        Lifecycle.NEW: QCoreApplication.translate("Words", "New"),
        Lifecycle.ACTIVE: QCoreApplication.translate("Words", "Active"),
        Lifecycle.DORMANT: QCoreApplication.translate("Words", "Dormant"),
        # The CRM's lifecycle stage, set by the bank, is not the churn model's level:
        # its words never say "risk" or read like a level (issue #16).
        Lifecycle.AT_RISK: QCoreApplication.translate("Words", "Declining"),
        Lifecycle.LOST: QCoreApplication.translate("Words", "Lapsed"),
    }[value]


def tier(value: AumTier) -> str:
    return {
        AumTier.BELOW_50K: QCoreApplication.translate("Words", "Under ¥50k"),
        AumTier.FROM_50K: QCoreApplication.translate("Words", "¥50k–500k"),
        AumTier.FROM_500K: QCoreApplication.translate("Words", "¥500k–6M"),
        AumTier.FROM_6M: QCoreApplication.translate("Words", "¥6M–30M"),
        AumTier.FROM_30M: QCoreApplication.translate("Words", "¥30M and above"),
    }[value]


def churn_level(value: ChurnLevel) -> str:
    return {
        ChurnLevel.RED: QCoreApplication.translate("Words", "Red"),
        ChurnLevel.AMBER: QCoreApplication.translate("Words", "Amber"),
        ChurnLevel.GREEN: QCoreApplication.translate("Words", "Green"),
    }[value]


def percent(score: float) -> str:
    """A churn score (the model's probability of leaving) as a percentage."""
    decimals = 1 if score < 0.1 else 0
    return QLocale().toString(score * 100, "f", decimals) + "%"


def score_text(score: float) -> str:
    return QCoreApplication.translate("Words", "Leave probability %1").replace("%1", percent(score))


def interaction_kind(value: InteractionKind) -> str:
    return {
        InteractionKind.VISIT: QCoreApplication.translate("Words", "Visit"),
        InteractionKind.CALL: QCoreApplication.translate("Words", "Call"),
        InteractionKind.MESSAGE: QCoreApplication.translate("Words", "Message"),
        InteractionKind.SERVICE: QCoreApplication.translate("Words", "Service contact"),
        InteractionKind.COMPLAINT: QCoreApplication.translate("Words", "Complaint"),
    }[value]


def holding_kind(value: HoldingKind) -> str:
    return {
        HoldingKind.DEMAND_DEPOSIT: QCoreApplication.translate("Words", "Demand deposit"),
        HoldingKind.TERM_DEPOSIT: QCoreApplication.translate("Words", "Term deposit"),
        HoldingKind.WEALTH: QCoreApplication.translate("Words", "Wealth management"),
        HoldingKind.FUND: QCoreApplication.translate("Words", "Fund"),
        HoldingKind.LOAN: QCoreApplication.translate("Words", "Loan"),
        HoldingKind.CARD: QCoreApplication.translate("Words", "Credit card"),
        HoldingKind.INSURANCE: QCoreApplication.translate("Words", "Insurance"),
    }[value]


def task_status(value: TaskStatus) -> str:
    return {
        TaskStatus.OPEN: QCoreApplication.translate("Words", "Open"),
        TaskStatus.IN_PROGRESS: QCoreApplication.translate("Words", "In progress"),
        TaskStatus.DONE: QCoreApplication.translate("Words", "Done"),
        TaskStatus.CANCELLED: QCoreApplication.translate("Words", "Cancelled"),
    }[value]


def task_priority(value: TaskPriority) -> str:
    return {
        TaskPriority.LOW: QCoreApplication.translate("Words", "Low"),
        TaskPriority.NORMAL: QCoreApplication.translate("Words", "Normal"),
        TaskPriority.HIGH: QCoreApplication.translate("Words", "High"),
        TaskPriority.URGENT: QCoreApplication.translate("Words", "Urgent"),
    }[value]


def task_source(value: TaskSource) -> str:
    return {
        TaskSource.MANUAL: QCoreApplication.translate("Words", "Manual"),
        TaskSource.CHURN_ACTION: QCoreApplication.translate("Words", "Churn action"),
        TaskSource.MANAGER: QCoreApplication.translate("Words", "From manager"),
        TaskSource.NOTE_NEXT_STEP: QCoreApplication.translate("Words", "Next step of a note"),
        TaskSource.HANDOFF: QCoreApplication.translate("Words", "Handed over by branch staff"),
    }[value]


def role(value: Role) -> str:
    return {
        Role.RM: QCoreApplication.translate("Words", "Relationship manager"),
        Role.TELLER: QCoreApplication.translate("Words", "Branch staff"),
        Role.MANAGER: QCoreApplication.translate("Words", "Manager"),
        Role.ADMIN: QCoreApplication.translate("Words", "Administrator"),
    }[value]


def field_name(name: str) -> str:
    """A customer, task or note field by its wire name ("mobile" → "Mobile"); an unknown
    name as it is."""
    names = {
        "mobile": QCoreApplication.translate("Words", "Mobile"),
        "email": QCoreApplication.translate("Words", "E-mail"),
        "tags": QCoreApplication.translate("Words", "Tags"),
        "name": QCoreApplication.translate("Words", "Name"),
        "id_type": QCoreApplication.translate("Words", "ID type"),
        "id_number": QCoreApplication.translate("Words", "ID number"),
        "birth_date": QCoreApplication.translate("Words", "Date of birth"),
        "address": QCoreApplication.translate("Words", "Address of record"),
        "kyc_expiry": QCoreApplication.translate("Words", "KYC expiry"),
        "risk_profile": QCoreApplication.translate("Words", "Risk profile"),
        "title": QCoreApplication.translate("Words", "Title"),
        "due": QCoreApplication.translate("Words", "Due date"),
        "priority": QCoreApplication.translate("Words", "Priority"),
        "assignee": QCoreApplication.translate("Words", "Assignee"),
        "status": QCoreApplication.translate("Words", "Status"),
        "outcome": QCoreApplication.translate("Words", "Outcome"),
        "detail": QCoreApplication.translate("Words", "Details"),
        "subject": QCoreApplication.translate("Words", "Subject"),
        "note": QCoreApplication.translate("Words", "Note"),
        "participants": QCoreApplication.translate("Words", "Participants"),
        "next_step": QCoreApplication.translate("Words", "Next step"),
        "kind": QCoreApplication.translate("Words", "Kind of contact"),
        "occurred_at": QCoreApplication.translate("Words", "Date and time"),
    }
    return names.get(name.split(".", maxsplit=1)[0], name)


def record_kind(entity: str) -> str:
    """What a synced record is, by its wire entity ("task" → "Task"); unknown as it is."""
    kinds = {
        "customer": QCoreApplication.translate("Words", "Customer details"),
        "interaction": QCoreApplication.translate("Words", "Contact note"),
        "task": QCoreApplication.translate("Words", "Task"),
        "churn_event": QCoreApplication.translate("Words", "Answer to a churn flag"),
    }
    return kinds.get(entity, entity)


def money(fen: int) -> str:
    """An amount in fen as yuan with the locale's grouping, e.g. ¥1,234,567.00."""
    return "¥" + QLocale().toString(fen / 100, "f", 2)


def day_pattern() -> str:
    """The locale's short date pattern with a four-digit year (M/d/yyyy, yyyy/M/d): a
    two-digit year is ambiguous on a bank's records. Date editors show days in it too."""
    pattern = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern:
        pattern = re.sub(r"y+", "yyyy", pattern)
    return pattern


def time_pattern() -> str:
    """The locale's short time pattern (h:mm AP, HH:mm)."""
    return QLocale().timeFormat(QLocale.FormatType.ShortFormat)


def moment_pattern() -> str:
    """A date and a time as every page shows one (date-time editors use it too)."""
    return f"{day_pattern()} {time_pattern()}"


def day(value: date) -> str:
    """A date in the locale's short form with a four-digit year (12/3/2026, 2026/12/3)."""
    return QLocale().toString(QDate(value.year, value.month, value.day), day_pattern())


def _local(value: datetime) -> datetime:
    """An instant in the user's time zone (a naive one is taken as local already)."""
    return value.astimezone() if value.tzinfo is not None else value


def clock_time(value: datetime) -> str:
    """The time of day of an instant, in the user's time zone (2:05 PM, 14:05)."""
    local = _local(value)
    return QLocale().toString(QTime(local.hour, local.minute), time_pattern())


def moment(value: datetime) -> str:
    """An instant as a date and a time in the user's time zone (12/3/2026 2:05 PM,
    2026/12/3 14:05): the one format of a date-time on every page and in tooltips."""
    local = _local(value)
    return f"{day(local.date())} {clock_time(local)}"


def moment_iso(text: str | None) -> str:
    """A stored ISO-8601 instant as `moment`; empty when there is none."""
    return moment(datetime.fromisoformat(text)) if text else ""


def day_iso(text: str | None) -> str:
    """A stored ISO-8601 date or instant as `day` (an instant on the user's local day)."""
    if not text:
        return ""
    value = datetime.fromisoformat(text)
    return day(_local(value).date() if value.tzinfo is not None else value.date())


def ago(value: datetime, now: datetime) -> str:
    """An instant relative to `now` (the session's clock), where that reads better than
    a date: "just now" under a minute, "%n minute(s) ago" under an hour, "%n hour(s)
    ago" the same day, "yesterday 14:05", the weekday and time within a week, and the
    full `moment` beyond that or in the future. Whoever shows it refreshes it (it goes
    stale) and puts `moment` in the tooltip."""
    seconds = (now - value).total_seconds()
    if seconds < -60:  # ahead of the clock: no relative word fits
        return moment(value)
    if seconds < 60:  # a few seconds ahead is a clock's drift, not the future
        return QCoreApplication.translate("Words", "just now")
    if seconds < 3600:
        return QCoreApplication.translate("Words", "%n minute(s) ago", "", int(seconds // 60))
    local, today = _local(value), _local(now).date()
    days = (today - local.date()).days
    if days == 0:
        return QCoreApplication.translate("Words", "%n hour(s) ago", "", int(seconds // 3600))
    if days == 1:
        return QCoreApplication.translate("Words", "yesterday %1").replace("%1", clock_time(local))
    if days < 7:
        weekday = QLocale().dayName(local.isoweekday(), QLocale.FormatType.LongFormat)
        return f"{weekday} {clock_time(local)}"
    return moment(value)


def duration(seconds: float) -> str:
    """A wait as people say it: seconds under a minute, then whole minutes (rounded
    up: "15 minutes" until it is 14), then hours and minutes ("1 hour 30 minutes")."""
    whole = max(1, int(-(-seconds // 1)))  # rounded up: never "0 seconds" while waiting
    if whole < 60:
        return QCoreApplication.translate("Words", "%n second(s)", "", whole)
    minutes = -(-whole // 60)
    if minutes < 60:
        return QCoreApplication.translate("Words", "%n minute(s)", "", minutes)
    hours, minutes = divmod(minutes, 60)
    text = QCoreApplication.translate("Words", "%n hour(s)", "", hours)
    if minutes:
        text = (
            QCoreApplication.translate("Words", "%1 %2")
            .replace("%1", text)
            .replace("%2", QCoreApplication.translate("Words", "%n minute(s)", "", minutes))
        )
    return text


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


def _counted(value: object) -> int | None:
    """A value of a reason as a whole count, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


# Reasons that are a change in percent: their words when it fell (%1 the percentage), when
# it rose, and when the value is missing.
_PERCENT_CHANGE: dict[ReasonCode, Callable[[], tuple[str, str, str]]] = {
    ReasonCode.AUM_CHANGE_3M: lambda: (
        QCoreApplication.translate("Words", "AUM down %1% over 3 months"),
        QCoreApplication.translate("Words", "AUM up %1% over 3 months"),
        QCoreApplication.translate("Words", "AUM changed over the last 3 months"),
    ),
    ReasonCode.DEPOSITS_CHANGE_3M: lambda: (
        QCoreApplication.translate("Words", "Deposits down %1% over 3 months"),
        QCoreApplication.translate("Words", "Deposits up %1% over 3 months"),
        QCoreApplication.translate("Words", "Deposits changed over the last 3 months"),
    ),
    ReasonCode.TXN_COUNT_CHANGE_3M: lambda: (
        QCoreApplication.translate("Words", "Transactions down %1% over 3 months"),
        QCoreApplication.translate("Words", "Transactions up %1% over 3 months"),
        QCoreApplication.translate("Words", "Transaction count changed over 3 months"),
    ),
    ReasonCode.TXN_AMOUNT_CHANGE_3M: lambda: (
        QCoreApplication.translate("Words", "Transaction amounts down %1% over 3 months"),
        QCoreApplication.translate("Words", "Transaction amounts up %1% over 3 months"),
        QCoreApplication.translate("Words", "Transaction amounts changed over 3 months"),
    ),
}

# Reasons that are a count: the key of the count among the values, the least count told
# in numbers, the words for a count of n (%n) and the words when there is none.
_COUNT: dict[ReasonCode, tuple[str, int | None, Callable[[int], str], Callable[[], str]]] = {
    ReasonCode.MONTHS_WITHOUT_TXN: (
        "value",
        None,
        lambda n: QCoreApplication.translate("Words", "No transactions for %n month(s)", "", n),
        lambda: QCoreApplication.translate("Words", "No recent transactions"),
    ),
    ReasonCode.SALARY_STOPPED: (
        "months_since_salary",
        None,
        lambda n: QCoreApplication.translate(
            "Words", "Salary credit stopped (last paid %n month(s) ago)", "", n
        ),
        lambda: QCoreApplication.translate("Words", "Salary credit stopped"),
    ),
    ReasonCode.COMPLAINTS_90D: (
        "value",
        1,
        lambda n: QCoreApplication.translate("Words", "%n complaint(s) in 90 days", "", n),
        lambda: QCoreApplication.translate("Words", "Recent complaints"),
    ),
    ReasonCode.DAYS_SINCE_RM_CONTACT: (
        "value",
        None,
        lambda n: QCoreApplication.translate("Words", "No RM contact for %n day(s)", "", n),
        lambda: QCoreApplication.translate("Words", "No recent RM contact"),
    ),
    ReasonCode.TENURE_MONTHS: (
        "value",
        1,  # under a month: "new relationship", never "0 months"
        lambda n: QCoreApplication.translate("Words", "Customer for only %n month(s)", "", n),
        lambda: QCoreApplication.translate("Words", "New relationship"),
    ),
}


def reason_text(reason: ChurnReason) -> str:
    """One churn reason in words ("AUM down 38% over 3 months"), from its code and values.
    Every ReasonCode has its case (mypy's assert_never and a test hold that)."""
    code, v = reason.code, reason.values
    value = v.get("value")
    match code:
        case (
            ReasonCode.AUM_CHANGE_3M
            | ReasonCode.DEPOSITS_CHANGE_3M
            | ReasonCode.TXN_COUNT_CHANGE_3M
            | ReasonCode.TXN_AMOUNT_CHANGE_3M
        ):
            pct = _number(abs(value), 0) if isinstance(value, int | float) else None
            falling = isinstance(value, int | float) and value < 0
            before, now = _fen(v.get("before_fen")), _fen(v.get("now_fen"))
            if code is ReasonCode.AUM_CHANGE_3M and pct is not None and falling and before and now:
                return _fill(
                    QCoreApplication.translate("Words", "AUM down %1% over 3 months (%2 → %3)"),
                    pct,
                    before,
                    now,
                )
            down, up, changed = _PERCENT_CHANGE[code]()
            if pct is None:
                return changed
            return _fill(down if falling else up, pct)
        case (
            ReasonCode.MONTHS_WITHOUT_TXN
            | ReasonCode.SALARY_STOPPED
            | ReasonCode.COMPLAINTS_90D
            | ReasonCode.DAYS_SINCE_RM_CONTACT
            | ReasonCode.TENURE_MONTHS
        ):
            key, least, counted, uncounted = _COUNT[code]
            raw = v.get(key)
            n = _counted(raw)
            if n is None or (least is not None and isinstance(raw, int | float) and raw < least):
                return uncounted()
            return counted(n)
        case ReasonCode.PRODUCTS_HELD_CHANGE_6M:
            now, before = _number(v.get("now")), _number(v.get("before"))
            if now is not None and before is not None:
                return _fill(
                    QCoreApplication.translate(
                        "Words", "Products held fell from %1 to %2 in 6 months"
                    ),
                    before,
                    now,
                )
            return QCoreApplication.translate("Words", "Holds fewer products than 6 months ago")
        case ReasonCode.OUTFLOW_OTHER_BANKS_3M:
            amount = _fen(v.get("amount_fen"))
            pct = _number(abs(value), 0) if isinstance(value, int | float) else None
            if amount and pct is not None:
                return _fill(
                    QCoreApplication.translate(
                        "Words", "%1 moved to other banks in 3 months (%2% of AUM)"
                    ),
                    amount,
                    pct,
                )
            return QCoreApplication.translate("Words", "Money moving to other banks")
        case ReasonCode.TERM_MATURING_30D:
            amount, days = _fen(value), _counted(v.get("days"))
            if amount and days == 0:
                return _fill(
                    QCoreApplication.translate("Words", "Term deposit %1 matures today"), amount
                )
            if amount and days is not None:
                return _fill(
                    QCoreApplication.translate(
                        "Words", "Term deposit %1 matures in %n day(s)", "", days
                    ),
                    amount,
                )
            return QCoreApplication.translate("Words", "A term deposit matures soon")
        case ReasonCode.MATURITIES_NOT_RENEWED_90D:
            amount, count = _fen(v.get("amount_fen")), _counted(value) or 0
            if count and amount:
                return _fill(
                    QCoreApplication.translate(
                        "Words", "%n maturity(ies) not renewed in 90 days (%1)", "", count
                    ),
                    amount,
                )
            return QCoreApplication.translate("Words", "Maturities not renewed")
    assert_never(code)


def action_text(action: str) -> str:
    """A retention action of the playbook as the title of the follow-up it suggests."""
    return {
        "renewal_call_rate_offer": QCoreApplication.translate(
            "Words", "Renewal call with a rate offer"
        ),
        "reinvestment_call": QCoreApplication.translate(
            "Words", "Call about reinvesting matured funds"
        ),
        "wealth_review_visit": QCoreApplication.translate("Words", "Wealth review visit"),
        "service_recovery_48h": QCoreApplication.translate(
            "Words", "Service recovery within 48 hours"
        ),
        "payroll_relationship_check": QCoreApplication.translate(
            "Words", "Check the payroll relationship"
        ),
        "reactivation_offer": QCoreApplication.translate("Words", "Reactivation offer"),
        "usage_check_in_call": QCoreApplication.translate(
            "Words", "Check-in call about account use"
        ),
        "needs_review_cross_sell": QCoreApplication.translate(
            "Words", "Needs review and product offer"
        ),
        "relationship_call": QCoreApplication.translate("Words", "Relationship call"),
        "welcome_follow_up": QCoreApplication.translate(
            "Words", "Welcome follow-up for a new customer"
        ),
    }.get(action, QCoreApplication.translate("Words", "Retention follow-up"))
