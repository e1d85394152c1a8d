"""Who is calling: the authenticated user, device and what they may see (the role
matrix in `rm_desk.domain.permissions` decides)."""

from __future__ import annotations

from dataclasses import dataclass

from rm_desk.domain import permissions


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    role: str
    branch: str
    device_id: str
    scope_epoch: int = 0

    @property
    def scopes(self) -> tuple[str, ...]:
        return permissions.user_scopes(self.role, self.user_id, self.branch)

    @property
    def sees_masked(self) -> bool:
        return permissions.sees_masked(self.role)

    def sees_customer(self, owner_rm: str, branch: str) -> bool:
        return permissions.sees_customer(self.role, self.user_id, self.branch, owner_rm, branch)
