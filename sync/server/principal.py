"""Who is calling: the authenticated user, device and what they may see."""

from __future__ import annotations

from dataclasses import dataclass

from sync.server.db import user_scopes


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    role: str
    branch: str
    device_id: str
    scope_epoch: int = 0

    @property
    def scopes(self) -> tuple[str, ...]:
        return user_scopes(self.role, self.user_id, self.branch)

    @property
    def sees_masked(self) -> bool:
        return self.role == "teller"

    def sees_customer(self, owner_rm: str, branch: str) -> bool:
        if self.role == "rm":
            return owner_rm == self.user_id
        if self.role in ("manager", "teller"):
            return branch == self.branch
        return False
