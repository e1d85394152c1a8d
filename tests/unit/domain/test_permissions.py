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


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        (Role.RM, True, False),
        (Role.TELLER, True, False),
        (Role.MANAGER, True, True),
        (Role.ADMIN, True, False),
    ],
)
def test_who_deletes_which_task(role: Role, own: bool, other: bool) -> None:
    # Everyone may delete a follow-up they created or hold; only `DELETE_TASK` any other.
    assert permissions.may_delete_task(role, "u1", created_by="u1", assignee="u2") is own
    assert permissions.may_delete_task(role, "u1", created_by="u2", assignee="u1") is own
    assert permissions.may_delete_task(role, "u1", created_by="u2", assignee="u3") is other


def test_only_branch_staff_hand_over_by_default() -> None:
    assert [r for r in Role if permissions.hands_over_by_default(r)] == [Role.TELLER]
