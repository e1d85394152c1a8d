"""The business rules both ends read: which customer fields an RM edits and which are
regulated, the follow-up task's fields and state machine, the interaction kinds and
the churn reason codes.

The desktop's services and the gateway import these; there is no other copy. Who may
do what is in `rm_desk.domain.permissions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from rm_desk.domain.model import InteractionKind, ReasonCode, TaskStatus

__all__ = [
    "CUSTOMER_EDITABLE",
    "CUSTOMER_REGULATED",
    "INTERACTION_KINDS",
    "RM_CONTACT_KINDS",
    "TASK_EDITABLE",
    "TASK_TRANSITIONS",
    "ReasonCode",
    "task_transition_allowed",
]

# --- customers --------------------------------------------------------------------------

# Contact details the relationship manager maintains: merged per field on the gateway.
CUSTOMER_EDITABLE: Final[tuple[str, ...]] = ("mobile", "email", "tags")
# Server authority (KYC, risk rating, ID, address of record): changed only through a
# change request the bank reviews.
CUSTOMER_REGULATED: Final[tuple[str, ...]] = (
    "name",
    "id_type",
    "id_number",
    "birth_date",
    "address",
    "kyc_expiry",
    "risk_profile",
)

# --- follow-up tasks -------------------------------------------------------------------

TASK_EDITABLE: Final[tuple[str, ...]] = (
    "title",
    "due",
    "priority",
    "assignee",
    "status",
    "outcome",
    "detail",
)
TASK_TRANSITIONS: Final[Mapping[TaskStatus, frozenset[TaskStatus]]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


def task_transition_allowed(before: str, after: str) -> bool:
    """Whether a task may move from status `before` to `after` (staying put always may).
    An unknown status on either side is not allowed."""
    try:
        old, new = TaskStatus(before), TaskStatus(after)
    except ValueError:
        return False
    return old == new or new in TASK_TRANSITIONS[old]


# --- interactions ----------------------------------------------------------------------

INTERACTION_KINDS: Final[tuple[str, ...]] = tuple(k.value for k in InteractionKind)
# Contacts the relationship manager makes (service and complaints are the customer's).
RM_CONTACT_KINDS: Final[frozenset[str]] = frozenset(
    {InteractionKind.VISIT.value, InteractionKind.CALL.value, InteractionKind.MESSAGE.value}
)


# --- churn reasons ---------------------------------------------------------------------

# `ReasonCode`, imported above: why a customer may leave, one code per churn indicator.
# rm_desk.domain.churn.indicators computes them, the playbook (churn/playbook.py) answers
# each, ui/words.py words each; the enum lives in the model beside ChurnReason, which
# carries it.
