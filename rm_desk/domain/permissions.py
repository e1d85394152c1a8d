"""The role matrix: who sees which customers, whose personal fields are masked, and who
may do what. The desktop's services, what the UI offers, the command line and the
gateway all ask this module; there is no other copy.

`docs/permissions.md` is generated from it (`python -m rm_desk.domain.permissions`);
a test fails when the two drift.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from rm_desk.domain.model import InteractionKind, Role


class Visibility(enum.StrEnum):
    """Which customers a role's copy holds."""

    OWN_BOOK = "own_book"  # the customers the user is the relationship manager of
    BRANCH = "branch"  # every customer of the user's branch
    NONE = "none"  # no customer data at all (IT administration)


class Action(enum.StrEnum):
    REVEAL = "reveal"  # show one masked personal field unmasked (audited)
    EDIT_CONTACT = "edit_contact"  # mobile, e-mail, tags
    REQUEST_CHANGE = "request_change"  # a regulated field, reviewed by the bank
    LOG_VISIT = "log_visit"  # a visit note (other kinds: `LOG_CONTACT`)
    LOG_CONTACT = "log_contact"  # a call, message, service or complaint note
    CREATE_TASK = "create_task"  # a follow-up for oneself
    HAND_OVER_TASK = "hand_over_task"  # a follow-up to the customer's relationship manager
    ASSIGN_TASK = "assign_task"  # a follow-up to anyone in the team
    REASSIGN_TASK = "reassign_task"  # change the assignee of someone else's follow-up
    EDIT_TASK = "edit_task"  # edit, complete or snooze any follow-up (everyone: their own)
    DELETE_TASK = "delete_task"  # any follow-up (everyone may delete their own)
    VIEW_TEAM = "view_team"  # the team's figures and follow-ups
    EXPORT = "export"  # lists to CSV / XLSX
    PRINT = "print"  # the visit brief


class RevealReason(enum.StrEnum):
    """Why a personal field is revealed: the audit entry of a reveal holds this code and
    nothing else the user typed (free text could carry personal data off the device)."""

    CUSTOMER_REQUEST = "customer_request"  # the customer asked; identity checked in person
    SERVICE_REQUEST = "service_request"  # serving a request (maturity, card, transfer, …)
    COMPLIANCE_CHECK = "compliance_check"  # a compliance or risk review
    CORRECTION = "correction"  # correcting the customer's data
    OTHER = "other"


def reveal_reason(code: str) -> RevealReason | None:
    """The reveal reason a code names, or None for a code not in the list."""
    try:
        return RevealReason(code)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RoleRights:
    visibility: Visibility
    masked: bool  # personal fields arrive masked; `REVEAL` decides whether one may be shown
    actions: frozenset[Action]

    def may(self, action: Action) -> bool:
        return action in self.actions


_A = Action
_WORK: Final = frozenset(
    {
        _A.REVEAL,
        _A.EDIT_CONTACT,
        _A.REQUEST_CHANGE,
        _A.LOG_VISIT,
        _A.LOG_CONTACT,
        _A.CREATE_TASK,
        _A.HAND_OVER_TASK,
        _A.EXPORT,
        _A.PRINT,
    }
)

MATRIX: Final[Mapping[Role, RoleRights]] = {
    Role.RM: RoleRights(Visibility.OWN_BOOK, masked=False, actions=_WORK),
    Role.MANAGER: RoleRights(
        Visibility.BRANCH,
        masked=False,
        actions=_WORK
        | {_A.ASSIGN_TASK, _A.REASSIGN_TASK, _A.EDIT_TASK, _A.DELETE_TASK, _A.VIEW_TEAM},
    ),
    # Branch staff on shared terminals: masked data (exports and prints masked too),
    # no reveal, no visits.
    Role.TELLER: RoleRights(
        Visibility.BRANCH,
        masked=True,
        actions=frozenset({_A.LOG_CONTACT, _A.CREATE_TASK, _A.HAND_OVER_TASK, _A.EXPORT, _A.PRINT}),
    ),
    # IT: users and devices, never customer data (masked too, as a second line of defence).
    Role.ADMIN: RoleRights(Visibility.NONE, masked=True, actions=frozenset()),
}


def rights(role: Role | str) -> RoleRights:
    """The rights of a role; an unknown role has none."""
    try:
        return MATRIX[Role(role)]
    except ValueError:
        return RoleRights(Visibility.NONE, masked=True, actions=frozenset())


