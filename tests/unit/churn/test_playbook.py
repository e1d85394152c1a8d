"""The retention playbook: defaults, overrides, one suggestion per action."""

from __future__ import annotations

import pytest

from rm_desk.domain.churn.indicators import CODES
from rm_desk.domain.churn.playbook import DEFAULT_PLAYBOOK, FALLBACK
from rm_desk.domain.model import ChurnReason, ReasonCode, TaskPriority


def test_every_indicator_has_a_default_action() -> None:
    for code in CODES:
        assert code in DEFAULT_PLAYBOOK.actions
    assert (
        DEFAULT_PLAYBOOK.action_for(ReasonCode.TERM_MATURING_30D).action
        == "renewal_call_rate_offer"
    )
    assert DEFAULT_PLAYBOOK.action_for(ReasonCode.AUM_CHANGE_3M).action == "wealth_review_visit"
    complaint = DEFAULT_PLAYBOOK.action_for(ReasonCode.COMPLAINTS_90D)
    assert (complaint.action, complaint.due_days) == ("service_recovery_48h", 2)
    assert (
        DEFAULT_PLAYBOOK.action_for(ReasonCode.SALARY_STOPPED).action
        == "payroll_relationship_check"
    )
    assert DEFAULT_PLAYBOOK.action_for(ReasonCode.MONTHS_WITHOUT_TXN).action == "reactivation_offer"
    assert DEFAULT_PLAYBOOK.action_for("Total_Trans_Ct") is FALLBACK  # type: ignore[arg-type]


def test_suggestions_follow_the_reasons_and_fold_repeated_actions() -> None:
    reasons = [
        ChurnReason(ReasonCode.AUM_CHANGE_3M, 1.2, {"value": -40}),
        ChurnReason(ReasonCode.DEPOSITS_CHANGE_3M, 0.8, {"value": -35}),  # same action: folded
        ChurnReason(ReasonCode.COMPLAINTS_90D, 0.5, {"value": 2}),
    ]
    suggested = DEFAULT_PLAYBOOK.suggest(reasons)
    assert [s.reason.code for s in suggested] == ["aum_change_3m", "complaints_90d"]
    assert [s.action.action for s in suggested] == ["wealth_review_visit", "service_recovery_48h"]


def test_overrides_replace_entries() -> None:
    bank = DEFAULT_PLAYBOOK.with_overrides(
        {"complaints_90d": {"action": "branch_head_call", "priority": 4, "due_days": 1}}
    )
    action = bank.action_for(ReasonCode.COMPLAINTS_90D)
    assert (action.action, action.priority, action.due_days) == (
        "branch_head_call", TaskPriority.URGENT, 1,
    )  # fmt: skip
    assert DEFAULT_PLAYBOOK.action_for(ReasonCode.COMPLAINTS_90D).action == "service_recovery_48h"
    with pytest.raises(ValueError, match="due_days"):
        DEFAULT_PLAYBOOK.with_overrides({"complaints_90d": {"due_days": -1}})
