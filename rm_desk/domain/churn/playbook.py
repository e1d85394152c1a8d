"""The retention playbook: what to do about each churn reason.

A playbook maps a reason code (`ReasonCode`, one per indicator) to a suggested action: an action
code the UI words, a priority and how many days the follow-up has. The defaults
follow common practice at a Chinese retail bank; a bank can replace any entry
(`Playbook.with_overrides`, e.g. from a JSON object of the same shape).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from rm_desk.domain.model import ChurnReason, TaskPriority
from rm_desk.domain.rules import ReasonCode


@dataclass(frozen=True, slots=True)
class RetentionAction:
    action: str  # code of the suggested action, worded by the UI
    priority: TaskPriority
    due_days: int  # the follow-up is due this many days after it is created


@dataclass(frozen=True, slots=True)
class Suggestion:
    reason: ChurnReason
    action: RetentionAction


DEFAULT_ACTIONS: Final[Mapping[ReasonCode, RetentionAction]] = {
    # 到期续作: call before the money is free to leave, with a rate offer.
    ReasonCode.TERM_MATURING_30D: RetentionAction("renewal_call_rate_offer", TaskPriority.HIGH, 3),
    ReasonCode.MATURITIES_NOT_RENEWED_90D: RetentionAction(
        "reinvestment_call", TaskPriority.HIGH, 5
    ),
    # 资产流失: a wealth review visit.
    ReasonCode.AUM_CHANGE_3M: RetentionAction("wealth_review_visit", TaskPriority.HIGH, 7),
    ReasonCode.DEPOSITS_CHANGE_3M: RetentionAction("wealth_review_visit", TaskPriority.HIGH, 7),
    ReasonCode.OUTFLOW_OTHER_BANKS_3M: RetentionAction(
        "wealth_review_visit", TaskPriority.URGENT, 3
    ),
    # 投诉: service recovery within 48 hours.
    ReasonCode.COMPLAINTS_90D: RetentionAction("service_recovery_48h", TaskPriority.URGENT, 2),
    # 代发工资中断: check the payroll relationship with the employer.
    ReasonCode.SALARY_STOPPED: RetentionAction("payroll_relationship_check", TaskPriority.HIGH, 7),
    # 睡眠户: a reactivation offer.
    ReasonCode.MONTHS_WITHOUT_TXN: RetentionAction("reactivation_offer", TaskPriority.NORMAL, 14),
    ReasonCode.TXN_COUNT_CHANGE_3M: RetentionAction("usage_check_in_call", TaskPriority.NORMAL, 10),
    ReasonCode.TXN_AMOUNT_CHANGE_3M: RetentionAction(
        "usage_check_in_call", TaskPriority.NORMAL, 10
    ),
    ReasonCode.PRODUCTS_HELD_CHANGE_6M: RetentionAction(
        "needs_review_cross_sell", TaskPriority.NORMAL, 14
    ),
    ReasonCode.DAYS_SINCE_RM_CONTACT: RetentionAction("relationship_call", TaskPriority.NORMAL, 7),
    ReasonCode.TENURE_MONTHS: RetentionAction("welcome_follow_up", TaskPriority.LOW, 14),
}
FALLBACK: Final[RetentionAction] = RetentionAction("relationship_call", TaskPriority.NORMAL, 7)


@dataclass(frozen=True, slots=True)
class Playbook:
    actions: Mapping[ReasonCode, RetentionAction]
    fallback: RetentionAction = FALLBACK  # for a code a bank's playbook leaves out

    def action_for(self, reason_code: ReasonCode) -> RetentionAction:
        return self.actions.get(reason_code, self.fallback)

    def suggest(self, reasons: Iterable[ChurnReason]) -> list[Suggestion]:
        """One suggestion per reason, in the reasons' order (largest first); a
        second reason asking for the same action is folded into the first."""
        out: list[Suggestion] = []
        seen: set[str] = set()
        for reason in reasons:
            action = self.action_for(reason.code)
            if action.action in seen:
                continue
            seen.add(action.action)
            out.append(Suggestion(reason, action))
        return out

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Playbook:
        """Replace entries: {"complaints_90d": {"action": "...", "priority": 4, "due_days": 1}}."""
        actions = dict(self.actions)
        for name, raw in overrides.items():
            try:
                code = ReasonCode(name)
            except ValueError:
                raise ValueError(f"playbook entry {name}: not a reason code") from None
            base = actions.get(code, self.fallback)
            due = int(raw.get("due_days", base.due_days))
            if due < 0:
                raise ValueError(f"playbook entry {code}: due_days must not be negative")
            actions[code] = RetentionAction(
                action=str(raw.get("action", base.action)),
                priority=TaskPriority(int(raw.get("priority", base.priority))),
                due_days=due,
            )
        return Playbook(actions, self.fallback)


DEFAULT_PLAYBOOK: Final[Playbook] = Playbook(DEFAULT_ACTIONS)
