"""The rule book's fields, kinds and the task state machine."""

from __future__ import annotations

from rm_desk.domain import rules
from rm_desk.domain.model import Customer, FollowUpTask, TaskStatus


def test_customer_fields_are_real_and_disjoint() -> None:
    fields = set(Customer.__dataclass_fields__)
    assert set(rules.CUSTOMER_EDITABLE) <= fields
    assert set(rules.CUSTOMER_REGULATED) <= fields
    assert not set(rules.CUSTOMER_EDITABLE) & set(rules.CUSTOMER_REGULATED)


def test_task_fields_are_real() -> None:
    assert set(rules.TASK_EDITABLE) <= set(FollowUpTask.__dataclass_fields__)


def test_the_task_state_machine() -> None:
    assert set(rules.TASK_TRANSITIONS) == set(TaskStatus)
    for status in TaskStatus:
        assert rules.task_transition_allowed(status, status)
    assert rules.task_transition_allowed("open", "done")
    assert rules.task_transition_allowed("in_progress", "open")
    assert not rules.task_transition_allowed("done", "open")
    assert not rules.task_transition_allowed("cancelled", "in_progress")
    assert not rules.task_transition_allowed("open", "archived")
    assert not rules.task_transition_allowed("archived", "open")


def test_rm_contact_kinds_are_interaction_kinds() -> None:
    assert set(rules.INTERACTION_KINDS) >= rules.RM_CONTACT_KINDS
    assert "complaint" not in rules.RM_CONTACT_KINDS
