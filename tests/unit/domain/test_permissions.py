"""The role matrix: one source for who sees, reveals, edits, assigns, exports and prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from rm_desk.domain import permissions
from rm_desk.domain.model import InteractionKind, Role
from rm_desk.domain.permissions import Action, Visibility

DOCS = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def test_the_docs_table_is_the_matrix() -> None:
    assert DOCS.read_text(encoding="utf-8") == permissions.matrix_markdown(), (
        "docs/permissions.md drifted: python -m rm_desk.domain.permissions > docs/permissions.md"
    )


def test_every_role_has_rights_and_admin_sees_no_customer() -> None:
    assert set(permissions.MATRIX) == set(Role)
    admin = permissions.rights(Role.ADMIN)
    assert admin.visibility is Visibility.NONE
    assert not admin.actions
    assert not permissions.sees_customer(Role.ADMIN, "it01", "B1", "it01", "B1")
    assert permissions.user_scopes(Role.ADMIN, "it01", "B1") == ()


@pytest.mark.parametrize(
    ("role", "masked"),
    [(Role.RM, False), (Role.MANAGER, False), (Role.TELLER, True), (Role.ADMIN, True)],
)
def test_masked_roles(role: Role, masked: bool) -> None:
    assert permissions.sees_masked(role) is masked
    # Whoever sees masked data may not reveal it.
    assert not (masked and permissions.may(role, Action.REVEAL))


def test_an_unknown_role_has_no_rights() -> None:
    assert permissions.rights("auditor").actions == frozenset()
    assert permissions.sees_masked("auditor")
    assert permissions.user_scopes("auditor", "x", "B1") == ()


@pytest.mark.parametrize("role", list(Role))
def test_scopes_select_what_sees_customer_selects(role: Role) -> None:
    """`user_scopes` (what the gateway replicates) and `sees_customer` (what it accepts
    a push for) are the same rule."""
    for owner, branch in (("rm01", "B1"), ("rm02", "B1"), ("rm01", "B2"), ("rm03", "B3")):
        replicated = bool(
            set(permissions.user_scopes(role, "rm01", "B1"))
            & set(permissions.customer_scopes(owner, branch))
        )
        assert replicated == permissions.sees_customer(role, "rm01", "B1", owner, branch)


def test_who_logs_which_kind() -> None:
    assert all(permissions.may_log(Role.RM, k) for k in InteractionKind)
    assert not permissions.may_log(Role.TELLER, InteractionKind.VISIT)
    assert permissions.may_log(Role.TELLER, InteractionKind.COMPLAINT)
    assert not permissions.may_log(Role.ADMIN, InteractionKind.CALL)
    assert not permissions.may_log(Role.RM, "gossip")


def test_only_managers_assign_and_see_the_team() -> None:
    for action in (Action.ASSIGN_TASK, Action.REASSIGN_TASK, Action.VIEW_TEAM):
        assert [r for r in Role if permissions.may(r, action)] == [Role.MANAGER]


# Whose follow-up, seen from user "u1": (created_by, assignee).
TASKS_OF = {
    "held": ("u2", "u1"),  # assigned to u1 by someone else (a manager, a hand-over)
    "created": ("u1", "u2"),  # u1 created it for someone else (a hand-over)
    "both": ("u1", "u1"),  # u1's own follow-up
    "other": ("u2", "u3"),  # a colleague's: neither created nor held by u1
}
# Who may edit/complete/snooze and delete which, spelled out rather than asked of the
# matrix: everyone working with customers their own; a manager also the team's (the
# branch it sees); admin, who has no customer data, none.
MAY_CHANGE = {
    Role.RM: {"held", "created", "both"},
    Role.TELLER: {"held", "created", "both"},
    Role.MANAGER: {"held", "created", "both", "other"},
    Role.ADMIN: set(),
}


@pytest.mark.parametrize("action", [Action.EDIT_TASK, Action.DELETE_TASK])
@pytest.mark.parametrize("whose", list(TASKS_OF))
@pytest.mark.parametrize("role", list(Role))
def test_who_changes_and_deletes_which_task(role: Role, whose: str, action: Action) -> None:
    created_by, assignee = TASKS_OF[whose]
    allowed = permissions.may_change_task(role, action, "u1", created_by, assignee)
    assert allowed is (whose in MAY_CHANGE[role])


def test_only_managers_change_any_task_and_unknown_roles_none() -> None:
    for action in (Action.EDIT_TASK, Action.DELETE_TASK):
        assert [r for r in Role if permissions.may(r, action)] == [Role.MANAGER]
        assert not permissions.may_change_task("auditor", action, "u1", "u1", "u1")


def test_only_task_changes_are_asked_of_the_task_rule() -> None:
    with pytest.raises(ValueError, match="reveal"):
        permissions.may_change_task(Role.MANAGER, Action.REVEAL, "u1", "u1", "u1")


def test_only_branch_staff_hand_over_by_default() -> None:
    assert [r for r in Role if permissions.hands_over_by_default(r)] == [Role.TELLER]