def may(role: Role | str, action: Action) -> bool:
    return rights(role).may(action)


def sees_masked(role: Role | str) -> bool:
    return rights(role).masked


def may_log(role: Role | str, kind: str) -> bool:
    """Whether a role may log an interaction of this kind."""
    if kind == InteractionKind.VISIT:
        return may(role, Action.LOG_VISIT)
    return kind in set(InteractionKind) and may(role, Action.LOG_CONTACT)


TASK_CHANGES: Final = frozenset({Action.EDIT_TASK, Action.DELETE_TASK})


def may_change_task(
    role: Role | str, action: Action, user_id: str, created_by: str, assignee: str
) -> bool:
    """Whether a user may change an existing follow-up: `EDIT_TASK` (edit, complete,
    snooze, cancel) or `DELETE_TASK`.

    The rule, the same on the desktop and the gateway:
    * everyone who works with customers (rm, teller, manager) may change the follow-ups
      they hold (assignee) or created (a hand-over's author may correct or withdraw it);
    * a role with the action in the matrix (a manager) may change any follow-up it sees,
      which is its own branch's: the desktop's store holds only what the role sees, and
      the gateway has refused a task on a customer outside it before asking this;
    * nobody else: an RM not a colleague's, a teller not the follow-ups of the branch's
      RMs, admin (no customer data) none.
    """
    if action not in TASK_CHANGES:
        raise ValueError(f"{action} is not a change to a follow-up")
    r = rights(role)
    if r.visibility is Visibility.NONE:
        return False
    return r.may(action) or user_id in (created_by, assignee)


def hands_over_by_default(role: Role | str) -> bool:
    """Whether a new follow-up starts as a hand-over to the customer's relationship
    manager: for branch staff, who see the branch's customers but own none and may not
    assign work (SPEC 2.5)."""
    r = rights(role)
    return (
        r.visibility is Visibility.BRANCH
        and r.may(Action.HAND_OVER_TASK)
        and not r.may(Action.ASSIGN_TASK)
    )


def sees_customer(
    role: Role | str, user_id: str, user_branch: str, owner_rm: str, branch: str
) -> bool:
    """Whether a user's copy holds this customer."""
    match rights(role).visibility:
        case Visibility.OWN_BOOK:
            return owner_rm == user_id
        case Visibility.BRANCH:
            return branch == user_branch
        case _:
            return False


def customer_scopes(owner_rm: str, branch: str) -> tuple[str, str]:
    """The sync scopes that see a customer (and everything under it)."""
    return (f"rm:{owner_rm}", f"branch:{branch}")


def user_scopes(role: Role | str, user_id: str, branch: str) -> tuple[str, ...]:
    """The sync scopes a user's device replicates: the one of `customer_scopes` that
    `sees_customer` selects."""
    match rights(role).visibility:
        case Visibility.OWN_BOOK:
            return (f"rm:{user_id}",)
        case Visibility.BRANCH:
            return (f"branch:{branch}",)
        case _:
            return ()


_VISIBILITY_WORDS: Final = {
    Visibility.OWN_BOOK: "own book",
    Visibility.BRANCH: "branch",
    Visibility.NONE: "none",
}


def matrix_markdown() -> str:
    """The matrix as a Markdown table (docs/permissions.md)."""
    roles = list(MATRIX)
    lines = [
        "# Who may do what",
        "",
        "Generated from `rm_desk/domain/permissions.py` by "
        "`python -m rm_desk.domain.permissions > docs/permissions.md`; do not edit.",
        "",
        "| | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
        "| customers seen | "
        + " | ".join(_VISIBILITY_WORDS[MATRIX[r].visibility] for r in roles)
        + " |",
        "| personal fields masked | "
        + " | ".join("yes" if MATRIX[r].masked else "no" for r in roles)
        + " |",
    ]
    for action in Action:
        marks = " | ".join("yes" if MATRIX[r].may(action) else "—" for r in roles)
        lines.append(f"| {action.value} | {marks} |")
    lines += [
        "",
        "`edit_task` (edit, complete, snooze, cancel) and `delete_task` are about any "
        "follow-up the role sees; every role but admin may also edit and delete the "
        "follow-ups it holds or created (`may_change_task`).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(matrix_markdown(), end="")
